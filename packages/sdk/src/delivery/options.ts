import type { DigestOptions } from './digest.js';
import type { LimiterStore } from './limiter.js';
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
   */
  penaltyMs?: number;
  /**
   * What a penalty does to queued messages: `'wait'` keeps them and resumes by itself when it ends;
   * `'fail'` rejects them with the `RateLimitedError` at once (scripts and CLIs that must not hang
   * for 10 minutes), and keeps rejecting sends until the penalty is over.
   * @default 'wait'
   */
  penalty?: 'wait' | 'fail';
  /**
   * Merge queued messages into markdown summaries when more are waiting than the window lets through,
   * or `false` to send each alone, in turn.
   * @default true
   * @example { maxItems: 50, title: (n) => `[prod] ${n} alerts` }
   */
  digest?: boolean | DigestOptions;
  /**
   * Split text and markdown messages over the body limit into numbered parts, or `false` to refuse them.
   * @default true
   */
  split?: boolean | SplitOptions;
  /**
   * The most queue slots the robot holds (a digest made by `overflow: 'digest'` takes one slot).
   * @default 10000
   */
  maxQueue?: number;
  /**
   * When the queue is full: `'digest'` merges the queued messages into digests to make room (and
   * refuses only when nothing more can merge); `'reject'` refuses the new message with a `QueueFullError`.
   * @default 'digest'
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
   */
  keepAlive?: boolean;
}

/** The defaults of {@link DeliveryOptions}. */
export const deliveryDefaults = {
  rateLimit: { limit: 20, windowMs: 60_000 },
  penaltyMs: 600_000,
  penalty: 'wait',
  maxQueue: 10_000,
  overflow: 'digest',
  keepAlive: true,
} as const;
