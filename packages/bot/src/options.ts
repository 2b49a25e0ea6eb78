import {
  type DeliveryOptions,
  didYouMean,
  type FetchLike,
  OptionsError,
  type TransportOptions,
} from '@dingbot/sdk';
import type { DedupeStore } from './dedupe.js';
import { type CardOptions, cardDefaults, type ResolvedCardOptions } from './stream-card.js';

/** Timers the Stream client uses for reconnect delays: inject fakes to run them by hand in tests. */
export interface BotTimers {
  /** Like the global `setTimeout`. */
  setTimeout(callback: () => void, ms: number): unknown;
  /** Like the global `clearTimeout`. */
  clearTimeout(handle: unknown): void;
}

/** How the Stream client waits between failed connection attempts. */
export interface ReconnectPolicy {
  /**
   * The delay after the first failure; it doubles with each failure in a row.
   * @default 1000
   */
  minDelayMs?: number;
  /**
   * The longest delay.
   * @default 30000
   */
  maxDelayMs?: number;
}

/** Where the bot logs what happens outside a handler (a frame it could not read, a lost connection). */
export interface BotLogger {
  /** Something went wrong and was dealt with. */
  warn(message: string): void;
  /** A handler's error with no `bot.catch()`. */
  error(message: string, error: unknown): void;
}

/** Everything `new Bot()` accepts. */
export interface BotOptions {
  /**
   * The app's AppKey (Client ID), from the developer console.
   * @example process.env.DINGTALK_CLIENT_ID
   */
  clientId: string;
  /**
   * The app's AppSecret (Client Secret). Never logged nor shown in errors.
   * @example process.env.DINGTALK_CLIENT_SECRET
   */
  clientSecret: string;
  /**
   * The robot's robotCode (for OpenAPI sends; the same as `clientId` for most apps).
   * @default clientId
   */
  robotCode?: string;
  /**
   * DingTalk's OpenAPI host: point it at the emulator in tests.
   * @default 'https://api.dingtalk.com'
   * @example emulator.url
   */
  baseUrl?: string;
  /**
   * The Stream gateway's "open connection" URL.
   * @default `${baseUrl}/v1.0/gateway/connections/open`
   */
  gatewayUrl?: string;
  /**
   * Remembers the msgIds already handled (duplicates are dropped); share one across replicas.
   * @default new MemoryDedupeStore()
   */
  dedupe?: DedupeStore;
  /**
   * How long a msgId is remembered. DingTalk pushes an unacked message again after about 60 s.
   * @default 600000 (10 minutes)
   */
  dedupeTtlMs?: number;
  /**
   * Delays between reconnect attempts (doubling, with jitter, reset once a connection opens).
   * @default { minDelayMs: 1000, maxDelayMs: 30000 }
   */
  reconnect?: ReconnectPolicy;
  /**
   * A connection on which nothing arrives for this long (not even a ping) is replaced, the new one
   * opened before the old one is closed; `0` turns the watchdog off.
   * @default 90000
   */
  idleTimeoutMs?: number;
  /**
   * Transport and delivery options of the SDK `Robot` each reply is sent with, and of the OpenAPI calls
   * (`bot.send()`, the reply fallback, AI cards: `fetch`, `timeoutMs`, `retry`, `userAgent`, and the
   * delivery engine's `rateLimit`, `penaltyMs`, `split`, …).
   * @default {} (the SDK's defaults)
   * @example { timeoutMs: 5000, retry: 'fast' }
   */
  replyOptions?: TransportOptions & DeliveryOptions;
  /**
   * The `fetch` used to open Stream connections.
   * @default globalThis.fetch
   */
  fetch?: FetchLike;
  /**
   * Timers for reconnect delays (tests only).
   * @default the global timers
   */
  timers?: BotTimers;
  /**
   * A number in [0, 1) for the reconnect jitter (tests only).
   * @default Math.random
   */
  random?: () => number;
  /**
   * Where problems outside a handler are logged.
   * @default console
   */
  logger?: BotLogger;
  /**
   * The `ua` the Stream gateway is told.
   * @default 'dingbot-bot/<version>'
   */
  ua?: string;
  /**
   * The clock that decides whether a sessionWebhook is still valid and when the access token is
   * refreshed (tests move it by hand).
   * @default Date.now
   */
  now?: () => number;
  /**
   * The AI card `ctx.stream()` streams into: template, variable, least time between updates.
   * @default { templateId: '382e4302-551d-4880-bf29-a30acfab2e71.schema', contentKey: 'msgContent', minIntervalMs: 500 }
   */
  card?: CardOptions;
}

