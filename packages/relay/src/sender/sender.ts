import {
  type DingbotError,
  type FetchInit,
  type FetchLike,
  type FetchResponseLike,
  isDingbotError,
  type LimiterStore,
  type Message,
  Robot,
  type RobotOptions,
  type SendItem,
} from '@dingbot/sdk';
import type { Outbox, OutboxRow, PendingSend, SendMember } from '../outbox/outbox.js';
import { summariseDigest } from '../render/digest.js';

/** The logger the relay uses (pino's shape). */
export interface Logger {
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
  error(object: object, message?: string): void;
}

/** One DingTalk robot of a configured robot (a pool has several). */
export interface MemberTarget {
  webhook?: string;
  token?: string;
  baseUrl?: string;
  secret?: string;
}

/** What {@link RobotSender} needs to know about one configured robot (or pool). */
export interface SenderTarget {
  /** The name in `robots:`. */
  name: string;
  members: MemberTarget[];
  keywords?: string[];
  rateLimit?: { limit: number; windowMs: number } | false;
  penaltyMs?: number;
}

/** What the sender reports, for metrics. */
export interface SenderEvents {
  sent(robot: string, kind: 'alone' | 'digest', count: number): void;
  failed(robot: string, error: unknown): void;
  throttled(robot: string): void;
  dead(robot: string, count: number, errcode: number | undefined): void;
}

/** Options of {@link RobotSender}. */
export interface RobotSenderOptions {
  target: SenderTarget;
  outbox: Outbox;
  /** The SDK limiter store (the SQLite one, so windows and penalties survive a restart). */
  store: LimiterStore;
  log: Logger;
  events?: Partial<SenderEvents>;
  /** Posts instead of `fetch` (tests, `--dry-run`). @default global fetch */
  fetch?: FetchLike;
  /** How many rows each member robot holds in its delivery engine at most. @default 500 */
  window?: number;
  /** Extra SDK options (retry policy, timeouts) for tests. */
  robotOptions?: Partial<RobotOptions>;
}

/** DingTalk answered and refused: sending the same again cannot succeed (keyword, content, token…). */
export function isPermanent(error: unknown): boolean {
  if (!isDingbotError(error)) return false;
  if (error.code === 'RATE_LIMITED' || error.code === 'DINGTALK_BUSY') return false;
  return !error.retryable;
}

function describe(error: unknown): { reason: string; errcode: number | undefined } {
  if (isDingbotError(error)) {
    return { reason: `${error.code}: ${error.message}`, errcode: error.errcode };
  }
  return { reason: error instanceof Error ? error.message : String(error), errcode: undefined };
}

/** One member robot: the SDK robot and the rows its engine holds. */
class Member {
  readonly robot: Robot;
  readonly key: string;
  /** Rows handed to the engine and not settled yet, by their `msgUuid` (the engine names them so). */
  readonly rows = new Map<string, OutboxRow>();
  /** The send being posted, as its `posting` event told: its `msgUuid` and the rows (parts) it carries. */
  posting: { msgUuid: string; members: SendMember[] } | undefined;
  /** Rows a `failed` event dealt with; their `send()` promise rejects next. */
  readonly reported = new Set<number>();
  /** Recorded sends being re-posted: their `sent` event is handled by the recovery. */
  readonly recovering = new Set<string>();

  constructor(robot: Robot, key: string) {
    this.robot = robot;
    this.key = key;
  }
}

/**
 * Delivers one configured robot's outbox rows through the SDK's delivery engine (pacing, digests,
 * splitting, penalties) and records every send before it is posted, so that after a crash a send
 * DingTalk may have accepted is re-posted with the same `msgUuid` (which DingTalk dedupes) instead of
 * its rows being sent again.
 */
export class RobotSender {
  readonly name: string;
  readonly #options: RobotSenderOptions;
  readonly #members: Member[];
  readonly #outbox: Outbox;
  readonly #window: number;
  #wake: (() => void) | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopping = false;
  #loop: Promise<void> | undefined;
  #lastSendAt: number | undefined;
  #next = 0;

