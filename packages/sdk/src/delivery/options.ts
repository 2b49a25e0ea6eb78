import { defaults } from '../defaults.js';
import { isPlainObject, rejectUnknownOptions, shown } from '../errors/checks.js';
import { OptionsError } from '../errors/client.js';
import type { DigestOptions } from './digest.js';
import type { LimiterStore } from './limiter.js';
import { LOCALES, type Locale } from './locale.js';
import type { SplitOptions } from './split.js';

/** A sliding-window rate limit. */
export interface RateLimit {
  /**
   * Sends allowed per window.
   * @default 20
   */
  limit: number;
  /**
   * The window, in milliseconds.
   * @default 60000
   */
  windowMs: number;
}

/** What the robot does when its queue is full. */
export type OverflowPolicy = 'digest' | 'reject';

/** How a robot paces, merges and splits what it sends. All optional; the defaults follow DingTalk's limits. */
export interface DeliveryOptions {
  /**
   * The robot's rate limit, or `false` to send as fast as the caller asks (a penalty from DingTalk
   * still pauses the robot). DingTalk allows 20 messages a minute per robot.
   * @default { limit: 20, windowMs: 60000 }
   * @example { limit: 20, windowMs: 2000 } // against the emulator
   */
  rateLimit?: RateLimit | false;
  /**
   * How long the robot pauses after DingTalk answers 130101 / 410100 (throttled). The queue is kept.
   * @default 600000
   * @example 3000 // against the emulator
   */
  penaltyMs?: number;
  /**
   * What a penalty does to queued messages: `'wait'` keeps them and resumes by itself when it ends;
   * `'fail'` rejects them with the `RateLimitedError` at once (scripts and CLIs that must not hang
   * for 10 minutes), and keeps rejecting sends until the penalty is over.
   * @default 'wait'
   * @example 'fail'
   */
  penalty?: 'wait' | 'fail';
  /**
   * Merge queued messages into markdown summaries when more are waiting than the window lets through,
   * or `false` to send each alone, in turn.
   * @default true
   * @example { maxItems: 50, title: (n) => `[prod] ${n} alerts` }
   * @example { build: (messages) => markdown(`${messages.length} alerts`, summarise(messages)) }
   */
  digest?: boolean | DigestOptions;
  /**
   * Split text and markdown messages over the body limit into numbered parts, or `false` to refuse them.
   * `maxBytes` goes from 1024 to 20000 (DingTalk's limit, the default); `reserveBytes` (256) is kept
   * free in each part for the `msgUuid` and a keyword.
   * @default true
   * @example { maxBytes: 4000 } // shorter parts
   */
  split?: boolean | SplitOptions;
  /**
   * The most queue slots the robot holds (a digest made by `overflow: 'digest'` takes one slot).
   * @default 10000
   * @example 100_000
   */
  maxQueue?: number;
  /**
   * When the queue is full: `'digest'` merges the queued messages into digests to make room (and
   * refuses only when nothing more can merge); `'reject'` refuses the new message with a `QueueFullError`.
   * @default 'digest'
   * @example 'reject'
   */
  overflow?: OverflowPolicy;
  /**
   * Where the rate window and the penalty live. Robots with the same token share them in one process by
   * default; use `RedisStore` from `@dingbot/redis` to share them between processes.
   * @default a MemoryStore shared by the whole process
   * @example new RedisStore({ redis: new Redis(process.env.REDIS_URL) })
   */
  store?: LimiterStore;
  /**
   * Whether the robot's waiting timers keep the process alive while messages are queued. With `false`
   * the timers are `unref`'d (where the runtime has it), so a process may exit with messages still queued.
   * @default true
   * @example false
   */
  keepAlive?: boolean;
  /**
   * The language of what dingbot writes into messages: digest headings and titles ("12 messages" or
   * 「共 12 条消息」) and the labels of split parts ("(part 2/3)" or 「（第 2/3 段）」).
   * @default 'en'
   * @example 'zh-CN'
   */
  locale?: Locale;
}

/** The names of {@link DeliveryOptions}, for checks and for picking them out of a Robot's options. */
export const DELIVERY_OPTIONS = [
  'rateLimit',
  'penaltyMs',
  'penalty',
  'digest',
  'split',
  'maxQueue',
  'overflow',
  'store',
  'keepAlive',
  'locale',
] as const satisfies readonly (keyof DeliveryOptions)[];