/** Every default of `@dingbot/bot`, in one place. */
export const botDefaults = {
  baseUrl: 'https://api.dingtalk.com',
  gatewayPath: '/v1.0/gateway/connections/open',
  robotTopic: '/v1.0/im/bot/messages/get',
  dedupeTtlMs: 10 * 60_000,
  reconnect: { minDelayMs: 1_000, maxDelayMs: 30_000 },
  /** DingTalk pings about every 30 s: three missed in a row mean a dead connection. */
  idleTimeoutMs: 90_000,
  /** How long `stop()` waits for a socket's closing handshake before cutting it. */
  closeTimeoutMs: 3_000,
  ua: 'dingbot-bot/0.1.0',
} as const;

const OPTION_NAMES: readonly (keyof BotOptions)[] = [
  'clientId',
  'clientSecret',
  'robotCode',
  'baseUrl',
  'gatewayUrl',
  'dedupe',
  'dedupeTtlMs',
  'reconnect',
  'idleTimeoutMs',
  'replyOptions',
  'fetch',
  'timers',
  'random',
  'logger',
  'ua',
  'now',
  'card',
];

/** Names from DingTalk's docs and other SDKs, and the option they mean. */
const ALIASES: Readonly<Record<string, string>> = {
  appKey: 'clientId',
  appkey: 'clientId',
  appSecret: 'clientSecret',
  appsecret: 'clientSecret',
  secret: 'clientSecret',
  robot_code: 'robotCode',
  apiUrl: 'baseUrl',
  endpoint: 'gatewayUrl',
};

/** Options checked and filled in. */
export interface ResolvedBotOptions {
  clientId: string;
  clientSecret: string;
  robotCode: string;
  baseUrl: string;
  gatewayUrl: string;
  dedupeTtlMs: number;
  reconnect: Required<ReconnectPolicy>;
  idleTimeoutMs: number;
  replyOptions: TransportOptions & DeliveryOptions;
  fetch: FetchLike | undefined;
  timers: BotTimers;
  random: () => number;
  logger: BotLogger;
  ua: string;
  now: () => number;
  card: ResolvedCardOptions;
}

const globalTimers: BotTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

function url(option: string, value: unknown, secrets: string[]): string {
  if (typeof value !== 'string') {
    throw new OptionsError(option, `is ${typeof value}, not a string`, 'Give an http(s) URL.', secrets);
  }
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new OptionsError(
      option,
      'is not a URL',
      'Give an http(s) URL, e.g. http://127.0.0.1:8787.',
      secrets,
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new OptionsError(option, `uses ${parsed.protocol}//`, 'Use http:// or https://.', secrets);
  }
  return value.replace(/\/+$/, '');
}

function positive(option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new OptionsError(option, `is ${String(value)}`, 'Give a positive number of milliseconds.');
  }
  return value;
}

function fn<T>(option: string, value: unknown, fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'function') throw new OptionsError(option, 'is not a function', 'Pass a function.');
  return value as T;
}