  constructor(options: RobotSenderOptions) {
    this.#options = options;
    this.name = options.target.name;
    this.#outbox = options.outbox;
    this.#window = options.window ?? 500;
    const many = options.target.members.length > 1;
    this.#members = options.target.members.map((target, i) =>
      this.#member(target, many ? `${this.name}#${i}` : this.name),
    );
  }

  #member(target: MemberTarget, key: string): Member {
    const { target: config, store } = this.#options;
    const baseFetch: FetchLike = this.#options.fetch ?? ((url, init) => fetch(url, init));
    // Assigned below: the fetch wrapper needs the member it belongs to.
    let member: Member | undefined;
    const recordingFetch: FetchLike = async (url: string, init: FetchInit): Promise<FetchResponseLike> => {
      const m = member!;
      const message = JSON.parse(init.body) as Message & { msgUuid: string };
      // A re-posted send is recorded already (that is how it was found).
      if (!m.recovering.has(message.msgUuid)) {
        const members = m.posting?.msgUuid === message.msgUuid ? m.posting.members : [];
        // Durable before DingTalk can see it: a crash from here on re-posts this very body.
        await this.#outbox.recordSend({ msgUuid: message.msgUuid, robot: m.key, message, members });
      }
      const response = await baseFetch(url, init);
      const text = await response.text();
      if (response.status === 200 && refused(text)) await this.#outbox.failSend(message.msgUuid);
      return { status: response.status, text: async () => text };
    };
    const options: RobotOptions = {
      ...(target.webhook !== undefined
        ? { webhook: target.webhook }
        : { accessToken: target.token!, ...(target.baseUrl ? { baseUrl: target.baseUrl } : {}) }),
      ...(target.secret !== undefined ? { secret: target.secret } : {}),
      keywords: config.keywords ?? [],
      fetch: recordingFetch,
      store,
      maxQueue: Math.max(10_000, this.#window * 4),
      // Alerts waiting together go as one summary, not a list (other messages: the SDK's list).
      digest: { build: (_messages, { items }) => this.#summarise(member!, items) },
      ...(config.rateLimit !== undefined ? { rateLimit: config.rateLimit } : {}),
      ...(config.penaltyMs !== undefined ? { penaltyMs: config.penaltyMs } : {}),
      ...this.#options.robotOptions,
    } as RobotOptions;
    const robot = new Robot(options);
    member = new Member(robot, key);
    this.#listen(member);
    return member;
  }

  #listen(member: Member): void {
    const { robot } = member;
    // The engine names the rows each send carries (by their msgUuid): recorded before the post.
    robot.on('posting', ({ msgUuid, items }) => {
      member.posting = { msgUuid, members: this.#membersOf(member, items) };
    });
    robot.on('sent', ({ msgUuid, count, kind, items }) => {
      this.#lastSendAt = Date.now();
      this.#options.events?.sent?.(this.name, kind, count);
      if (member.recovering.has(msgUuid)) return;
      const delivered = this.#membersOf(member, items)
        .filter((e) => e.part === e.parts - 1)
        .map((e) => e.id);
      void this.#outbox.confirmSend(msgUuid, delivered).catch((error) => this.#storageFailed(error));
    });
    robot.on('buildFailed', ({ error, count }) => {
      this.#options.log.warn(
        { robot: this.name, rows: count, err: String(error) },
        'alert summary failed: the digest went as a list',
      );
    });
    robot.on('throttled', ({ source }) => {
      if (source === 'dingtalk') this.#options.events?.throttled?.(this.name);
    });
    robot.on('failed', ({ msgUuid, error, items }) => {
      this.#options.events?.failed?.(this.name, error);
      if (member.recovering.has(msgUuid)) return;
      const ids = new Set(this.#membersOf(member, items).map((e) => e.id));
      for (const id of ids) member.reported.add(id);
      if (isPermanent(error)) {
        const { reason, errcode } = describe(error);
        void this.#outbox.markDead([...ids], reason, errcode).catch((e) => this.#storageFailed(e));
        this.#options.events?.dead?.(this.name, ids.size, errcode);
        this.#options.log.warn(
          { robot: this.name, rows: [...ids], errcode },
          'dead letter: DingTalk refused',
        );
      }
      // Otherwise DingTalk may or may not have it: the recorded send stays pending and is re-posted
      // with the same msgUuid once the engine is idle (see #recover); its rows stay `sending`.
    });
  }

  /** The summary of a digest's rows when all of them are whole alert messages, else `undefined` (a list). */
  #summarise(member: Member, items: readonly SendItem[]): Message | undefined {
    const rows: OutboxRow[] = [];
    for (const { msgUuid, parts } of items) {
      const row = msgUuid === undefined ? undefined : member.rows.get(msgUuid);
      if (!row || parts > 1) return undefined;
      rows.push(row);
    }
    return summariseDigest(rows);
  }

  /** The rows (and parts) of the queued messages a send carries. */
  #membersOf(member: Member, items: readonly SendItem[]): SendMember[] {
    const members: SendMember[] = [];
    for (const { msgUuid, part, parts } of items) {
      const row = msgUuid === undefined ? undefined : member.rows.get(msgUuid);
      if (row) members.push({ id: row.id, part, parts });
    }
    return members;
  }

  #storageFailed(error: unknown): void {
    this.#options.log.error({ robot: this.name, err: String(error) }, 'outbox update failed');
  }

  /** Starts delivering: first re-posts what a crash interrupted, then follows the outbox. */
  start(): void {
    this.#loop ??= this.#run();
  }

  /** Tells the sender new rows were appended. */
  notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** When the last send was accepted (for the UI). */
  get lastSendAt(): number | undefined {
    return this.#lastSendAt;
  }

  /** Epoch ms until which a member robot is paused by a penalty, if any. */
  get pausedUntil(): number | undefined {
    const until = this.#members
      .map((m) => m.robot.stats().pausedUntil ?? 0)
      .reduce((a, b) => Math.max(a, b), 0);
    return until > Date.now() ? until : undefined;
  }

  /** Rows held by the member robots' engines. */
  get inEngine(): number {
    return this.#members.reduce((n, m) => n + m.rows.size, 0);
  }

  /**
   * Stops: takes no more rows, lets the send under way finish, and puts every row not delivered back
   * to `queued` (a recorded send still pending is re-posted at the next start).
   */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.notify();
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    for (const member of this.#members) member.robot.abort(new Error('relay shutting down'));
    await Promise.all(this.#members.map((m) => m.robot.flush()));
    await this.#loop?.catch(() => {});
    await this.#outbox.resetSending(this.name).catch(() => 0);
  }

  async #run(): Promise<void> {
    // A shared outbox (Redis) can fail here too: try again rather than leave the robot without a sender.
    for (let started = false; !started && !this.#stopping; ) {
      try {
        for (const member of this.#members) await this.#recover(member, true);
        await this.#outbox.resetSending(this.name);
        started = true;
      } catch (error) {
        this.#storageFailed(error);
        await this.#sleep(1000);
      }
    }
    while (!this.#stopping) {
      try {
        await this.#step();
      } catch (error) {
        this.#storageFailed(error);
        await this.#sleep(1000);
      }
    }
  }

  async #step(): Promise<void> {
    // A send that may have reached DingTalk is re-posted, alone, before anything new goes out.
    for (const member of this.#members) {
      if (member.rows.size === 0 && member.robot.stats().queued === 0) {
        const recovered = await this.#recover(member, false);
        if (this.#stopping) return;
        if (recovered === 'retry-later') {
          await this.#sleep(5000);
          return;
        }
      }
    }
    const free = this.#members.reduce((n, m) => n + Math.max(0, this.#window - m.rows.size), 0);
    const rows = free > 0 ? await this.#outbox.claim(this.name, free) : [];
    if (this.#stopping) {
      await this.#outbox.resetSending(this.name);
      return;
    }
    for (const row of rows) this.#submit(this.#pick(), row);
    if (rows.length === 0 || free === 0) {
      const due = (this.#outbox as { nextDueIn?: (robot: string) => number | undefined }).nextDueIn?.(
        this.name,
      );
      await this.#sleep(due === undefined ? 1000 : Math.min(Math.max(due, 10), 1000));
    }
  }

  /** The member with the most room that is not serving a penalty (round-robin among equals). */
  #pick(): Member {
    const now = Date.now();
    const usable = this.#members.filter((m) => (m.robot.stats().pausedUntil ?? 0) <= now);
    const pool = usable.length ? usable : this.#members;
    this.#next = (this.#next + 1) % pool.length;
    let best = pool[this.#next]!;
    for (const m of pool) if (m.rows.size < best.rows.size) best = m;
    return best;
  }

  #submit(member: Member, row: OutboxRow): void {
    member.rows.set(row.message.msgUuid, row);
    member.robot.send(row.message).then(
      () => this.#settled(member, row),
      (error) => {
        this.#settled(member, row);
        // A failed send was dealt with by its `failed` event (dead letter, or re-posted later).
        if (member.reported.delete(row.id) || this.#stopping) return;
        // Refused before it was queued (invalid, too long): it can never be sent as it is.
        const { reason, errcode } = describe(error);
        void this.#outbox.markDead([row.id], reason, errcode).catch((e) => this.#storageFailed(e));
        this.#options.events?.dead?.(this.name, 1, errcode);
      },
    );
  }

  #settled(member: Member, row: OutboxRow): void {
    member.rows.delete(row.message.msgUuid);
    this.notify();
  }

  /**
   * Re-posts the sends recorded for this member but never confirmed, with their own `msgUuid`:
   * DingTalk posts each at most once, and their rows are then delivered.
   */
  async #recover(member: Member, atStart: boolean): Promise<'done' | 'retry-later'> {
    const pending = await this.#outbox.pendingSends(member.key);
    for (const send of pending) {
      if (this.#stopping) return 'done';
      member.recovering.add(send.msgUuid);
      try {
        await member.robot.send(send.message);
        await this.#outbox.confirmSend(send.msgUuid, delivered(send));
        this.#options.log.info(
          { robot: this.name, msgUuid: send.msgUuid, rows: send.members.length, atStart },
          're-posted an interrupted send',
        );
      } catch (error) {
        if (!isPermanent(error)) return 'retry-later';
        const { reason, errcode } = describe(error);
        await this.#outbox.failSend(send.msgUuid);
        await this.#outbox.markDead(
          send.members.map((m) => m.id),
          reason,
          errcode,
        );
        this.#options.events?.dead?.(this.name, send.members.length, errcode);
      } finally {
        member.recovering.delete(send.msgUuid);
      }
      // Rows of the send that are not fully delivered (the first parts of a split message) go again.
      const partial = send.members.filter((m) => m.part !== m.parts - 1).map((m) => m.id);
      const whole = new Set(delivered(send));
      const again = [...new Set(partial)].filter((id) => !whole.has(id));
      if (again.length && !atStart) await this.#outbox.retryLater(again, 'interrupted split message', 0);
    }
    return 'done';
  }

  #sleep(ms: number): Promise<void> {
    if (this.#stopping) return Promise.resolve();
    return new Promise((resolve) => {
      this.#wake = () => {
        if (this.#timer !== undefined) clearTimeout(this.#timer);
        this.#timer = undefined;
        resolve();
      };
      this.#timer = setTimeout(() => this.notify(), ms);
    });
  }
}

function delivered(send: PendingSend): number[] {
  return send.members.filter((m) => m.part === m.parts - 1).map((m) => m.id);
}

/** Whether a 200 answer is a DingTalk refusal (errcode ≠ 0): then nothing was posted. */
function refused(text: string): boolean {
  try {
    const reply = JSON.parse(text) as { errcode?: unknown };
    return typeof reply.errcode === 'number' && reply.errcode !== 0;
  } catch {
    return false;
  }
}

export type { DingbotError };
