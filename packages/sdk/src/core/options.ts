import { defaultFetch } from '#default-fetch';
import { OptionsError } from '../errors/client.js';
import type { KeywordPlacement } from '../messages/prepare.js';
import { defaults, RETRY_POLICIES } from './defaults.js';
import type { RetryPolicy } from './retry.js';
import type { FetchLike } from './transport.js';

/** Which robot to post as: the webhook URL as DingTalk shows it, or the access token alone. */
export interface RobotTarget {
  /**
   * The webhook URL exactly as DingTalk shows it. Give this or `accessToken`.
   * @default undefined
   * @example 'https://oapi.dingtalk.com/robot/send?access_token=6a1c…'
   */
  webhook?: string;
  /**
   * The access token alone (the part after `access_token=`). Use with `baseUrl` for another host.
   * @default undefined
   * @example process.env.DINGTALK_ACCESS_TOKEN
   */
  accessToken?: string;
  /**
   * The API host when `accessToken` is used (the emulator, or the English-locale host).
   * @default 'https://oapi.dingtalk.com'
   * @example 'http://127.0.0.1:8080'
   */
  baseUrl?: string;
}

/** How requests are made. Kept apart from message defaults: none of this ever reaches a payload. */
export interface TransportOptions {
  /**
   * Timeout of each attempt, in milliseconds. There is always one.
   * @default 10000
   * @example 3000
   */
  timeoutMs?: number;
  /**
   * The `fetch` to use: the global one by default; pass undici's for a proxy, or a test double.
   * @default globalThis.fetch
   * @example import { fetch, EnvHttpProxyAgent } from 'undici'; new Robot({ webhook, fetch: (u, i) => fetch(u, { ...i, dispatcher: new EnvHttpProxyAgent() }) })
   */
  fetch?: FetchLike;
  /**
   * Retry policy for network errors, timeouts, HTTP 5xx and DingTalk's errcode -1: a named one or your own.
   * @default 'default'
   * @example { retries: 5, minDelayMs: 1000, maxDelayMs: 30000, factor: 2, jitter: true }
   */
  retry?: keyof typeof RETRY_POLICIES | (Omit<RetryPolicy, 'jitter'> & Partial<Pick<RetryPolicy, 'jitter'>>);
  /**
   * The `User-Agent` header.
   * @default 'dingbot/<version>'
   * @example 'deploy-bot/2.1 dingbot/0.1.0'
   */
  userAgent?: string;
  /**
   * The clock used for signing timestamps (tests only).
   * @default Date.now
   * @example () => Date.parse('2024-06-01T00:00:00Z')
   */
  now?: () => number;
}

/** What dingbot does to every message before sending it. */
export interface MessageDefaults {
  /**
   * The robot's signing secret (`SEC…`, under 加签 in its security settings). Every request is signed
   * with a fresh timestamp.
   * @default undefined (the robot does not sign)
   * @example process.env.DINGTALK_SECRET
   */
  secret?: string;
  /**
   * The robot's keywords (自定义关键词). dingbot makes sure each message contains one, adding the first
   * when none is present.
   * @default [] (no keyword check)
   * @example ['alert', '告警']
   */
  keywords?: readonly string[];
  /**
   * Where an added keyword goes in the message body.
   * @default 'end'
   * @example 'start'
   */
  keywordPlacement?: KeywordPlacement;
  /**
   * Write `@<mobile>`/`@<userId>` into the text for each mention missing there, since DingTalk only
   * pings mentions it finds in the text.
   * @default true
   * @example false
   */
  insertMentions?: boolean;
}

/** Everything `new Robot()` accepts. */
export type RobotCoreOptions = RobotTarget & TransportOptions & MessageDefaults;

/** Options checked and filled in. */
export interface ResolvedCoreOptions {
  url: string;
  token: string;
  secret: string | undefined;
  keywords: readonly string[];
  keywordPlacement: KeywordPlacement;
  insertMentions: boolean;
  timeoutMs: number;
  fetch: FetchLike;
  retry: RetryPolicy;
  userAgent: string;
  now: () => number;
}

