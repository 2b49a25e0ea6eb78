import { type Acquired, type LimiterStore, MemoryStore } from '@dingbot/sdk';
import { Redis, type RedisOptions } from 'ioredis';
import { ACQUIRE, ADOPT, PENALIZE, SETTLE } from './scripts.js';

/** Options of {@link RedisStore}. */
export interface RedisStoreOptions {
  /**
   * The Redis to use: an ioredis client (you close it), a URL or ioredis options (the store creates a
   * client tuned to fail fast, and `close()` closes it).
   * @default 'redis://127.0.0.1:6379'
   * @example new Redis(process.env.REDIS_URL)
   */
  redis?: Redis | string | RedisOptions;
  /**
   * Prefix of every key. Each robot uses `<prefix>{<robot key>}:w`, `:p` and `:n` (one hash slot in a cluster).
   * @default 'dingbot:'
   */
  prefix?: string;
  /**
   * How long a Redis call may take before the store falls back to this process's own limiter.
   * @default 500
   */
  timeoutMs?: number;
  /**
   * After falling back, how long the store keeps to its local limiter before it tries Redis again. A
   * Redis answering at the edge of `timeoutMs` would otherwise make the store flip between Redis and
   * the fallback many times in one burst; with a hold it flips at most once per `fallbackHoldMs`.
   * @default 5000
   * @example 30000
   */
  fallbackHoldMs?: number;
  /**
   * The clock of the fallback hold and of the sends counted during an outage (tests only; the shared
   * window itself runs on Redis's clock).
   * @default Date.now
   * @example () => fakeNow
   */
  now?: () => number;
  /**
   * The limiter used while Redis is unreachable.
   * @default a new MemoryStore
   */
  fallback?: LimiterStore;
  /**
   * Told when Redis cannot be used and the store falls back to the local limiter, with a
   * {@link RedisStoreError} saying why: unreachable, too slow, or refusing the credentials
   * (`WRONGPASS`/`NOAUTH`; the password itself is never in it).
   * @default a console.warn, once per outage
   */
  onFallback?: (error: unknown) => void;
  /**
   * Told when Redis answers again after an outage.
   * @default a console.warn
   */
  onRecover?: () => void;
}

const FALLBACK_TICKET = 'local:';

/** Why the store could not use Redis, in words fit for a log: never a password. */
export class RedisStoreError extends Error {
  override name = 'RedisStoreError';
  /**
   * `AUTH`: Redis refused the credentials (WRONGPASS, NOAUTH); `UNREACHABLE`: no connection;
   * `TIMEOUT`: connected, but no answer within `timeoutMs`.
   */
  readonly code: 'AUTH' | 'UNREACHABLE' | 'TIMEOUT';
  /**
   * @example new RedisStoreError('TIMEOUT', 'Redis did not answer within 500 ms')
   */
  constructor(code: 'AUTH' | 'UNREACHABLE' | 'TIMEOUT', message: string) {
    super(message);
    this.code = code;
  }
}

/** Redis's answers to a wrong or missing password (and older servers' wording). */
const AUTH_ERROR = /\b(WRONGPASS|NOAUTH)\b|invalid (username-)?password|AUTH <password> called without/i;

type Reply = [number, number, number | string];

/**
 * A `LimiterStore` in Redis, so that every process and machine posting through the same robot shares
 * its window and its penalty: together they never exceed the limit, and all of them pause when one is
 * throttled. Each operation is one Lua script on Redis's clock. If Redis is unreachable the store falls
 * back to a local limiter (and says so) until Redis answers again.
 * @example
 * import { Robot } from '@dingbot/sdk';
 * import { RedisStore } from '@dingbot/redis';
 * const robot = new Robot({ webhook, store: new RedisStore({ redis: process.env.REDIS_URL }) });
 */
export class RedisStore implements LimiterStore {
  readonly #redis: Redis;
  readonly #owned: boolean;
  readonly #prefix: string;
  readonly #timeoutMs: number;
  readonly #fallback: LimiterStore;
  readonly #onFallback: (error: unknown) => void;
  readonly #onRecover: () => void;
  readonly #holdMs: number;
  readonly #now: () => number;
  /** Texts that must never reach a message: the password given in the URL or the options. */
  readonly #secrets: string[];
  /** The client's latest error: the real cause when it never gets ready (a refused password, say). */
  #lastError: unknown;
  #down = false;
  /** While down, Redis is not tried again before this time (the fallback hold). */
  #retryAt = 0;
  /** Per key, the sends made through the fallback (when they ended), to count in Redis once it is back. */
  readonly #offline = new Map<string, { windowMs: number; times: number[] }>();

