import type { Redis, RedisOptions } from 'ioredis';
import { connect, RedisStoreError } from './store.js';

/** Options of {@link RedisDedupeStore}. */
export interface RedisDedupeStoreOptions {
  /**
   * The Redis to use: an ioredis client (you close it), a URL or ioredis options (the store creates a
   * client tuned to fail fast, and `close()` closes it).
   * @default 'redis://127.0.0.1:6379'
   * @example process.env.REDIS_URL
   */
  redis?: Redis | string | RedisOptions;
  /**
   * Prefix of every key (the bot's keys already name the app: `dingbot:bot:<clientId>:<msgId>`).
   * @default ''
   */
  prefix?: string;
  /**
   * How long a claim may wait for Redis before this replica decides alone.
   * @default 500
   */
  timeoutMs?: number;
  /**
   * Told, once per outage, when Redis cannot be used and claims are decided by this replica's own
   * memory (so duplicates across replicas may run twice until Redis is back), with a
   * {@link RedisStoreError} saying why (never the password).
   * @default a console.warn
   */
  onFallback?: (error: RedisStoreError) => void;
  /**
   * Told when Redis answers again after an outage.
   * @default a console.warn
   */
  onRecover?: () => void;
  /**
   * The clock of the local fallback's expiries (tests only).
   * @default Date.now
   */
  now?: () => number;
}

/** The most keys the local fallback keeps during an outage. */
const FALLBACK_MAX_KEYS = 10_000;

/**
 * The bot's `DedupeStore` in Redis, for a bot run as several replicas: DingTalk may push one message
 * to any of them (and again after 60 s), and `SET key 1 NX PX ttl` lets exactly one run its handlers.
 * If Redis is unreachable, each replica keeps deciding from its own memory (it still drops its own
 * duplicates) and says so once, until Redis answers again.
 * @example
 * import { Bot } from '@dingbot/bot';
 * import { RedisDedupeStore } from '@dingbot/redis';
 * const bot = new Bot({ clientId, clientSecret, dedupe: new RedisDedupeStore({ redis: process.env.REDIS_URL }) });
 */
export class RedisDedupeStore {
  readonly #redis: Redis;
  readonly #owned: boolean;
  readonly #prefix: string;
  readonly #timeoutMs: number;
  readonly #onFallback: (error: RedisStoreError) => void;
  readonly #onRecover: () => void;
  readonly #now: () => number;
  readonly #secrets: string[];
  readonly #local = new Map<string, number>();
  #down = false;

  constructor(options: RedisDedupeStoreOptions = {}) {
    const timeoutMs = options.timeoutMs ?? 500;
    if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw new TypeError(
        `@dingbot/redis: RedisDedupeStore({ timeoutMs }) is ${String(timeoutMs)}; give a positive number of milliseconds, e.g. 500.`,
      );
    }
    ({ redis: this.#redis, owned: this.#owned } = connect(options.redis));
    this.#secrets = [this.#redis.options.password].filter(
      (secret): secret is string => typeof secret === 'string' && secret.length > 0,
    );
    this.#prefix = options.prefix ?? '';
    this.#timeoutMs = timeoutMs;
    this.#now = options.now ?? Date.now;
    this.#onFallback =
      options.onFallback ??
      ((error) =>
        console.warn(
          `@dingbot/redis: ${error.message}; each replica now drops only its own duplicate messages until Redis is back.`,
        ));
    this.#onRecover =
      options.onRecover ??
      (() =>
        console.warn('@dingbot/redis: Redis is back; duplicate messages are dropped across replicas again.'));
  }

  /** Whether claims are decided locally right now (Redis unreachable). */
  get degraded(): boolean {
    return this.#down;
  }

  /**
   * Records `key` for `ttlMs` unless it is there: `true` when this call recorded it (run the
   * handlers), `false` for a duplicate. One `SET key 1 NX PX ttlMs`.
   */
  async claim(key: string, ttlMs: number): Promise<boolean> {
    const full = this.#prefix + key;
    const ms = Math.max(1, Math.ceil(ttlMs));
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      if (this.#redis.status === 'wait') this.#redis.connect().catch(() => {});
      const reply = await Promise.race([
        this.#ready().then(() => this.#redis.set(full, '1', 'PX', ms, 'NX')),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new RedisStoreError('TIMEOUT', `Redis did not answer within ${this.#timeoutMs} ms`)),
            this.#timeoutMs,
          );
        }),
      ]);
      if (this.#down) {
        this.#down = false;
        this.#local.clear();
        this.#onRecover();
      }
      return reply === 'OK';
    } catch (error) {
      if (!this.#down) {
        this.#down = true;
        this.#onFallback(
          error instanceof RedisStoreError
            ? error
            : new RedisStoreError('UNREACHABLE', this.#scrub(`Redis failed (${describe(error)})`)),
        );
      }
      return this.#claimLocally(full, ms);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Waits for the connection while it is being made; fails at once when it is known to be down. */
  #ready(): Promise<void> {
    const redis = this.#redis;
    if (redis.status === 'ready') return Promise.resolve();
    if (this.#down || redis.status === 'end' || redis.status === 'close' || redis.status === 'reconnecting') {
      return Promise.reject(
        new RedisStoreError('UNREACHABLE', this.#scrub(`Redis is unreachable (${redis.status})`)),
      );
    }
    return new Promise((resolve, reject) => {
      const onReady = () => {
        redis.off('error', onError);
        resolve();
      };
      const onError = (error: unknown) => {
        redis.off('ready', onReady);
        reject(new RedisStoreError('UNREACHABLE', this.#scrub(`Redis is unreachable (${describe(error)})`)));
      };
      redis.once('ready', onReady);
      redis.once('error', onError);
    });
  }

  #claimLocally(key: string, ttlMs: number): boolean {
    const now = this.#now();
    for (const [old, expires] of this.#local) {
      if (expires > now && this.#local.size < FALLBACK_MAX_KEYS) break;
      this.#local.delete(old);
    }
    const expires = this.#local.get(key);
    if (expires !== undefined && expires > now) return false;
    this.#local.delete(key);
    this.#local.set(key, now + ttlMs);
    return true;
  }

  #scrub(text: string): string {
    let out = text;
    for (const secret of this.#secrets) out = out.split(secret).join('[REDACTED]');
    return out;
  }

  /** Closes the Redis connection if the store created it. */
  async close(): Promise<void> {
    if (this.#owned) await this.#redis.quit().catch(() => this.#redis.disconnect());
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