/** Checks the options at once and explains the first wrong one. */
export function resolveCoreOptions(options: RobotCoreOptions, userAgent: string): ResolvedCoreOptions {
  if (typeof options !== 'object' || options === null) {
    throw new OptionsError('options', 'is missing', 'Pass { webhook } or { accessToken }.');
  }
  const secrets = [options.accessToken, options.secret, options.webhook];
  const { url, token } = resolveTarget(options, secrets);
  const secret = options.secret;
  if (secret !== undefined) {
    if (typeof secret !== 'string') {
      throw new OptionsError(
        'secret',
        `is a ${typeof secret}, not a string`,
        "Pass the SEC… secret from the robot's security settings as a string.",
      );
    }
    if (secret.trim() === '') {
      throw new OptionsError(
        'secret',
        'is empty',
        "Copy the SEC… secret from the robot's security settings, or leave `secret` out if the robot does not sign.",
      );
    }
    if (!secret.startsWith('SEC')) {
      throw new OptionsError(
        'secret',
        'does not start with "SEC"',
        "Copy the whole secret shown under 加签 in the robot's security settings; it starts with SEC.",
        secrets,
      );
    }
    if (/\s/.test(secret)) {
      throw new OptionsError(
        'secret',
        'contains white space',
        'Copy the secret again without spaces or line breaks.',
        secrets,
      );
    }
  }
  const keywords = options.keywords ?? [];
  if (!Array.isArray(keywords) || keywords.some((k) => typeof k !== 'string' || k.trim() === '')) {
    throw new OptionsError(
      'keywords',
      'must be a list of non-empty strings',
      "Give the robot's keywords, e.g. keywords: ['alert'].",
    );
  }
  if (keywords.length > 10) {
    throw new OptionsError(
      'keywords',
      `has ${keywords.length} entries`,
      'DingTalk allows at most 10 keywords per robot.',
    );
  }
  const placement = options.keywordPlacement ?? defaults.keywordPlacement;
  if (placement !== 'start' && placement !== 'end') {
    throw new OptionsError('keywordPlacement', `is ${JSON.stringify(placement)}`, "Use 'start' or 'end'.");
  }
  if (options.insertMentions !== undefined && typeof options.insertMentions !== 'boolean') {
    throw new OptionsError(
      'insertMentions',
      `is ${JSON.stringify(options.insertMentions)}`,
      'Use true (the default: missing @mentions are written into the text) or false.',
    );
  }
  const timeoutMs = options.timeoutMs ?? defaults.timeoutMs;
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new OptionsError(
      'timeoutMs',
      `is ${String(timeoutMs)}`,
      'Give a positive number of milliseconds, e.g. 10000. There is no "no timeout".',
    );
  }
  const fetchImpl = options.fetch ?? (globalThis.fetch as unknown as FetchLike | undefined);
  if (typeof fetchImpl !== 'function') {
    throw new OptionsError(
      'fetch',
      'is not a function',
      "This runtime has no global fetch: pass one, e.g. undici's.",
    );
  }
  return {
    url,
    token,
    secret,
    keywords: [...keywords],
    keywordPlacement: placement,
    insertMentions: options.insertMentions ?? defaults.insertMentions,
    timeoutMs,
    fetch: options.fetch ?? defaultFetch,
    retry: resolveRetry(options.retry),
    userAgent: options.userAgent ?? userAgent,
    now: options.now ?? Date.now,
  };
}

function resolveRetry(retry: RobotCoreOptions['retry']): RetryPolicy {
  if (retry === undefined) return RETRY_POLICIES[defaults.retry];
  if (typeof retry === 'string') {
    const policy = Object.hasOwn(RETRY_POLICIES, retry)
      ? (RETRY_POLICIES as Record<string, RetryPolicy>)[retry]
      : undefined;
    if (!policy)
      throw new OptionsError(
        'retry',
        `names no policy: ${JSON.stringify(retry)}`,
        `Use one of ${Object.keys(RETRY_POLICIES).join(', ')}, or an object.`,
      );
    return policy;
  }
  if (typeof retry !== 'object' || retry === null) {
    throw new OptionsError(
      'retry',
      `is ${String(retry)}`,
      `Use one of ${Object.keys(RETRY_POLICIES).join(', ')}, or { retries, minDelayMs, maxDelayMs, factor, jitter }.`,
    );
  }
  const fields = ['retries', 'minDelayMs', 'maxDelayMs', 'factor'] as const;
  for (const field of fields) {
    const value = retry[field];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new OptionsError(`retry.${field}`, `is ${String(value)}`, 'Give a number of 0 or more.');
    }
  }
  if (!Number.isInteger(retry.retries)) {
    throw new OptionsError('retry.retries', `is ${retry.retries}`, 'Give a whole number of retries, e.g. 3.');
  }
  if (retry.jitter !== undefined && typeof retry.jitter !== 'boolean') {
    throw new OptionsError('retry.jitter', `is ${JSON.stringify(retry.jitter)}`, 'Use true or false.');
  }
  return { ...retry, jitter: retry.jitter ?? true };
}

