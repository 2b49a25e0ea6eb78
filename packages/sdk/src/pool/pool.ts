import { defaults } from '../defaults.js';
import type { DeliveryStats, SendOptions } from '../delivery/engine.js';
import { oneOf } from '../delivery/options.js';
import { isDingbotError } from '../errors/base.js';
import { isPlainObject, rejectUnknownOptions, shown } from '../errors/checks.js';
import { OptionsError } from '../errors/client.js';
import { ERROR_CODES } from '../errors/codes.js';
import type { Message } from '../messages/types.js';
import type { Robot, SendResult } from '../robot/robot.js';

/** How a {@link RobotPool} picks the robot for a message. */
export type PoolStrategy = 'round-robin' | 'least-loaded';

/** Options of {@link RobotPool}. */
export interface RobotPoolOptions {
  /**
   * `'least-loaded'` picks the healthy robot with the fewest messages queued; `'round-robin'` takes
   * the healthy robots in turn.
   * @default 'least-loaded'
   */
  strategy?: PoolStrategy;
  /**
   * How long a robot that failed for a reason of its own (disabled, unknown token, bad signature,
   * network) is left out before it is tried again.
   * @default 60000
   */
  cooldownMs?: number;
  /**
   * Move the queued messages of a robot that gets throttled or fails to the others.
   * @default true
   */
  rebalance?: boolean;
}

/** What {@link RobotPool.send} resolves with: the robot's result and which robot delivered it. */
export type PoolSendResult = SendResult & {
  /** Index, in the pool's list, of the robot that delivered the message. */
  robot: number;
};

/**
 * Whether a failure belongs to the robot, so another robot may succeed (the `failsOver` trait), rather
 * than to the message or the caller.
 */
function robotsFault(error: unknown): boolean {
  return !isDingbotError(error) || ERROR_CODES[error.code]?.failsOver === true;
}

/**
 * Several robots in the same group used as one: sends are spread over them to lift the 20-a-minute
 * ceiling, and a robot that is throttled, disabled or failing is left out (its queued messages move to
 * the others) until it recovers.
 * @example
 * const pool = new RobotPool([new Robot({ webhook: A }), new Robot({ webhook: B })]);
 * await pool.send(text('deploy done')); // { delivered: 'alone', robot: 0, … }
 */
export class RobotPool {
  readonly #robots: readonly Robot[];
  readonly #strategy: PoolStrategy;
  readonly #cooldownMs: number;
  readonly #outUntil: number[];
  #next = 0;
  #closed = false;
  readonly #rebalancing: boolean;

