import type { Redis } from 'ioredis';

/** Who holds a robot's lease and until when (epoch ms), as `/api/robots` shows it. */
export interface LeaseState {
  holder: string;
  until: number;
}

/** Options of {@link RobotLeases}. */
export interface RobotLeasesOptions {
  /** The Redis connection (the outbox's). */
  redis: Redis;
  /** The key of a robot's lease. @example (robot) => `dingbot-relay:{relay}:lease:${robot}` */
  key: (robot: string) => string;
  /** This replica's name, written as the lease's value. */
  holder: string;
  /** How long a lease lasts without renewal: how long a dead replica's robots wait for another. @default 30000 */
  ttlMs?: number;
  /** How often leases are renewed and free ones tried. @default ttlMs / 3 */
  renewMs?: number;
  /** Called when this replica took the robot's lease: start its sender. */
  onAcquired: (robot: string) => void;
  /**
   * Called when this replica lost the robot's lease (another holds it, it expired, or Redis did not
   * answer the renewal, so holding it cannot be proven): stop its sender.
   */
  onLost: (robot: string) => void;
  /** Told about Redis errors of a round. */
  onError?: (error: unknown) => void;
  /**
   * A pub/sub channel told the robot's name whenever this replica releases a lease, so the others
   * ({@link RobotLeases.poke}) take it at once rather than at their next round.
   */
  releasedChannel?: string;
}

