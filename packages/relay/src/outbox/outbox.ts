import type { Message } from '@dingbot/sdk';
import type { AlertSummary, OutgoingMessage } from '../model.js';

/** Where a row is in its life: waiting, handed to the robot, done, or refused for good. */
export type RowState = 'queued' | 'sending' | 'delivered' | 'dead';

/** One message to send, as the outbox keeps it. */
export interface OutboxRow {
  id: number;
  /** The robot (or pool) name from the config. */
  robot: string;
  route: string | null;
  /** Which input it came from (`alertmanager`, `grafana`, `dingtalk`, `hooks`, …). */
  source: string;
  /** The message, with its `msgUuid` (the same on every attempt, across restarts). */
  message: Message & { msgUuid: string };
  state: RowState;
  attempts: number;
  /** Epoch milliseconds. */
  createdAt: number;
  updatedAt: number;
  /** Why it is dead (or why the last attempt failed). */
  reason?: string;
  errcode?: number;
  /** For a message rendered from alerts: what a summary digest needs (see {@link OutgoingMessage.summary}). */
  summary?: AlertSummary;
}

/** One append of {@link Outbox.append}: the messages of one request, stored together or not at all. */
export interface AppendRequest {
  messages: OutgoingMessage[];
  source: string;
  /** When given, a second append with the same key within `dedupeWindowMs` stores nothing. */
  dedupeKey?: string;
  dedupeWindowMs?: number;
}

/** What an append did. */
export interface AppendResult {
  ids: number[];
  /** True when the dedupe key was seen within its window: nothing was stored. */
  duplicate: boolean;
}

/** One part of a row inside a send (a split message has several parts). */
export interface SendMember {
  id: number;
  part: number;
  parts: number;
}

/** A send recorded before it was posted, so a crash between DingTalk's answer and the bookkeeping is recoverable. */
export interface PendingSend {
  msgUuid: string;
  robot: string;
  /** The exact message posted (with its `msgUuid`). */
  message: Message & { msgUuid: string };
  members: SendMember[];
}

/** Depth of one robot's queue. */
export interface RobotDepth {
  queued: number;
  sending: number;
  dead: number;
  /** Epoch milliseconds of the oldest row not yet delivered (queued or sending), if any. */
  oldestAt: number | undefined;
}

/**
 * The durable queue between the inputs and DingTalk. An append resolves only once it is durable;
 * rows of one robot are claimed in order. SQLite is the embedded engine ({@link SqliteOutbox});
 * a Redis engine can implement the same interface.
 */
export interface Outbox {
  /** Stores each request's messages; concurrent appends are committed together (group commit). */
  append(request: AppendRequest): Promise<AppendResult>;
  /** Takes up to `n` queued rows of `robot`, oldest first, due now, and marks them `sending`. */
  claim(robot: string, n: number): Promise<OutboxRow[]>;
  markDelivered(ids: readonly number[]): Promise<void>;
  markDead(ids: readonly number[], reason: string, errcode?: number): Promise<void>;
  /** Puts rows back to `queued` after a failure that may pass, due again after `delayMs`. */
  retryLater(ids: readonly number[], reason: string, delayMs: number): Promise<void>;
  /** Puts every `sending` row of `robot` back to `queued` (at start, after a crash, or at shutdown). */
  resetSending(robot: string): Promise<number>;
  /** Moves a dead row (or all of them when `id` is undefined) back to `queued`; returns how many moved. */
  replay(id?: number): Promise<number>;
  /** Dead rows, newest first. */
  dead(limit?: number): Promise<OutboxRow[]>;
  /** Recently delivered rows, newest first. */
  recent(limit?: number): Promise<OutboxRow[]>;
  get(id: number): Promise<OutboxRow | undefined>;
  depth(): Promise<Record<string, RobotDepth>>;
  /** Records a send about to be posted (idempotent: the first record of a `msgUuid` wins). */
  recordSend(send: PendingSend): Promise<void>;
  /** Marks a recorded send as accepted by DingTalk and its fully delivered rows as delivered, atomically. */
  confirmSend(msgUuid: string, deliveredIds: readonly number[]): Promise<void>;
  /** Marks a recorded send as failed (not accepted). */
  failSend(msgUuid: string): Promise<void>;
  /** Sends recorded but neither confirmed nor failed: what a crash interrupted. */
  pendingSends(robot: string): Promise<PendingSend[]>;
  /** Whether a write can succeed now (for `/readyz`). */
  writable(): Promise<boolean>;
  close(): Promise<void>;
}
