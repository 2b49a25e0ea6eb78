import type { Acquired, LimiterStore } from '@dingbot/sdk';
import type Database from 'better-sqlite3';

/**
 * The SDK's {@link LimiterStore} kept in the outbox's SQLite file, so a restarted relay remembers the
 * sends of the last window and a penalty under way: after a crash it does not post 20 more at once into
 * a window DingTalk still counts (which would answer 130101).
 */
export class SqliteLimiterStore implements LimiterStore {
  readonly #db: Database.Database;
  readonly #now: () => number;
  #tickets = 0;

  constructor(db: Database.Database, now: () => number = Date.now) {
    this.#db = db;
    this.#now = now;
    this.#db.exec(
      `CREATE TABLE IF NOT EXISTS limiter_slots (key TEXT NOT NULL, ticket TEXT NOT NULL, at INTEGER NOT NULL, settled INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (key, ticket));
       CREATE TABLE IF NOT EXISTS penalties (key TEXT PRIMARY KEY, until INTEGER NOT NULL);`,
    );
    // Slots a killed process took but never settled: their request may have reached DingTalk at any
    // moment up to now, so they count from now (a window too long beats a 130101).
    this.#db
      .prepare('UPDATE limiter_slots SET at = MAX(at, ?), settled = 1 WHERE settled = 0')
      .run(this.#now());
  }

  async acquire(key: string, limit: number, windowMs: number): Promise<Acquired> {
    const now = this.#now();
    return this.#db.transaction((): Acquired => {
      const penalty = this.#penaltyUntil(key);
      if (penalty > now) return { ok: false, retryInMs: penalty - now, reason: 'penalty' };
      this.#db.prepare('DELETE FROM limiter_slots WHERE key = ? AND at <= ?').run(key, now - windowMs);
      const used = this.#db
        .prepare('SELECT COUNT(*) AS n, MIN(at) AS oldest FROM limiter_slots WHERE key = ?')
        .get(key) as { n: number; oldest: number | null };
      if (used.n >= limit) {
        return {
          ok: false,
          retryInMs: Math.max(1, (used.oldest ?? now) + windowMs - now + 1),
          reason: 'rate',
        };
      }
      const ticket = `${process.pid}-${now}-${++this.#tickets}`;
      this.#db.prepare('INSERT INTO limiter_slots (key, ticket, at) VALUES (?, ?, ?)').run(key, ticket, now);
      return { ok: true, remaining: limit - used.n - 1, ticket };
    })();
  }

  async settle(key: string, ticket: string): Promise<void> {
    this.#db
      .prepare('UPDATE limiter_slots SET at = ? WHERE key = ? AND ticket = ?')
      .run(this.#now(), key, ticket);
  }

  async penalize(key: string, ms: number): Promise<void> {
    const until = this.#now() + ms;
    this.#db
      .prepare(
        'INSERT INTO penalties (key, until) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET until = MAX(until, excluded.until)',
      )
      .run(key, until);
  }

  async penaltyRemaining(key: string): Promise<number> {
    return Math.max(0, this.#penaltyUntil(key) - this.#now());
  }

  #penaltyUntil(key: string): number {
    const row = this.#db.prepare('SELECT until FROM penalties WHERE key = ?').get(key) as
      | { until: number }
      | undefined;
    return row?.until ?? 0;
  }
}

/**
 * The fallback of the replicas' shared limiter ({@link RedisStore} from `@dingbot/redis`) while Redis
 * is away: it grants no slot, so a replica waits instead of counting alone. A local count would not
 * know the sends of the window so far (made through Redis, perhaps by another replica), and the
 * messages a replica already holds in its engine would go out at a full window's pace on top of
 * them: DingTalk would throttle the robot. Nothing can be claimed or confirmed without Redis anyway.
 */
export class RefusingLimiterStore implements LimiterStore {
  /** How long a refused acquire tells the engine to wait before it asks again. */
  constructor(private readonly retryInMs = 1000) {}

  async acquire(): Promise<Acquired> {
    return { ok: false, retryInMs: this.retryInMs, reason: 'rate' };
  }

  async settle(): Promise<void> {}

  async penalize(): Promise<void> {}

  async penaltyRemaining(): Promise<number> {
    return 0;
  }
}
