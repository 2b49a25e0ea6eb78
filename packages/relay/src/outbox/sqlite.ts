import Database from 'better-sqlite3';
import type {
  AppendRequest,
  AppendResult,
  Outbox,
  OutboxRow,
  PendingSend,
  RobotDepth,
  RowState,
} from './outbox.js';

/** Options of {@link SqliteOutbox}. */
export interface SqliteOutboxOptions {
  /** The database file; `:memory:` for tests that do not need durability. */
  path: string;
  /** The clock. @default Date.now */
  now?: () => number;
  /** Makes each row's `msgUuid`. @default crypto.randomUUID */
  uuid?: () => string;
  /** Delivered rows older than this are deleted (they only feed "recent deliveries"). @default 1 day */
  keepDeliveredMs?: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  robot TEXT NOT NULL,
  route TEXT,
  source TEXT NOT NULL,
  message TEXT NOT NULL,
  msg_uuid TEXT NOT NULL UNIQUE,
  state TEXT NOT NULL DEFAULT 'queued',
  attempts INTEGER NOT NULL DEFAULT 0,
  not_before INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  reason TEXT,
  errcode INTEGER,
  summary TEXT
);
CREATE INDEX IF NOT EXISTS outbox_robot_state ON outbox (robot, state, id);
CREATE TABLE IF NOT EXISTS dedupe (key TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS sends (
  msg_uuid TEXT PRIMARY KEY,
  robot TEXT NOT NULL,
  message TEXT NOT NULL,
  members TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'posting',
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS sends_robot_state ON sends (robot, state);
CREATE TABLE IF NOT EXISTS limiter_slots (key TEXT NOT NULL, ticket TEXT NOT NULL, at INTEGER NOT NULL, settled INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (key, ticket));
CREATE TABLE IF NOT EXISTS penalties (key TEXT PRIMARY KEY, until INTEGER NOT NULL);
`;

interface RawRow {
  id: number;
  robot: string;
  route: string | null;
  source: string;
  message: string;
  msg_uuid: string;
  state: RowState;
  attempts: number;
  created_at: number;
  updated_at: number;
  reason: string | null;
  errcode: number | null;
  summary: string | null;
}

function toRow(raw: RawRow): OutboxRow {
  const row: OutboxRow = {
    id: raw.id,
    robot: raw.robot,
    route: raw.route,
    source: raw.source,
    message: { ...JSON.parse(raw.message), msgUuid: raw.msg_uuid },
    state: raw.state,
    attempts: raw.attempts,
    createdAt: raw.created_at,
    updatedAt: raw.updated_at,
  };
  if (raw.reason !== null) row.reason = raw.reason;
  if (raw.errcode !== null) row.errcode = raw.errcode;
  if (raw.summary) row.summary = JSON.parse(raw.summary);
  return row;
}

interface Waiting {
  request: AppendRequest;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

/**
 * The embedded outbox: SQLite through better-sqlite3, WAL with `synchronous=FULL` (an answered request
 * survives a power loss). Appends arriving in the same turn of the event loop share one transaction,
 * so one fsync serves many requests.
 */
export class SqliteOutbox implements Outbox {
  /** The database handle (the SQLite limiter store shares it). */
  readonly db: Database.Database;
  readonly #now: () => number;
  readonly #uuid: () => string;
  readonly #keepDeliveredMs: number;
  #waiting: Waiting[] = [];
  #scheduled = false;
  #closed = false;
  #lastPrune = 0;
  /** Transactions committed by appends (group commit: fewer than the appends). */
  commits = 0;

  constructor(options: SqliteOutboxOptions) {
    this.db = new Database(options.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    // A file made before alert summaries were kept has no `summary` column: its rows digest as lists.
    const columns = this.db.prepare('PRAGMA table_info(outbox)').all() as { name: string }[];
    if (!columns.some((c) => c.name === 'summary'))
      this.db.exec('ALTER TABLE outbox ADD COLUMN summary TEXT');
    this.#now = options.now ?? Date.now;
    this.#uuid = options.uuid ?? (() => crypto.randomUUID());
    this.#keepDeliveredMs = options.keepDeliveredMs ?? 86_400_000;
  }

  append(request: AppendRequest): Promise<AppendResult> {
    if (this.#closed) return Promise.reject(new Error('the outbox is closed'));
    return new Promise((resolve, reject) => {
      this.#waiting.push({ request, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#commit());
      }
    });
  }

  #commit(): void {
    this.#scheduled = false;
    const batch = this.#waiting;
    this.#waiting = [];
    if (batch.length === 0) return;
    const now = this.#now();
    const insert = this.db.prepare(
      'INSERT INTO outbox (robot, route, source, message, msg_uuid, created_at, updated_at, summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const seen = this.db.prepare('SELECT expires_at FROM dedupe WHERE key = ?');
    const remember = this.db.prepare('INSERT OR REPLACE INTO dedupe (key, expires_at) VALUES (?, ?)');
    let results: AppendResult[];
    try {
      results = this.db.transaction(() =>
        batch.map(({ request }): AppendResult => {
          if (request.dedupeKey !== undefined) {
            const hit = seen.get(request.dedupeKey) as { expires_at: number } | undefined;
            if (hit && hit.expires_at > now) return { ids: [], duplicate: true };
            remember.run(request.dedupeKey, now + (request.dedupeWindowMs ?? 600_000));
          }
          const ids = request.messages.map((out) => {
            const { msgUuid: _ignored, ...message } = out.message;
            const info = insert.run(
              out.robot,
              out.route,
              request.source,
              JSON.stringify(message),
              this.#uuid(),
              now,
              now,
              out.summary ? JSON.stringify(out.summary) : null,
            );
            return Number(info.lastInsertRowid);
          });
          return { ids, duplicate: false };
        }),
      )();
      this.commits++;
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
      return;
    }
    batch.forEach((waiting, i) => {
      waiting.resolve(results[i]!);
    });
    this.#prune(now);
  }

  #prune(now: number): void {
    if (now - this.#lastPrune < 60_000) return;
    this.#lastPrune = now;
    this.db.prepare('DELETE FROM dedupe WHERE expires_at <= ?').run(now);
    this.db
      .prepare("DELETE FROM outbox WHERE state = 'delivered' AND updated_at < ?")
      .run(now - this.#keepDeliveredMs);
    this.db.prepare("DELETE FROM sends WHERE state != 'posting' AND created_at < ?").run(now - 3_600_000);
  }

  async claim(robot: string, n: number): Promise<OutboxRow[]> {
    if (n <= 0) return [];
    const now = this.#now();
    const rows = this.db
      .prepare(
        `UPDATE outbox SET state = 'sending', attempts = attempts + 1, updated_at = ?
         WHERE id IN (SELECT id FROM outbox WHERE robot = ? AND state = 'queued' AND not_before <= ? ORDER BY id LIMIT ?)
         RETURNING *`,
      )
      .all(now, robot, now, n) as RawRow[];
    return rows.map(toRow).sort((a, b) => a.id - b.id);
  }

  /** Milliseconds until the next queued row of `robot` is due, or undefined when none waits. */
  nextDueIn(robot: string): number | undefined {
    const row = this.db
      .prepare("SELECT MIN(not_before) AS at FROM outbox WHERE robot = ? AND state = 'queued'")
      .get(robot) as { at: number | null };
    return row.at === null ? undefined : Math.max(0, row.at - this.#now());
  }

  async markDelivered(ids: readonly number[]): Promise<void> {
    this.#update(ids, "state = 'delivered', reason = NULL, errcode = NULL", []);
  }

  async markDead(ids: readonly number[], reason: string, errcode?: number): Promise<void> {
    this.#update(ids, "state = 'dead', reason = ?, errcode = ?", [reason, errcode ?? null]);
  }

  async retryLater(ids: readonly number[], reason: string, delayMs: number): Promise<void> {
    this.#update(ids, "state = 'queued', reason = ?, not_before = ?", [reason, this.#now() + delayMs]);
  }

  #update(ids: readonly number[], set: string, params: unknown[]): void {
    if (ids.length === 0) return;
    const statement = this.db.prepare(`UPDATE outbox SET ${set}, updated_at = ? WHERE id = ?`);
    const now = this.#now();
    this.db.transaction(() => {
      for (const id of ids) statement.run(...params, now, id);
    })();
  }

  async resetSending(robot: string): Promise<number> {
    return this.db
      .prepare("UPDATE outbox SET state = 'queued', updated_at = ? WHERE robot = ? AND state = 'sending'")
      .run(this.#now(), robot).changes;
  }

  async replay(id?: number): Promise<number> {
    const now = this.#now();
    const set =
      "state = 'queued', attempts = 0, not_before = 0, reason = NULL, errcode = NULL, updated_at = ?";
    return id === undefined
      ? this.db.prepare(`UPDATE outbox SET ${set} WHERE state = 'dead'`).run(now).changes
      : this.db.prepare(`UPDATE outbox SET ${set} WHERE state = 'dead' AND id = ?`).run(now, id).changes;
  }

  async dead(limit = 100): Promise<OutboxRow[]> {
    return (
      this.db
        .prepare("SELECT * FROM outbox WHERE state = 'dead' ORDER BY id DESC LIMIT ?")
        .all(limit) as RawRow[]
    ).map(toRow);
  }

  async recent(limit = 50): Promise<OutboxRow[]> {
    return (
      this.db
        .prepare("SELECT * FROM outbox WHERE state = 'delivered' ORDER BY updated_at DESC, id DESC LIMIT ?")
        .all(limit) as RawRow[]
    ).map(toRow);
  }

  async get(id: number): Promise<OutboxRow | undefined> {
    const raw = this.db.prepare('SELECT * FROM outbox WHERE id = ?').get(id) as RawRow | undefined;
    return raw && toRow(raw);
  }

  async depth(): Promise<Record<string, RobotDepth>> {
    const rows = this.db
      .prepare(
        `SELECT robot, state, COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox
         WHERE state != 'delivered' GROUP BY robot, state`,
      )
      .all() as { robot: string; state: RowState; n: number; oldest: number }[];
    const out: Record<string, RobotDepth> = {};
    for (const row of rows) {
      const depth = out[row.robot] ?? { queued: 0, sending: 0, dead: 0, oldestAt: undefined };
      out[row.robot] = depth;
      if (row.state === 'queued' || row.state === 'sending') {
        depth[row.state] = row.n;
        depth.oldestAt = depth.oldestAt === undefined ? row.oldest : Math.min(depth.oldestAt, row.oldest);
      } else if (row.state === 'dead') depth.dead = row.n;
    }
    return out;
  }

  async recordSend(send: PendingSend): Promise<void> {
    this.db
      .prepare(
        'INSERT OR IGNORE INTO sends (msg_uuid, robot, message, members, created_at) VALUES (?, ?, ?, ?, ?)',
      )
      .run(send.msgUuid, send.robot, JSON.stringify(send.message), JSON.stringify(send.members), this.#now());
  }

  async confirmSend(msgUuid: string, deliveredIds: readonly number[]): Promise<void> {
    const confirm = this.db.prepare("UPDATE sends SET state = 'confirmed' WHERE msg_uuid = ?");
    const deliver = this.db.prepare(
      "UPDATE outbox SET state = 'delivered', reason = NULL, errcode = NULL, updated_at = ? WHERE id = ?",
    );
    const now = this.#now();
    this.db.transaction(() => {
      confirm.run(msgUuid);
      for (const id of deliveredIds) deliver.run(now, id);
    })();
  }

  async failSend(msgUuid: string): Promise<void> {
    this.db.prepare("UPDATE sends SET state = 'failed' WHERE msg_uuid = ?").run(msgUuid);
  }

  async pendingSends(robot: string): Promise<PendingSend[]> {
    const rows = this.db
      .prepare("SELECT * FROM sends WHERE robot = ? AND state = 'posting' ORDER BY created_at, rowid")
      .all(robot) as { msg_uuid: string; robot: string; message: string; members: string }[];
    return rows.map((row) => ({
      msgUuid: row.msg_uuid,
      robot: row.robot,
      message: JSON.parse(row.message),
      members: JSON.parse(row.members),
    }));
  }

  async writable(): Promise<boolean> {
    if (this.#closed) return false;
    try {
      this.db.prepare('DELETE FROM dedupe WHERE key = ?').run('\u0000readyz');
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    // Appends already accepted are committed before the handle closes.
    if (this.#waiting.length) this.#commit();
    this.#closed = true;
    this.db.close();
  }
}
