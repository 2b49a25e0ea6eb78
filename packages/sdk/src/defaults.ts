/** How a failed attempt is retried. */
export interface RetryPolicy {
  /** Retries after the first attempt. @default 3 */
  retries: number;
  /** Delay before the first retry. @default 500 */
  minDelayMs: number;
  /** Upper bound of any delay. @default 8000 */
  maxDelayMs: number;
  /** Growth of the delay per retry. @default 2 */
  factor: number;
  /** Randomise each delay between half and all of it, so many clients do not retry in step. @default true */
  jitter: boolean;
}

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

/** Every default of dingbot, in one place: the options' TSDoc and the README quote these. */
export const defaults = {
  /** DingTalk's API host. The English-locale host is `https://oapi.dingtalk.io`. */
  baseUrl: 'https://oapi.dingtalk.com',
  /** The webhook robots' send path. */
  sendPath: '/robot/send',
  /** Per-attempt timeout. */
  timeoutMs: 10_000,
  /** DingTalk's body limit, in UTF-8 bytes of the JSON body. */
  maxBodyBytes: 20_000,
  /** DingTalk's limit on a robot's keywords. */
  maxKeywords: 10,
  /** Add `@<mobile>`/`@<userId>` to the text for mentions missing there. */
  insertMentions: true,
  /** Where an added keyword goes. */
  keywordPlacement: 'end',
  /** The retry policy's name. */
  retry: 'default',
  /** The language of what dingbot writes into messages (digest headings, part labels). */
  locale: 'en',
  /** DingTalk's rate limit: 20 sends a minute per robot. */
  rateLimit: { limit: 20, windowMs: 60_000 },
  /** DingTalk's penalty after a throttle: about 10 minutes. */
  penaltyMs: 600_000,
  /** Wait a penalty out. */
  penalty: 'wait',
  /** Queue slots per robot. */
  maxQueue: 10_000,
  /** Merge queued messages when the queue is full. */
  overflow: 'digest',
  /** Timers keep the process alive while messages wait. */
  keepAlive: true,
  /**
   * Bytes kept free in each digest and split part for the `msgUuid` and a keyword or mention the robot
   * may still add.
   */
  reserveBytes: 256,
  /** The smallest body a digest or a split part may be limited to (a label, a mention, some text). */
  minPartBytes: 1_024,
  /** `RobotPool`: pick the healthy robot with the fewest messages waiting. */
  poolStrategy: 'least-loaded',
  /** `RobotPool`: how long a failing robot is left out. */
  poolCooldownMs: 60_000,
} as const;