/** Checks the options at once and explains the first wrong one; an unknown name gets the one meant. */
export function resolveBotOptions(options: BotOptions): ResolvedBotOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new OptionsError('options', 'are missing', 'Pass { clientId, clientSecret }.');
  }
  const given = options as unknown as Record<string, unknown>;
  const secret = typeof given['clientSecret'] === 'string' ? [given['clientSecret']] : [];
  for (const key of Object.keys(given)) {
    if (!(OPTION_NAMES as readonly string[]).includes(key)) {
      throw new OptionsError(key, 'is not an option', didYouMean(key, OPTION_NAMES, ALIASES), secret);
    }
  }
  for (const name of ['clientId', 'clientSecret'] as const) {
    const value = given[name];
    if (typeof value !== 'string' || value.trim() === '') {
      throw new OptionsError(
        name,
        value === undefined ? 'is missing' : 'is not a non-empty string',
        `Copy the app's ${name === 'clientId' ? 'AppKey (Client ID)' : 'AppSecret (Client Secret)'} from the DingTalk developer console.`,
        secret,
      );
    }
  }
  if (
    options.robotCode !== undefined &&
    (typeof options.robotCode !== 'string' || options.robotCode === '')
  ) {
    throw new OptionsError(
      'robotCode',
      'is not a non-empty string',
      'Give the robotCode, or leave it out.',
      secret,
    );
  }
  const baseUrl = url('baseUrl', options.baseUrl ?? botDefaults.baseUrl, secret);
  const gatewayUrl = url('gatewayUrl', options.gatewayUrl ?? `${baseUrl}${botDefaults.gatewayPath}`, secret);
  if (options.dedupe !== undefined && typeof options.dedupe?.claim !== 'function') {
    throw new OptionsError(
      'dedupe',
      'has no claim() method',
      'Pass a DedupeStore, e.g. new MemoryDedupeStore().',
    );
  }
  const reconnect = options.reconnect ?? {};
  if (typeof reconnect !== 'object' || reconnect === null) {
    throw new OptionsError(
      'reconnect',
      'is not an object',
      'Pass { minDelayMs, maxDelayMs } or leave it out.',
    );
  }
  for (const key of Object.keys(reconnect)) {
    if (key !== 'minDelayMs' && key !== 'maxDelayMs') {
      throw new OptionsError(
        `reconnect.${key}`,
        'is not an option',
        didYouMean(key, ['minDelayMs', 'maxDelayMs'], { delay: 'minDelayMs', maxDelay: 'maxDelayMs' }),
      );
    }
  }
  const minDelayMs = positive('reconnect.minDelayMs', reconnect.minDelayMs, botDefaults.reconnect.minDelayMs);
  const maxDelayMs = positive(
    'reconnect.maxDelayMs',
    reconnect.maxDelayMs,
    Math.max(minDelayMs, botDefaults.reconnect.maxDelayMs),
  );
  if (maxDelayMs < minDelayMs) {
    throw new OptionsError(
      'reconnect.maxDelayMs',
      `is less than minDelayMs (${minDelayMs})`,
      'Make it larger.',
    );
  }
  const timers = options.timers ?? globalTimers;
  if (typeof timers.setTimeout !== 'function' || typeof timers.clearTimeout !== 'function') {
    throw new OptionsError(
      'timers',
      'lacks setTimeout or clearTimeout',
      'Pass { setTimeout, clearTimeout }.',
    );
  }
  const logger = options.logger ?? console;
  if (typeof logger.warn !== 'function' || typeof logger.error !== 'function') {
    throw new OptionsError('logger', 'lacks warn or error', 'Pass { warn, error }, e.g. console.');
  }
  if (options.ua !== undefined && (typeof options.ua !== 'string' || options.ua.trim() === '')) {
    throw new OptionsError('ua', 'is not a non-empty string', 'Give e.g. "deploy-bot/1.0", or leave it out.');
  }
  const card = resolveCard(options.card);
  const replyOptions = options.replyOptions ?? {};
  if (typeof replyOptions !== 'object' || replyOptions === null) {
    throw new OptionsError('replyOptions', 'is not an object', 'Pass the SDK Robot options replies use.');
  }
  return {
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    robotCode: options.robotCode ?? options.clientId,
    baseUrl,
    gatewayUrl,
    dedupeTtlMs: positive('dedupeTtlMs', options.dedupeTtlMs, botDefaults.dedupeTtlMs),
    reconnect: { minDelayMs, maxDelayMs },
    idleTimeoutMs:
      options.idleTimeoutMs === 0
        ? 0
        : positive('idleTimeoutMs', options.idleTimeoutMs, botDefaults.idleTimeoutMs),
    replyOptions,
    fetch: fn<FetchLike | undefined>('fetch', options.fetch, undefined),
    timers,
    random: fn('random', options.random, Math.random),
    logger,
    ua: options.ua ?? botDefaults.ua,
    now: fn('now', options.now, Date.now),
    card,
  };
}

function resolveCard(card: unknown): ResolvedCardOptions {
  if (card === undefined) return cardDefaults;
  if (typeof card !== 'object' || card === null || Array.isArray(card)) {
    throw new OptionsError(
      'card',
      'is not an object',
      'Pass { templateId, contentKey, minIntervalMs } or leave it out.',
    );
  }
  const given = card as Record<string, unknown>;
  const names = ['templateId', 'contentKey', 'minIntervalMs'];
  for (const key of Object.keys(given)) {
    if (!names.includes(key)) {
      throw new OptionsError(
        `card.${key}`,
        'is not an option',
        didYouMean(key, names, {
          cardTemplateId: 'templateId',
          key: 'contentKey',
          interval: 'minIntervalMs',
        }),
      );
    }
  }
  for (const key of ['templateId', 'contentKey'] as const) {
    const value = given[key];
    if (value !== undefined && (typeof value !== 'string' || value.trim() === '')) {
      throw new OptionsError(
        `card.${key}`,
        'is not a non-empty string',
        'Give the value from the card platform, or leave it out.',
      );
    }
  }
  const interval = given['minIntervalMs'];
  if (
    interval !== undefined &&
    (typeof interval !== 'number' || !Number.isFinite(interval) || interval < 0)
  ) {
    throw new OptionsError(
      'card.minIntervalMs',
      `is ${String(interval)}`,
      'Give a number of milliseconds, 0 or more.',
    );
  }
  return {
    templateId: (given['templateId'] as string | undefined) ?? cardDefaults.templateId,
    contentKey: (given['contentKey'] as string | undefined) ?? cardDefaults.contentKey,
    minIntervalMs: (interval as number | undefined) ?? cardDefaults.minIntervalMs,
  };
}

/** The delay before reconnect attempt `failures` (0 = after the first failure): doubling, capped, jittered to 50–100 %. */
export function reconnectDelay(
  policy: Required<ReconnectPolicy>,
  failures: number,
  random: () => number,
): number {
  const full = Math.min(policy.maxDelayMs, policy.minDelayMs * 2 ** Math.min(failures, 30));
  return Math.round(full / 2 + (full / 2) * random());
}