/** {@link DeliveryOptions} checked and filled in. */
export interface ResolvedDelivery {
  rateLimit: RateLimit | false;
  penaltyMs: number;
  penalty: 'wait' | 'fail';
  digest: (DigestOptions & { maxBytes: number; reserveBytes: number }) | false;
  split: { maxBytes: number; reserveBytes: number } | false;
  maxQueue: number;
  overflow: OverflowPolicy;
  store: LimiterStore | undefined;
  keepAlive: boolean;
  locale: Locale;
}

/**
 * Checks every delivery option and fills in the defaults; throws an {@link OptionsError} naming the
 * first wrong option and the values it takes.
 * @param maxBytes DingTalk's body limit: the most a digest or part may be set to.
 */
export function resolveDelivery(
  options: DeliveryOptions,
  maxBytes: number = defaults.maxBodyBytes,
): ResolvedDelivery {
  return {
    rateLimit: resolveRateLimit(options.rateLimit),
    penaltyMs: duration(
      'penaltyMs',
      options.penaltyMs,
      defaults.penaltyMs,
      'the pause after a throttle, e.g. 600000',
    ),
    penalty: oneOf('penalty', options.penalty, ['wait', 'fail'], defaults.penalty),
    digest: resolveDigest(options.digest, maxBytes),
    split: resolveSplit(options.split, maxBytes),
    maxQueue: wholeNumber(
      'maxQueue',
      options.maxQueue,
      defaults.maxQueue,
      1,
      'a number of queue slots, e.g. 10000',
    ),
    overflow: oneOf('overflow', options.overflow, ['digest', 'reject'], defaults.overflow),
    store: resolveStore(options.store),
    keepAlive: flag('keepAlive', options.keepAlive, defaults.keepAlive),
    locale: oneOf('locale', options.locale, LOCALES, defaults.locale),
  };
}

/** `'wait'` is `'wait'`; `"explode"` gets "Use 'wait' (the default) or 'fail'". */
export function oneOf<T extends string>(
  option: string,
  value: unknown,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  const names = allowed.map((a) => `'${a}'${a === fallback ? ' (the default)' : ''}`);
  throw new OptionsError(
    option,
    `is ${shown(value)}`,
    `Use ${names.slice(0, -1).join(', ')}${names.length > 1 ? ' or ' : ''}${names.at(-1)}.`,
  );
}

/** A boolean option. */
export function flag(option: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value === 'boolean') return value;
  throw new OptionsError(option, `is ${shown(value)}`, `Use true or false (the default is ${fallback}).`);
}

/** A whole number of at least `min`. */
function wholeNumber(option: string, value: unknown, fallback: number, min: number, what: string): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && Number.isInteger(value) && value >= min) return value;
  throw new OptionsError(option, `is ${shown(value)}`, `Give a whole number of at least ${min}: ${what}.`);
}

/** A number of milliseconds, 0 or more. */
function duration(option: string, value: unknown, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  throw new OptionsError(option, `is ${shown(value)}`, `Give milliseconds, 0 or more: ${what}.`);
}

function resolveRateLimit(value: unknown): RateLimit | false {
  if (value === undefined) return { ...defaults.rateLimit };
  if (value === false) return false;
  const fix = 'Give { limit: 20, windowMs: 60000 } (DingTalk allows 20 sends a minute per robot), or false.';
  if (!isPlainObject(value)) throw new OptionsError('rateLimit', `is ${shown(value)}`, fix);
  rejectUnknownOptions(value, ['limit', 'windowMs'], 'rateLimit.', {
    max: 'limit',
    window: 'windowMs',
    per: 'windowMs',
  });
  const { limit, windowMs } = value;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1) {
    throw new OptionsError(
      'rateLimit.limit',
      `is ${shown(limit)}`,
      `Give a whole number of sends, at least 1. ${fix}`,
    );
  }
  if (typeof windowMs !== 'number' || !Number.isFinite(windowMs) || windowMs <= 0) {
    throw new OptionsError(
      'rateLimit.windowMs',
      `is ${shown(windowMs)}`,
      `Give the window in milliseconds, above 0. ${fix}`,
    );
  }
  return { limit, windowMs };
}

