import { defaultFetch } from '#default-fetch';
import type { RetryPolicy } from '../core/retry.js';
import type { FetchLike } from '../core/transport.js';
import { defaults, RETRY_POLICIES } from '../defaults.js';
import { DELIVERY_OPTIONS, type DeliveryOptions, flag, oneOf } from '../delivery/options.js';
import { isPlainObject, rejectUnknownOptions, shown } from '../errors/checks.js';
import { OptionsError } from '../errors/client.js';
import type { KeywordPlacement } from '../messages/prepare.js';

/** Which robot to post as: the webhook URL as DingTalk shows it, or the access token alone. */
export interface RobotTarget {
  /**
   * The webhook URL exactly as DingTalk shows it. Give this or `accessToken`. A received message's
   * `sessionWebhook` (`…/robot/sendBySession?session=…`) works too: replies then go to that chat.
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
   * Retry policy for network errors, timeouts, HTTP 5xx and DingTalk's errcode -1: a named one, a number
   * of retries (with the default delays), `false` (never retry), or your own policy, whose missing
   * fields come from the default one.
   * @default 'default' (3 retries, 0.5 s → 8 s, jitter)
   * @example 5
   * @example { retries: 5, maxDelayMs: 30000 }
   */
  retry?: keyof typeof RETRY_POLICIES | number | false | Partial<RetryPolicy>;
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
export type RobotOptions = RobotTarget & TransportOptions & MessageDefaults & DeliveryOptions;

const TARGET_OPTIONS = [
  'webhook',
  'accessToken',
  'baseUrl',
] as const satisfies readonly (keyof RobotTarget)[];
const TRANSPORT_OPTIONS = [
  'timeoutMs',
  'fetch',
  'retry',
  'userAgent',
  'now',
] as const satisfies readonly (keyof TransportOptions)[];
const MESSAGE_OPTIONS = [
  'secret',
  'keywords',
  'keywordPlacement',
  'insertMentions',
] as const satisfies readonly (keyof MessageDefaults)[];

/** Every option `new Robot()` knows. */
export const ROBOT_OPTIONS: readonly (keyof RobotOptions)[] = [
  ...TARGET_OPTIONS,
  ...MESSAGE_OPTIONS,
  ...TRANSPORT_OPTIONS,
  ...DELIVERY_OPTIONS,
];

/** Names people bring from elsewhere (DingTalk's docs, other SDKs), and the option they mean. */
const ALIASES: Readonly<Record<string, string>> = {
  url: 'webhook',
  webhookUrl: 'webhook',
  webhookURL: 'webhook',
  token: 'accessToken',
  access_token: 'accessToken',
  sign: 'secret',
  signSecret: 'secret',
  keyword: 'keywords',
  timeout: 'timeoutMs',
  retries: 'retry',
  agent: 'userAgent',
  lang: 'locale',
  language: 'locale',
};

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

/**
 * Checks the options at once and explains the first wrong one (the delivery options are checked by
 * the delivery engine, from the same table of names). An unknown name gets the one meant.
 */
export function resolveCoreOptions(options: RobotOptions, userAgent: string): ResolvedCoreOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new OptionsError(
      'options',
      options === undefined ? 'is missing' : `is ${shown(options)}`,
      'Pass { webhook } or { accessToken }.',
    );
  }
  rejectUnknownOptions(options, ROBOT_OPTIONS, '', ALIASES);
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
  const placement = oneOf(
    'keywordPlacement',
    options.keywordPlacement,
    ['start', 'end'],
    defaults.keywordPlacement,
  );
  const mentions = flag('insertMentions', options.insertMentions, defaults.insertMentions);
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
  if (
    options.userAgent !== undefined &&
    (typeof options.userAgent !== 'string' || options.userAgent.trim() === '')
  ) {
    throw new OptionsError(
      'userAgent',
      `is ${shown(options.userAgent)}`,
      'Give a non-empty string, e.g. "deploy-bot/2.1", or leave it out.',
    );
  }
  if (options.now !== undefined && typeof options.now !== 'function') {
    throw new OptionsError(
      'now',
      `is ${shown(options.now)}`,
      'Give a function returning epoch milliseconds, or leave it out (tests only).',
    );
  }
  return {
    url,
    token,
    secret,
    keywords: [...keywords],
    keywordPlacement: placement,
    insertMentions: mentions,
    timeoutMs,
    fetch: options.fetch ?? defaultFetch,
    retry: resolveRetry(options.retry),
    userAgent: options.userAgent ?? userAgent,
    now: options.now ?? Date.now,
  };
}

