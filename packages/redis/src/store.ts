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
   * The limiter used while Redis is unreachable.
   * @default a new MemoryStore
   */
  fallback?: LimiterStore;
  /**
   * Told when Redis becomes unreachable and the store falls back to the local limiter.
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
  #down = false;
  /** Per key, the sends made through the fallback (when they ended), to count in Redis once it is back. */
  readonly #offline = new Map<string, { windowMs: number; times: number[] }>();

  constructor(options: RedisStoreOptions = {}) {
    const given = options.redis;
    if (given instanceof Redis) {
      this.#redis = given;
      this.#owned = false;
    } else {
      // Fail fast when Redis is away: no offline queue, one try per command; the fallback takes over.
      const tuned: RedisOptions = {
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        connectTimeout: 2000,
      };
      this.#redis =
        typeof given === 'string' ? new Redis(given, tuned) : new Redis({ ...tuned, ...(given ?? {}) });
      this.#redis.on('error', () => {}); // reported through onFallback instead
      this.#owned = true;
    }
    this.#prefix = options.prefix ?? 'dingbot:';
    this.#timeoutMs = options.timeoutMs ?? 500;
    this.#fallback = options.fallback ?? new MemoryStore();
    this.#onFallback =
      options.onFallback ??
      ((error) =>
        console.warn(
          `@dingbot/redis: Redis is unreachable (${error instanceof Error ? error.message : String(error)}); ` +
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
    if (this.#down || redis.status === 'end')
      return Promise.reject(new Error(`Redis connection is ${redis.status}`));
    return new Promise((resolve, reject) => {
      const onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        redis.off('ready', onReady);
        reject(new Error(`not connected within ${this.#timeoutMs} ms (${redis.status})`));
      }, this.#timeoutMs);
      redis.once('ready', onReady);
    });
  }

  async #call<T>(name: string, key: string, ...args: (string | number)[]): Promise<T> {
    const command = (this.#redis as unknown as Record<string, (...a: unknown[]) => Promise<T>>)[name]!;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await this.#ready();
      const result = await Promise.race([
        command.call(this.#redis, ...this.#keys(key), ...args),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer within ${this.#timeoutMs} ms`)),
            this.#timeoutMs,
          );
        }),
      ]);
      if (this.#down) {
        this.#down = false;
        this.#onRecover();
      }
      return result;
    } catch (error) {
      if (!this.#down) {
        this.#down = true;
        this.#onFallback(error);
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
      reply = await this.#call<Reply>('dingbotAcquire', key, limit, windowMs);
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
    const now = Date.now();
    const ages = offline.times.map((t) => now - t).filter((age) => age < offline.windowMs);
    if (ages.length) await this.#call('dingbotAdopt', key, offline.windowMs, ...ages);
    this.#offline.delete(key);
  }

  async settle(key: string, ticket: string): Promise<void> {
    if (ticket.startsWith(FALLBACK_TICKET)) {
      const offline = this.#offline.get(key);
      if (offline) {
        const now = Date.now();
        offline.times = offline.times.filter((t) => t > now - offline.windowMs);
        offline.times.push(now);
      }
      return this.#fallback.settle(key, ticket.slice(FALLBACK_TICKET.length));
    }
    await this.#call('dingbotSettle', key, ticket).catch(() => {});
  }

  async penalize(key: string, ms: number): Promise<void> {
    // The local copy keeps this process paused even if Redis goes away during the penalty.
    await this.#fallback.penalize(key, ms);
    await this.#call('dingbotPenalize', key, Math.max(1, Math.ceil(ms))).catch(() => {});
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
