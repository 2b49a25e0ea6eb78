import { hostname } from 'node:os';
import { Redis, type RedisOptions } from 'ioredis';
import type {
  AppendRequest,
  AppendResult,
  Outbox,
  OutboxRow,
  PendingSend,
  RobotDepth,
  RowState,
} from './outbox.js';
import { APPEND, CLAIM, DEPTH, MARK, PENDING, RECORD, REPLAY, RESET, SETTLE } from './redis-scripts.js';

/** Options of {@link RedisOutbox}. */
export interface RedisOutboxOptions {
  /**
   * The Redis: a `redis://` or `rediss://` URL, or ioredis options. Redis ≥ 6.2 (XAUTOCLAIM), with
   * AOF on for "nothing answered is lost" (see the relay README).
   * @example 'redis://redis.monitoring:6379/0'
   */
  redis: string | RedisOptions;
  /**
   * Prefix of every key; the outbox's keys are `<keyPrefix>{relay}:…`. Relays sharing one Redis for
   * different robots need different prefixes.
   * @default 'dingbot-relay:'
   */
  keyPrefix?: string;
  /**
   * This replica's name: its consumer name in the streams' group and the holder written in leases.
   * @default `<hostname>:<pid>`
   */
  replica?: string;
  /**
   * When true, claims, resets and recorded sends only go through while this replica holds the robot's
   * lease (see {@link RobotLeases}): a replica that lost it can take nothing and post nothing.
   * @default false
   */
  fenced?: boolean;
  /**
   * After each append, wait until this many Redis replicas have it (`WAIT`) before answering; an
   * append they do not all confirm within `waitTimeoutMs` fails (the input answers 503, the sender
   * retries, and the dedupe key makes the retry a no-op).
   * @default 0
   */
  waitReplicas?: number;
  /** @default 1000 */
  waitTimeoutMs?: number;
  /** How many delivered rows "recent deliveries" keeps. @default 1000 */
  keepDelivered?: number;
  /** The clock. @default Date.now */
  now?: () => number;
  /** Makes each row's `msgUuid`. @default crypto.randomUUID */
  uuid?: () => string;
}

/** The consumer group every replica reads the robots' streams through. */
const GROUP = 'relay';

interface StoredRow {
  id: number;
  robot: string;
  route: string;
  source: string;
  message: string;
  msgUuid: string;
  state: RowState;
  attempts: number;
  createdAt: number;
  updatedAt: number;
  reason?: string;
  errcode?: number;
  /** The alert summary as JSON, `''` when the message was not rendered from alerts. */
  summary?: string;
}