/** `maxBytes` and `reserveBytes` of a digest or split part. */
function resolveSizes(
  option: string,
  value: Record<string, unknown>,
  maxBytes: number,
): { maxBytes: number; reserveBytes: number } {
  const min = defaults.minPartBytes;
  const bytes = value.maxBytes ?? maxBytes;
  if (typeof bytes !== 'number' || !Number.isInteger(bytes) || bytes < min || bytes > maxBytes) {
    throw new OptionsError(
      `${option}.maxBytes`,
      `is ${shown(bytes)}`,
      `Give a whole number of bytes from ${min} to ${maxBytes} (the default: DingTalk's limit).`,
    );
  }
  const reserve = value.reserveBytes ?? defaults.reserveBytes;
  if (typeof reserve !== 'number' || !Number.isInteger(reserve) || reserve < 0 || reserve > bytes / 2) {
    throw new OptionsError(
      `${option}.reserveBytes`,
      `is ${shown(reserve)}`,
      `Give a whole number of bytes from 0 to half of maxBytes (${Math.floor(bytes / 2)}); the default is ${defaults.reserveBytes}.`,
    );
  }
  return { maxBytes: bytes, reserveBytes: reserve };
}

function resolveDigest(value: unknown, maxBytes: number): ResolvedDelivery['digest'] {
  if (value === false) return false;
  if (value === undefined || value === true) return { maxBytes, reserveBytes: defaults.reserveBytes };
  const fix = 'Use true (the default), false, or { maxItems, maxBytes, reserveBytes, title, build }.';
  if (!isPlainObject(value)) throw new OptionsError('digest', `is ${shown(value)}`, fix);
  rejectUnknownOptions(value, ['maxItems', 'maxBytes', 'reserveBytes', 'title', 'build'], 'digest.', {
    max: 'maxItems',
    limit: 'maxItems',
    builder: 'build',
    format: 'build',
    render: 'build',
  });
  const { maxItems, title, build } = value;
  if (
    maxItems !== undefined &&
    maxItems !== Number.POSITIVE_INFINITY &&
    (typeof maxItems !== 'number' || !Number.isInteger(maxItems) || maxItems < 2)
  ) {
    throw new OptionsError(
      'digest.maxItems',
      `is ${shown(maxItems)}`,
      'Give a whole number of 2 or more (a digest merges at least two messages), or leave it out: as many as fit.',
    );
  }
  if (title !== undefined && typeof title !== 'function') {
    throw new OptionsError(
      'digest.title',
      `is ${shown(title)}`,
      'Give a function (count, first) => string, such as one that returns "[prod] 12 alerts".',
    );
  }
  if (build !== undefined && typeof build !== 'function') {
    throw new OptionsError(
      'digest.build',
      `is ${shown(build)}`,
      'Give a function (messages, { items, maxBytes, locale }) => message that makes the one message a digest sends, or leave it out for the default list.',
    );
  }
  return {
    ...(maxItems === undefined ? {} : { maxItems: maxItems as number }),
    ...(title === undefined ? {} : { title: title as DigestOptions['title'] }),
    ...(build === undefined ? {} : { build: build as DigestOptions['build'] }),
    ...resolveSizes('digest', value, maxBytes),
  };
}

function resolveSplit(value: unknown, maxBytes: number): ResolvedDelivery['split'] {
  if (value === false) return false;
  if (value === undefined || value === true) return { maxBytes, reserveBytes: defaults.reserveBytes };
  if (!isPlainObject(value)) {
    throw new OptionsError(
      'split',
      `is ${shown(value)}`,
      'Use true (the default), false, or { maxBytes, reserveBytes }.',
    );
  }
  rejectUnknownOptions(value, ['maxBytes', 'reserveBytes'], 'split.');
  return resolveSizes('split', value, maxBytes);
}

const STORE_METHODS = ['acquire', 'settle', 'penalize', 'penaltyRemaining'] as const;

function resolveStore(value: unknown): LimiterStore | undefined {
  if (value === undefined) return undefined;
  const missing =
    isPlainObject(value) || (typeof value === 'object' && value !== null)
      ? STORE_METHODS.find((m) => typeof (value as Record<string, unknown>)[m] !== 'function')
      : 'acquire';
  if (missing !== undefined) {
    throw new OptionsError(
      'store',
      `is ${shown(value)} with no ${missing}() method`,
      'Give a LimiterStore: a MemoryStore, a RedisStore from @dingbot/redis, or an object with acquire, settle, penalize and penaltyRemaining.',
    );
  }
  return value as LimiterStore;
}