/** Extends the lease only if this replica still holds it (compare-and-extend). */
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`;

/** Deletes the lease only if this replica holds it (compare-and-delete). */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * Per-robot leases in Redis, so that of N replicas exactly one sends for a robot at a time (its order
 * and its digests need one sender). A lease is `SET <key> <replica> NX PX <ttl>`, renewed by a Lua
 * compare-and-extend, released by a compare-and-delete on stop. A replica whose renewal fails stops
 * that robot's sender; another takes the robot once the lease expired (or was released), and first
 * re-posts the sends the previous holder recorded but never confirmed.
 * @example
 * const leases = new RobotLeases({ redis, key: (r) => `relay:lease:${r}`, holder: 'pod-a', onAcquired: start, onLost: stop });
 * leases.watch(['ops', 'dev']);
 * leases.start();
 */
export class RobotLeases {
  readonly holder: string;
  readonly ttlMs: number;
  readonly #options: RobotLeasesOptions;
  readonly #renewMs: number;
  readonly #held = new Set<string>();
  #wanted: string[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #round: Promise<void> = Promise.resolve();
  #stopped = false;
  /** {@link start} was called: the rounds run by themselves. */
  #started = false;
  #poked = false;
  /** The last round met a Redis error. */
  #failed = false;
  /** The connection dropped since the last round: sends may have failed half-way. */
  #interrupted = false;

  constructor(options: RobotLeasesOptions) {
    this.#options = options;
    options.redis.on('close', () => {
      this.#interrupted = true;
    });
    // Connected (at start, or back after an outage): contend at once rather than at the next round.
    options.redis.on('ready', () => this.poke());
    this.holder = options.holder;
    this.ttlMs = options.ttlMs ?? 30_000;
    this.#renewMs = options.renewMs ?? Math.max(1, Math.floor(this.ttlMs / 3));
    options.redis.defineCommand('relayLeaseRenew', { numberOfKeys: 1, lua: RENEW });
    options.redis.defineCommand('relayLeaseRelease', { numberOfKeys: 1, lua: RELEASE });
  }

  /** The robots to contend for (the config's); leases of robots no longer wanted are released at the next round. */
  watch(robots: readonly string[]): void {
    this.#wanted = [...robots];
  }

  /** Whether this replica holds the robot's lease (as of the last round). */
  holds(robot: string): boolean {
    return this.#held.has(robot);
  }

  /** Runs a round now and then every `renewMs` until {@link stop}. */
  start(): void {
    this.#stopped = false;
    this.#started = true;
    this.#loop();
  }

  #loop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#round = this.#round.then(() => this.tick());
    void this.#round.then(() => {
      if (this.#stopped || this.#timer !== undefined) return;
      // A round Redis did not answer is tried again within a second.
      const delay = this.#failed ? Math.min(this.#renewMs, 1000) : this.#renewMs;
      this.#timer = setTimeout(() => this.#loop(), delay);
    });
  }

  /** Runs a round soon (another replica released a lease), then goes on every `renewMs`. */
  poke(): void {
    if (!this.#started || this.#stopped || this.#poked) return;
    this.#poked = true;
    void this.#round.then(() => {
      this.#poked = false;
      if (!this.#stopped) this.#loop();
    });
  }

  /** One round: renews the leases held, tries the free ones, releases those no longer wanted. */
  async tick(): Promise<void> {
    const wanted = new Set(this.#wanted);
    this.#failed = false;
    if (this.#interrupted) {
      // Redis went away (and may have come back): a sender may have rows stuck half-way (a send it
      // could not record or confirm). Its robots are given up and taken again, so a fresh sender
      // re-posts what is pending and re-queues the rest.
      this.#interrupted = false;
      for (const robot of [...this.#held]) {
        this.#held.delete(robot);
        this.#options.onLost(robot);
      }
    }
    for (const robot of [...this.#held]) {
      if (!wanted.has(robot)) {
        this.#held.delete(robot);
        this.#options.onLost(robot);
        await this.#release(robot);
      }
    }
    for (const robot of wanted) {
      if (this.#stopped) return;
      let held: boolean;
      try {
        held = this.#held.has(robot) ? await this.#renew(robot) : await this.#acquire(robot);
      } catch (error) {
        this.#options.onError?.(error);
        this.#failed = true;
        held = false;
      }
      if (held && !this.#held.has(robot)) {
        this.#held.add(robot);
        this.#options.onAcquired(robot);
      } else if (!held && this.#held.has(robot)) {
        this.#held.delete(robot);
        this.#options.onLost(robot);
      }
    }
  }

  async #acquire(robot: string): Promise<boolean> {
    const redis = this.#options.redis;
    const set = await redis.set(this.#options.key(robot), this.holder, 'PX', this.ttlMs, 'NX');
    // Not set: free it is not, but it may still be this replica's (a renewal Redis did not answer).
    return set === 'OK' || (await this.#renew(robot));
  }

  async #renew(robot: string): Promise<boolean> {
    const renew = (this.#options.redis as unknown as Record<string, (...a: unknown[]) => Promise<number>>)
      .relayLeaseRenew!;
    return (await renew.call(this.#options.redis, this.#options.key(robot), this.holder, this.ttlMs)) === 1;
  }

  async #release(robot: string): Promise<void> {
    const release = (this.#options.redis as unknown as Record<string, (...a: unknown[]) => Promise<number>>)
      .relayLeaseRelease!;
    const released = await release
      .call(this.#options.redis, this.#options.key(robot), this.holder)
      .catch(() => 0);
    if (released === 1 && this.#options.releasedChannel) {
      await this.#options.redis.publish(this.#options.releasedChannel, robot).catch(() => 0);
    }
  }

  /** Who holds each robot's lease now, read from Redis (robots without a holder are left out). */
  async states(robots: readonly string[]): Promise<Record<string, LeaseState>> {
    if (robots.length === 0) return {};
    const redis = this.#options.redis;
    const pipeline = redis.pipeline();
    for (const robot of robots) pipeline.get(this.#options.key(robot)).pttl(this.#options.key(robot));
    const replies = (await pipeline.exec()) ?? [];
    const now = Date.now();
    const out: Record<string, LeaseState> = {};
    robots.forEach((robot, i) => {
      const holder = replies[2 * i]?.[1];
      const pttl = Number(replies[2 * i + 1]?.[1]);
      if (typeof holder === 'string' && pttl > 0) out[robot] = { holder, until: now + pttl };
    });
    return out;
  }

  /**
   * Stops renewing. `release` (default) lets other replicas take the robots at once instead of after
   * the lease expired; call it after this replica's senders stopped.
   */
  async stop(options: { release?: boolean } = {}): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    await this.#round.catch(() => {});
    if (options.release !== false) {
      for (const robot of [...this.#held]) await this.#release(robot);
    }
    this.#held.clear();
  }
}