function toRow(raw: string): OutboxRow {
  const s = JSON.parse(raw) as StoredRow;
  const row: OutboxRow = {
    id: s.id,
    robot: s.robot,
    route: s.route === '' ? null : s.route,
    source: s.source,
    message: { ...JSON.parse(s.message), msgUuid: s.msgUuid },
    state: s.state,
    attempts: s.attempts,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
  if (typeof s.reason === 'string') row.reason = s.reason;
  if (typeof s.errcode === 'number') row.errcode = s.errcode;
  if (s.summary) row.summary = JSON.parse(s.summary);
  return row;
}

type Script = (...args: (string | number)[]) => Promise<unknown>;

/**
 * The outbox of N relay replicas: Redis Streams through ioredis, one stream per robot (its order),
 * one consumer group (each entry read by one replica), `XAUTOCLAIM` to take over what a dead replica
 * had claimed. Every multi-step change is one Lua script. An append resolves only once Redis has it
 * (and, with `waitReplicas`, its replicas); when Redis is unreachable every call fails at once, so the
 * inputs answer 503: there is no local fallback.
 * @example
 * const outbox = new RedisOutbox({ redis: 'redis://127.0.0.1:6379', replica: process.env.HOSTNAME });
 */
export class RedisOutbox implements Outbox {
  /** This replica's name (consumer in the group, holder in leases). */
  readonly replica: string;
  /** The key base: `<keyPrefix>{relay}:`. */
  readonly base: string;
  /** The command connection (the limiter and the leases share it). */
  readonly redis: Redis;
  readonly #subscriber: Redis;
  readonly #fenced: boolean;
  readonly #waitReplicas: number;
  readonly #waitTimeoutMs: number;
  readonly #keep: number;
  readonly #now: () => number;
  readonly #uuid: () => string;
  readonly #wakeListeners = new Set<(robot: string) => void>();
  readonly #releasedListeners = new Set<(robot: string) => void>();
  #closed = false;

  constructor(options: RedisOutboxOptions) {
    // No offline queue: while Redis is away a command fails at once (the input answers 503) instead
    // of waiting in memory, where a crash would lose what was answered.
    const tuned: RedisOptions = {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      enableAutoPipelining: true,
      connectTimeout: 5000,
    };
    this.redis =
      typeof options.redis === 'string'
        ? new Redis(options.redis, tuned)
        : new Redis({ ...tuned, ...options.redis });
    this.redis.on('error', () => {}); // surfaced by the failing calls (503, /readyz)
    // Wakes the lease holder when another replica appended for its robot.
    this.#subscriber = this.redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
    this.#subscriber.on('error', () => {});
    this.base = `${options.keyPrefix ?? 'dingbot-relay:'}{relay}:`;
    this.replica = options.replica ?? `${hostname()}:${process.pid}`;
    this.#fenced = options.fenced ?? false;
    this.#waitReplicas = options.waitReplicas ?? 0;
    this.#waitTimeoutMs = options.waitTimeoutMs ?? 1000;
    this.#keep = options.keepDelivered ?? 1000;
    this.#now = options.now ?? Date.now;
    this.#uuid = options.uuid ?? (() => crypto.randomUUID());
    for (const [name, lua] of Object.entries({
      APPEND,
      CLAIM,
      MARK,
      RESET,
      REPLAY,
      RECORD,
      SETTLE,
      PENDING,
      DEPTH,
    })) {
      this.redis.defineCommand(`relay${name}`, { numberOfKeys: 0, lua });
    }
    void this.#subscriber.subscribe(`${this.base}wake`, this.releasedChannel).catch(() => {});
    this.#subscriber.on('message', (channel: string, robot: string) => {
      const listeners = channel === this.releasedChannel ? this.#releasedListeners : this.#wakeListeners;
      for (const listener of listeners) listener(robot);
    });
  }

  #script(name: string): Script {
    const command = (this.redis as unknown as Record<string, Script>)[`relay${name}`]!;
    return (...args) => command.call(this.redis, this.base, ...args);
  }

  /** The channel a replica releasing a robot's lease publishes to (see {@link RobotLeases}). */
  get releasedChannel(): string {
    return `${this.base}released`;
  }

  /** Calls `listener(robot)` whenever a replica released the robot's lease. */
  onReleased(listener: (robot: string) => void): () => void {
    this.#releasedListeners.add(listener);
    return () => this.#releasedListeners.delete(listener);
  }

  #holder(): string {
    return this.#fenced ? this.replica : '';
  }

  /** Calls `listener(robot)` whenever any replica appends or replays rows for `robot`. */
  onWake(listener: (robot: string) => void): () => void {
    this.#wakeListeners.add(listener);
    return () => this.#wakeListeners.delete(listener);
  }

  async append(request: AppendRequest): Promise<AppendResult> {
    if (this.#closed) throw new Error('the outbox is closed');
    const args: (string | number)[] = [
      this.#now(),
      request.dedupeKey ?? '',
      request.dedupeWindowMs ?? 600_000,
      request.source,
      GROUP,
    ];
    for (const out of request.messages) {
      const { msgUuid: _ignored, ...message } = out.message as typeof out.message & { msgUuid?: string };
      args.push(
        out.robot,
        out.route ?? '',
        JSON.stringify(message),
        this.#uuid(),
        out.summary ? JSON.stringify(out.summary) : '',
      );
    }
    const ids = (await this.#script('APPEND')(...args)) as number[];
    if (ids.length === 1 && ids[0] === -1) return { ids: [], duplicate: true };
    if (this.#waitReplicas > 0) {
      const acked = await this.redis.wait(this.#waitReplicas, this.#waitTimeoutMs);
      if (acked < this.#waitReplicas) {
        throw new Error(
          `only ${acked} of ${this.#waitReplicas} Redis replicas confirmed the write within ${this.#waitTimeoutMs} ms (outbox.redis.waitReplicas)`,
        );
      }
    }
    return { ids: ids.map(Number), duplicate: false };
  }

  async claim(robot: string, n: number): Promise<OutboxRow[]> {
    if (n <= 0) return [];
    const raw = (await this.#script('CLAIM')(
      robot,
      n,
      this.#now(),
      GROUP,
      this.replica,
      this.#holder(),
    )) as string[];
    return raw.map(toRow).sort((a, b) => a.id - b.id);
  }

  async #mark(
    ids: readonly number[],
    to: RowState,
    reason = '',
    errcode?: number,
    delayMs = 0,
  ): Promise<void> {
    if (ids.length === 0) return;
    await this.#script('MARK')(
      this.#now(),
      to,
      reason,
      errcode === undefined ? '' : String(errcode),
      delayMs,
      GROUP,
      this.#keep,
      ...ids,
    );
  }

  async markDelivered(ids: readonly number[]): Promise<void> {
    await this.#mark(ids, 'delivered');
  }

  async markDead(ids: readonly number[], reason: string, errcode?: number): Promise<void> {
    await this.#mark(ids, 'dead', reason, errcode);
  }

  async retryLater(ids: readonly number[], reason: string, delayMs: number): Promise<void> {
    await this.#mark(ids, 'queued', reason, undefined, delayMs);
  }

  async resetSending(robot: string): Promise<number> {
    return Number(await this.#script('RESET')(robot, this.#now(), GROUP, this.replica, this.#holder()));
  }

  async replay(id?: number): Promise<number> {
    return Number(await this.#script('REPLAY')(this.#now(), id === undefined ? '' : id));
  }

  async dead(limit = 100): Promise<OutboxRow[]> {
    const ids = await this.redis.zrevrange(`${this.base}dead`, 0, Math.max(0, limit - 1));
    if (ids.length === 0) return [];
    const raws = await this.redis.hmget(`${this.base}rows`, ...ids);
    return raws.flatMap((raw, i) => (raw ? [toRow(withId(raw, ids[i]!))] : []));
  }

  async recent(limit = 50): Promise<OutboxRow[]> {
    const raws = await this.redis.lrange(`${this.base}recent`, 0, Math.max(0, limit - 1));
    return raws.map(toRow);
  }

  async get(id: number): Promise<OutboxRow | undefined> {
    const raw = await this.redis.hget(`${this.base}rows`, String(id));
    if (raw) return toRow(withId(raw, String(id)));
    // Delivered rows live only in the capped "recent" list.
    for (const item of await this.redis.lrange(`${this.base}recent`, 0, -1)) {
      const row = toRow(item);
      if (row.id === id) return row;
    }
    return undefined;
  }

  async depth(): Promise<Record<string, RobotDepth>> {
    const rows = (await this.#script('DEPTH')()) as [string, string, string, string, string][];
    const out: Record<string, RobotDepth> = {};
    for (const [robot, queued, sending, dead, oldest] of rows) {
      const depth = {
        queued: Number(queued),
        sending: Number(sending),
        dead: Number(dead),
        oldestAt: oldest === '' ? undefined : Number(oldest),
      };
      if (depth.queued || depth.sending || depth.dead) out[robot] = depth;
    }
    return out;
  }

  async recordSend(send: PendingSend): Promise<void> {
    const pool = send.robot.replace(/#\d+$/, '');
    await this.#script('RECORD')(
      send.msgUuid,
      send.robot,
      JSON.stringify(send),
      this.#holder(),
      send.robot,
      pool,
    );
  }

  async confirmSend(msgUuid: string, deliveredIds: readonly number[]): Promise<void> {
    await this.#script('SETTLE')(
      msgUuid,
      'confirmed',
      3_600_000,
      this.#now(),
      GROUP,
      this.#keep,
      ...deliveredIds,
    );
  }

  async failSend(msgUuid: string): Promise<void> {
    await this.#script('SETTLE')(msgUuid, 'failed', 3_600_000, this.#now(), GROUP, this.#keep);
  }

  async pendingSends(robot: string): Promise<PendingSend[]> {
    const bodies = (await this.#script('PENDING')(robot)) as string[];
    return bodies.map((body) => JSON.parse(body) as PendingSend);
  }

  /** Whether Redis takes a write now: answers, is a primary, and is not out of memory. */
  async writable(): Promise<boolean> {
    if (this.#closed || this.redis.status !== 'ready') return false;
    try {
      await this.redis.set(`${this.base}ready:${this.replica}`, String(this.#now()), 'PX', 60_000);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * What the Redis server lacks for the relay's guarantees, in words for a log: a version before 6.2
   * (no `XAUTOCLAIM`), AOF off (a Redis crash loses answered alerts), an eviction policy other than
   * `noeviction` (Redis may drop queued alerts when full). Settings it may not read (a managed Redis
   * refusing `CONFIG`) are not reported.
   */
  async serverWarnings(): Promise<string[]> {
    const warnings: string[] = [];
    const server = await this.redis.info('server');
    const version = /redis_version:(\d+)\.(\d+)/.exec(server);
    if (version && (Number(version[1]) < 6 || (Number(version[1]) === 6 && Number(version[2]) < 2))) {
      warnings.push(
        `Redis ${version[1]}.${version[2]} is too old: the relay needs Redis 6.2 or later (XAUTOCLAIM)`,
      );
    }
    const persistence = await this.redis.info('persistence');
    if (/aof_enabled:0/.test(persistence)) {
      warnings.push(
        'Redis runs without AOF (appendonly no): a Redis crash loses alerts already answered 2xx; turn appendonly on',
      );
    }
    const policy = (await this.redis.config('GET', 'maxmemory-policy').catch(() => [])) as string[];
    if (policy[1] !== undefined && policy[1] !== 'noeviction') {
      warnings.push(
        `Redis's maxmemory-policy is ${policy[1]}: when full it may evict queued alerts; set it to noeviction`,
      );
    }
    return warnings;
  }

  /** The number of keys under this outbox's prefix (for the benchmark and the docs). */
  async keyCount(): Promise<number> {
    let n = 0;
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${escapeGlob(this.base)}*`, 'COUNT', 1000);
      cursor = next;
      n += keys.length;
    } while (cursor !== '0');
    return n;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#wakeListeners.clear();
    this.#releasedListeners.clear();
    await Promise.all(
      [this.redis, this.#subscriber].map((client) =>
        client.status === 'ready' ? client.quit().catch(() => client.disconnect()) : client.disconnect(),
      ),
    );
  }
}

/** Rows in the `rows` hash do not carry their id (it is the field): add it. */
function withId(raw: string, id: string): string {
  return `${raw.slice(0, -1)},"id":${Number(id)}}`;
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}