const RETRY_FIELDS = ['retries', 'minDelayMs', 'maxDelayMs', 'factor', 'jitter'] as const;

/** `'default'`, `3`, `false`, `{ retries: 5 }`: the policy they mean. */
export function resolveRetry(retry: unknown): RetryPolicy {
  const fallback = RETRY_POLICIES[defaults.retry];
  const names = Object.keys(RETRY_POLICIES)
    .map((n) => `'${n}'`)
    .join(', ');
  const fix = `Use ${names}, a number of retries (e.g. 3), false (never retry), or { retries, minDelayMs, maxDelayMs, factor, jitter }.`;
  if (retry === undefined) return fallback;
  if (retry === false) return RETRY_POLICIES.none;
  if (typeof retry === 'number') {
    if (!Number.isInteger(retry) || retry < 0) throw new OptionsError('retry', `is ${shown(retry)}`, fix);
    return retry === 0 ? RETRY_POLICIES.none : { ...fallback, retries: retry };
  }
  if (typeof retry === 'string') {
    if (Object.hasOwn(RETRY_POLICIES, retry)) return RETRY_POLICIES[retry as keyof typeof RETRY_POLICIES];
    throw new OptionsError('retry', `names no policy: ${shown(retry)}`, fix);
  }
  if (!isPlainObject(retry)) throw new OptionsError('retry', `is ${shown(retry)}`, fix);
  rejectUnknownOptions(retry, RETRY_FIELDS, 'retry.', {
    delay: 'minDelayMs',
    maxDelay: 'maxDelayMs',
    max: 'retries',
  });
  const given = Object.fromEntries(Object.entries(retry).filter(([, v]) => v !== undefined));
  const policy: RetryPolicy = { ...fallback, ...(given as Partial<RetryPolicy>) };
  for (const field of ['retries', 'minDelayMs', 'maxDelayMs', 'factor'] as const) {
    const value = policy[field];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new OptionsError(
        `retry.${field}`,
        `is ${shown(value)}`,
        'Give a number of 0 or more, or leave it out for the default.',
      );
    }
  }
  if (!Number.isInteger(policy.retries)) {
    throw new OptionsError(
      'retry.retries',
      `is ${policy.retries}`,
      'Give a whole number of retries, e.g. 3.',
    );
  }
  if (typeof policy.jitter !== 'boolean') {
    throw new OptionsError('retry.jitter', `is ${shown(policy.jitter)}`, 'Use true or false.');
  }
  return policy;
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
    // A callback's sessionWebhook (`/robot/sendBySession?session=…`) carries its credential as `session`.
    const token =
      parsed.searchParams.get('access_token') ??
      (/\/robot\/sendBySession\/?$/.test(parsed.pathname) ? parsed.searchParams.get('session') : null);
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
  // Access tokens are hex; signing secrets start with SEC. The classic mix-up sends unsigned with a secret as token.
  if (token.startsWith('SEC')) {
    throw new OptionsError(
      option,
      option === 'webhook'
        ? 'carries the SEC… signing secret as its access_token'
        : 'is the SEC… signing secret, not the access token',
      'Pass the SEC… string as `secret`, and the token from the webhook URL (after access_token=) as `accessToken`, or the whole URL as `webhook`.',
      secrets,
    );
  }
  if (/\s/.test(token)) {
    throw new OptionsError(
      option,
      'has white space in the access token',
      'Copy the token again without spaces or line breaks.',
      secrets,
    );
  }
}