  constructor(robots: readonly Robot[], options: RobotPoolOptions = {}) {
    if (!Array.isArray(robots) || robots.length === 0) {
      throw new OptionsError('robots', 'is empty', 'Give RobotPool at least one Robot.');
    }
    if (!isPlainObject(options)) {
      throw new OptionsError(
        'options',
        `are ${shown(options)}`,
        'Pass { strategy, cooldownMs, rebalance } or nothing.',
      );
    }
    rejectUnknownOptions(options, ['strategy', 'cooldownMs', 'rebalance']);
    const strategy = oneOf(
      'strategy',
      options.strategy,
      ['least-loaded', 'round-robin'],
      defaults.poolStrategy,
    );
    const cooldownMs = options.cooldownMs ?? defaults.poolCooldownMs;
    if (typeof cooldownMs !== 'number' || !Number.isFinite(cooldownMs) || cooldownMs < 0) {
      throw new OptionsError(
        'cooldownMs',
        `is ${shown(cooldownMs)}`,
        'Give milliseconds, 0 or more (the default is 60000).',
      );
    }
    if (options.rebalance !== undefined && typeof options.rebalance !== 'boolean') {
      throw new OptionsError(
        'rebalance',
        `is ${shown(options.rebalance)}`,
        'Use true (the default) or false.',
      );
    }
    this.#robots = [...robots];
    this.#strategy = strategy;
    this.#cooldownMs = cooldownMs;
    this.#outUntil = robots.map(() => 0);
    this.#rebalancing = options.rebalance !== false;
    if (this.#rebalancing) {
      this.#robots.forEach((robot, i) => {
        robot.on('throttled', () => this.#rebalance(i));
      });
    }
  }

  /** The robots, in the pool's order. */
  get robots(): readonly Robot[] {
    return this.#robots;
  }

  /** Indexes of robots that may take a message now: not paused, not cooling down. */
  #healthy(exclude: ReadonlySet<number>): number[] {
    const now = Date.now();
    return this.#robots
      .map((_, i) => i)
      .filter((i) => !exclude.has(i) && !this.#robots[i]!.paused && this.#outUntil[i]! <= now);
  }

  #pick(exclude: ReadonlySet<number>): number | undefined {
    let candidates = this.#healthy(exclude);
    // Every robot is unwell: pick among the rest anyway; their queues wait out penalties.
    if (candidates.length === 0) candidates = this.#robots.map((_, i) => i).filter((i) => !exclude.has(i));
    if (candidates.length === 0) return undefined;
    if (this.#strategy === 'round-robin') {
      const sorted = candidates.map((i) => ({
        i,
        d: (i - this.#next + this.#robots.length) % this.#robots.length,
      }));
      sorted.sort((a, b) => a.d - b.d);
      const chosen = sorted[0]!.i;
      this.#next = (chosen + 1) % this.#robots.length;
      return chosen;
    }
    const load = (i: number) => {
      const s = this.#robots[i]!.stats();
      return s.queued + s.inFlight;
    };
    let best = candidates[0]!;
    for (const i of candidates) if (load(i) < load(best)) best = i;
    return best;
  }

  /**
   * Sends through one robot of the pool; fails over to the next one when a robot fails for a reason
   * of its own. Rejects only when every robot failed, or at once when the message itself is refused.
   */
  send(message: Message, options?: SendOptions): Promise<PoolSendResult> {
    return this.#sendAvoiding(message, new Set(), options);
  }

  async #sendAvoiding(message: Message, tried: Set<number>, options?: SendOptions): Promise<PoolSendResult> {
    let lastError: unknown;
    for (;;) {
      const i = this.#pick(tried);
      if (i === undefined) throw lastError;
      tried.add(i);
      try {
        const result = await this.#robots[i]!.send(message, options);
        return { robot: i, ...result };
      } catch (error) {
        if (!robotsFault(error)) throw error;
        this.#outUntil[i] = Date.now() + this.#cooldownMs;
        lastError = error;
        // Its other queued messages would most likely fail the same way: move them now.
        if (this.#rebalancing) this.#rebalance(i);
      }
    }
  }

  /** A throttled robot's waiting messages go to the healthy robots instead of waiting 10 minutes. */
  #rebalance(from: number): void {
    if (this.#closed || this.#healthy(new Set([from])).length === 0) return;
    for (const moved of this.#robots[from]!.withdraw()) {
      this.#sendAvoiding(
        moved.message,
        new Set([from]),
        moved.signal ? { signal: moved.signal } : undefined,
      ).then(
        (result) => moved.resolve(result),
        (error) => moved.reject(error),
      );
    }
  }

  /** Resolves when every robot's queue was delivered or failed. */
  async flush(): Promise<void> {
    await Promise.all(this.#robots.map((r) => r.flush()));
  }

  /** Closes every robot (each flushes first). */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#robots.map((r) => r.close()));
  }

  /** Each robot's counters, in the pool's order. */
  stats(): DeliveryStats[] {
    return this.#robots.map((r) => r.stats());
  }
}

/** Anything with a `send()`: a Robot or a RobotPool. */
export interface Sender {
  send(message: Message, options?: SendOptions): Promise<SendResult>;
}

/**
 * Sends the same message to several groups (robots or pools) at once; resolves when all settled,
 * with one outcome per target, in order. Never rejects: look at each outcome.
 * @example
 * const outcomes = await broadcast([opsRobot, devPool], text('maintenance at 22:00'));
 * outcomes.filter((o) => o.status === 'rejected') // the groups that did not get it
 */
export function broadcast(
  targets: readonly Sender[],
  message: Message,
): Promise<PromiseSettledResult<SendResult>[]> {
  return Promise.allSettled(targets.map((t) => t.send(message)));
}