  constructor(options: RedisStoreOptions = {}) {
    // Checked before any connection is made, so a wrong option leaves nothing open.
    const hold = options.fallbackHoldMs ?? 5000;
    if (typeof hold !== 'number' || !Number.isFinite(hold) || hold < 0) {
      throw new TypeError(
        `@dingbot/redis: fallbackHoldMs is ${String(hold)}; give a number of milliseconds ≥ 0, e.g. 5000.`,
      );
    }
    ({ redis: this.#redis, owned: this.#owned } = connect(options.redis));
    this.#redis.on('error', (error: unknown) => {
      this.#lastError = error;
    });
    this.#redis.on('ready', () => {
      this.#lastError = undefined;
    });
    this.#secrets = [this.#redis.options.password, passwordOf(options.redis)].filter(
      (secret): secret is string => typeof secret === 'string' && secret.length > 0,
    );
    this.#holdMs = hold;
    this.#now = options.now ?? Date.now;
    this.#prefix = options.prefix ?? 'dingbot:';
    this.#timeoutMs = options.timeoutMs ?? 500;
    this.#fallback = options.fallback ?? new MemoryStore();
    this.#onFallback =
      options.onFallback ??
      ((error) =>
        console.warn(
          `@dingbot/redis: ${error instanceof Error ? error.message : String(error)}; ` +
            "falling back to this process's own rate limiter: processes sharing the robot may exceed its limit until Redis is back.",
        ));
    this.#onRecover =
      options.onRecover ??
      (() => console.warn('@dingbot/redis: Redis is back; the rate limit is shared again.'));
    for (const [name, lua] of [
      ['dingbotAcquire', ACQUIRE],
      ['dingbotSettle', SETTLE],
      ['dingbotPenalize', PENALIZE],
      ['dingbotAdopt', ADOPT],
    ] as const) {
      this.#redis.defineCommand(name, { numberOfKeys: 3, lua });
    }
  }

  /** Whether the store is using its local fallback right now. */
  get degraded(): boolean {
    return this.#down;
  }

  #keys(key: string): [string, string, string] {
    const base = `${this.#prefix}{${key}}`;
    return [`${base}:w`, `${base}:p`, `${base}:n`];
  }

  /** Resolves when the client is ready; waits up to the timeout while connecting, not during a known outage. */
  #ready(): Promise<void> {
    const redis = this.#redis;
    if (redis.status === 'ready') return Promise.resolve();
    if (this.#down || redis.status === 'end') return Promise.reject(this.#notReady());
    if (isAuthError(this.#lastError)) return Promise.reject(this.#notReady());
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        redis.off('ready', onReady);
        redis.off('error', onError);
      };
      const onReady = () => {
        done();
        resolve();
      };
      // A refused password will not heal by waiting: say so at once.
      const onError = (error: unknown) => {
        if (!isAuthError(error)) return;
        done();
        reject(this.#notReady());
      };
      const timer = setTimeout(() => {
        done();
        reject(this.#notReady());
      }, this.#timeoutMs);
      redis.on('ready', onReady);
      redis.on('error', onError);
    });
  }

  /** Why the client is not ready: the credentials Redis refused, or the connection's last error. */
  #notReady(): RedisStoreError {
    const last = this.#lastError;
    const said = last instanceof Error ? last.message : last === undefined ? undefined : String(last);
    if (said !== undefined && isAuthError(last)) {
      return new RedisStoreError(
        'AUTH',
        this.#scrub(
          `Redis refused the credentials (${said.trim()}): check the password (and user) in the Redis URL or options`,
        ),
      );
    }
    const detail = said === undefined ? this.#redis.status : `${this.#redis.status}: ${said}`;
    return new RedisStoreError(
      'UNREACHABLE',
      this.#scrub(`Redis is unreachable (not connected within ${this.#timeoutMs} ms; ${detail})`),
    );
  }

  #scrub(text: string): string {
    let out = text;
    for (const secret of this.#secrets) out = out.split(secret).join('[REDACTED]');
    return out;
  }

  /**
   * Runs one script. While the store is down it is not tried before the hold ends (unless `always`,
   * for a penalty, which is worth sharing whenever Redis takes it); after that, one success recovers
   * and one failure holds again.
   */
  async #call<T>(name: string, key: string, args: readonly (string | number)[], always = false): Promise<T> {
    const holding = this.#down && this.#now() < this.#retryAt;
    if (holding && !always) throw new RedisStoreError('UNREACHABLE', 'Redis is on hold after a failure');
    const command = (this.#redis as unknown as Record<string, (...a: unknown[]) => Promise<T>>)[name]!;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      if (holding && this.#redis.status !== 'ready') throw this.#notReady();
      if (!holding) await this.#ready();
      const result = await Promise.race([
        command.call(this.#redis, ...this.#keys(key), ...args),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new RedisStoreError('TIMEOUT', `Redis did not answer within ${this.#timeoutMs} ms`)),
            this.#timeoutMs,
          );
        }),
      ]);
      if (this.#down && !holding) {
        this.#down = false;
        this.#onRecover();
      }
      return result;
    } catch (error) {
      if (holding) throw error;
      this.#retryAt = this.#now() + this.#holdMs;
      if (!this.#down) {
        this.#down = true;
        this.#onFallback(
          error instanceof RedisStoreError
            ? error
            : new RedisStoreError('UNREACHABLE', this.#scrub(describe(error))),
        );
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  async acquire(key: string, limit: number, windowMs: number): Promise<Acquired> {
    let reply: Reply;
    try {
      await this.#adopt(key);
      reply = await this.#call<Reply>('dingbotAcquire', key, [limit, windowMs]);
    } catch {
      const local = await this.#fallback.acquire(key, limit, windowMs);
      if (!local.ok) return local;
      const offline = this.#offline.get(key) ?? { windowMs, times: [] };
      offline.windowMs = windowMs;
      this.#offline.set(key, offline);
      return { ...local, ticket: FALLBACK_TICKET + local.ticket };
    }
    const [ok, value, extra] = reply;
    if (ok === 1) return { ok: true, remaining: Number(value), ticket: String(extra) };
    return { ok: false, retryInMs: Number(value), reason: Number(extra) === 1 ? 'penalty' : 'rate' };
  }

  /**
   * Back from an outage: the sends made meanwhile go into the shared window first, or Redis would let
   * the robot send a full window more on top of them (and DingTalk would throttle it).
   */
  async #adopt(key: string): Promise<void> {
    const offline = this.#offline.get(key);
    if (!offline) return;
    const now = this.#now();
    const ages = offline.times.map((t) => now - t).filter((age) => age < offline.windowMs);
    if (ages.length) await this.#call('dingbotAdopt', key, [offline.windowMs, ...ages]);
    this.#offline.delete(key);
  }

  async settle(key: string, ticket: string): Promise<void> {
    if (ticket.startsWith(FALLBACK_TICKET)) {
      const offline = this.#offline.get(key);
      if (offline) {
        const now = this.#now();
        offline.times = offline.times.filter((t) => t > now - offline.windowMs);
        offline.times.push(now);
      }
      return this.#fallback.settle(key, ticket.slice(FALLBACK_TICKET.length));
    }
    await this.#call('dingbotSettle', key, [ticket]).catch(() => {});
  }

  async penalize(key: string, ms: number): Promise<void> {
    // The local copy keeps this process paused even if Redis goes away during the penalty.
    await this.#fallback.penalize(key, ms);
    await this.#call('dingbotPenalize', key, [Math.max(1, Math.ceil(ms))], true).catch(() => {});
  }

  async penaltyRemaining(key: string): Promise<number> {
    const local = await this.#fallback.penaltyRemaining(key);
    try {
      const [, penalty] = this.#keys(key);
      await this.#ready();
      const pttl = await Promise.race([
        this.#redis.pttl(penalty),
        new Promise<number>((resolve) => setTimeout(() => resolve(-2), this.#timeoutMs).unref()),
      ]);
      return Math.max(local, pttl > 0 ? pttl : 0);
    } catch {
      return local;
    }
  }

  /** Closes the Redis connection if the store created it. */
  async close(): Promise<void> {
    if (this.#owned) await this.#redis.quit().catch(() => this.#redis.disconnect());
  }
}

/** The password in a `redis://user:password@host` URL or in ioredis options, to keep out of messages. */
function passwordOf(given: RedisStoreOptions['redis']): string | undefined {
  if (typeof given === 'string') {
    try {
      const password = new URL(given).password;
      return password ? decodeURIComponent(password) : undefined;
    } catch {
      return undefined;
    }
  }
  return given instanceof Redis ? undefined : given?.password;
}

function isAuthError(error: unknown): boolean {
  return error !== undefined && AUTH_ERROR.test(error instanceof Error ? error.message : String(error));
}

function describe(error: unknown): string {
  return `Redis failed (${error instanceof Error ? error.message : String(error)})`;
}

/**
 * The client for a `redis` option: the caller's own (`owned: false`, never closed here), or a new
 * one from a URL or options, tuned to fail fast when Redis is away (no offline queue, one try per
 * command), whose errors are reported through the store's `onFallback` instead of logged.
 */
export function connect(given: Redis | string | RedisOptions | undefined): { redis: Redis; owned: boolean } {
  if (given instanceof Redis) return { redis: given, owned: false };
  const tuned: RedisOptions = { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000 };
  const redis =
    typeof given === 'string' ? new Redis(given, tuned) : new Redis({ ...tuned, ...(given ?? {}) });
  redis.on('error', () => {});
  return { redis, owned: true };
}