function resolveTarget(
  options: RobotTarget,
  secrets: readonly (string | undefined)[],
): { url: string; token: string } {
  const { webhook, accessToken } = options;
  if (webhook !== undefined && accessToken !== undefined) {
    throw new OptionsError(
      'webhook',
      'and `accessToken` are both set',
      'Give one: the whole webhook URL, or the token alone (with `baseUrl` if needed).',
      secrets,
    );
  }
  if (webhook !== undefined) {
    let parsed: URL;
    try {
      parsed = new URL(String(webhook).trim());
    } catch {
      throw new OptionsError(
        'webhook',
        'is not a URL',
        'Paste the whole webhook URL, e.g. https://oapi.dingtalk.com/robot/send?access_token=…, or pass the token as `accessToken`.',
        secrets,
      );
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
      throw new OptionsError(
        'webhook',
        `uses ${parsed.protocol}//`,
        'Use the https:// URL DingTalk shows.',
        secrets,
      );
    }
    const token = parsed.searchParams.get('access_token');
    if (!token) {
      throw new OptionsError(
        'webhook',
        'has no access_token',
        'Copy the webhook again: it ends with ?access_token=<64 characters>.',
        secrets,
      );
    }
    checkToken(token, 'webhook', [...secrets, token]);
    for (const key of ['timestamp', 'sign']) parsed.searchParams.delete(key);
    return { url: parsed.toString(), token };
  }
  if (accessToken === undefined) {
    throw new OptionsError(
      'webhook',
      'is missing',
      'Pass `webhook` (the whole URL DingTalk shows) or `accessToken`.',
    );
  }
  if (typeof accessToken !== 'string') {
    throw new OptionsError(
      'accessToken',
      `is a ${typeof accessToken}, not a string`,
      'Pass the token from the webhook URL (after access_token=) as a string.',
    );
  }
  if (accessToken.trim() === '') {
    throw new OptionsError(
      'accessToken',
      'is empty',
      'Pass the token from the webhook URL (after access_token=), or `webhook` with the whole URL.',
    );
  }
  if (/^[a-z]+:\/\//i.test(accessToken) || accessToken.includes('access_token=')) {
    throw new OptionsError(
      'accessToken',
      'looks like a whole webhook URL',
      'Pass the URL as `webhook` instead, or only the part after access_token= as `accessToken` (a URL there is the classic cause of "token is not exist").',
      secrets,
    );
  }
  checkToken(accessToken, 'accessToken', secrets);
  const base = options.baseUrl ?? defaults.baseUrl;
  let baseUrl: URL;
  try {
    baseUrl = new URL(base);
  } catch {
    throw new OptionsError(
      'baseUrl',
      `is not a URL: ${JSON.stringify(base)}`,
      'Give the API host, e.g. https://oapi.dingtalk.com or http://127.0.0.1:8080.',
      secrets,
    );
  }
  if (baseUrl.protocol !== 'https:' && baseUrl.protocol !== 'http:') {
    throw new OptionsError('baseUrl', `uses ${baseUrl.protocol}//`, 'Use http:// or https://.', secrets);
  }
  if (/\/robot\/send\/?$/.test(baseUrl.pathname) || baseUrl.search !== '') {
    throw new OptionsError(
      'baseUrl',
      'holds a path or query, not just the host',
      'Give only the host, e.g. https://oapi.dingtalk.com (dingbot adds /robot/send?access_token=…), or pass the whole URL as `webhook`.',
      secrets,
    );
  }
  const root = baseUrl.toString().replace(/\/+$/, '');
  return {
    url: `${root}${defaults.sendPath}?access_token=${encodeURIComponent(accessToken)}`,
    token: accessToken,
  };
}

function checkToken(token: string, option: string, secrets: readonly (string | undefined)[]): void {
  if (/\s/.test(token)) {
    throw new OptionsError(
      option,
      'has white space in the access token',
      'Copy the token again without spaces or line breaks.',
      secrets,
    );
  }
}
