import type { RetryPolicy } from './retry.js';

/** Every default of dingbot, in one place. */
export const defaults = {
  /** DingTalk's API host. The English-locale host is `https://oapi.dingtalk.io`. */
  baseUrl: 'https://oapi.dingtalk.com',
  /** The webhook robots' send path. */
  sendPath: '/robot/send',
  /** Per-attempt timeout. */
  timeoutMs: 10_000,
  /** DingTalk's body limit, in UTF-8 bytes. */
  maxBodyBytes: 20_000,
  /** Add `@<mobile>`/`@<userId>` to the text for mentions missing there. */
  insertMentions: true,
  /** Where an added keyword goes. */
  keywordPlacement: 'end',
  /** The retry policy's name. */
  retry: 'default',
} as const;

/**
 * Named retry policies. Retries happen only for failures that can heal by themselves: network
 * errors, timeouts, HTTP 5xx/429 and DingTalk's errcode -1 (busy).
 */
export const RETRY_POLICIES = {
  /** 3 retries after about 0.5 s, 1 s, 2 s (with jitter). */
  default: { retries: 3, minDelayMs: 500, maxDelayMs: 8_000, factor: 2, jitter: true },
  /** For tests: 3 quick retries. */
  fast: { retries: 3, minDelayMs: 5, maxDelayMs: 20, factor: 2, jitter: false },
  /** Never retry. */
  none: { retries: 0, minDelayMs: 0, maxDelayMs: 0, factor: 1, jitter: false },
} as const satisfies Record<string, RetryPolicy>;
