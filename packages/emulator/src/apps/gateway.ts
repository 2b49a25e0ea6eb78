import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import type { ResolvedApp } from './config.js';
import { appDefaults } from './defaults.js';
import type { AppsHub } from './hub.js';
import type { ChatRecord, DeliveryRecord } from './types.js';

/** The topic of robot messages. */
export const TOPIC_ROBOT = '/v1.0/im/bot/messages/get';
/** Upstream frames larger than this close the connection (acks are tiny). */
const MAX_FRAME_BYTES = 1024 * 1024;
/** Tickets minted and never used are forgotten past this many. */
const MAX_TICKETS = 10_000;

/** One subscription of `/v1.0/gateway/connections/open`. */
export interface Subscription {
  type: string;
  topic: string;
}

interface Ticket {
  app: ResolvedApp;
  subscriptions: Subscription[];
  expiresAt: number;
}

/** An open Stream WebSocket. */
export interface StreamConnection {
  readonly id: string;
  readonly app: ResolvedApp;
  readonly socket: WebSocket;
  readonly openedAt: number;
  /** `TYPE topic` of each subscription, for display. */
  readonly topics: string[];
  /** Subscribed to robot messages (CALLBACK `/v1.0/im/bot/messages/get`). */
  readonly robotMessages: boolean;
  /** A SYSTEM disconnect was sent: nothing more is delivered on it. */
  disconnecting: boolean;
  /** The messageId of a ping not echoed yet. */
  outstandingPing: string | undefined;
  pingTimer: unknown;
  closeTimer: unknown;
}

/** A pushed callback waiting for its ack. */
interface Unacked {
  chat: ChatRecord;
  app: ResolvedApp;
  messageId: string;
  redeliveries: number;
  timer: unknown;
}

/**
 * The Stream-mode gateway: tickets from `/v1.0/gateway/connections/open`, WebSockets at `/connect`,
 * CALLBACK frames with acks and redelivery, SYSTEM `ping` and `disconnect`.
 */
export class StreamGateway {
  readonly #tickets = new Map<string, Ticket>();
  readonly #connections = new Map<string, StreamConnection[]>();
  readonly #roundRobin = new Map<string, number>();
  readonly #unacked = new Map<string, Unacked>();
  /** Chats waiting for a connection, per clientId, with the reason of the push they wait for. */
  readonly #waiting = new Map<string, { chat: ChatRecord; reason: DeliveryRecord['reason'] }[]>();
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });

  constructor(readonly hub: AppsHub) {}

  /** Mints a single-use ticket for a connection of `app`. */
  openTicket(app: ResolvedApp, subscriptions: Subscription[]): string {
    const now = this.hub.now();
    if (this.#tickets.size >= MAX_TICKETS) {
      for (const [id, ticket] of this.#tickets) if (ticket.expiresAt <= now) this.#tickets.delete(id);
      const oldest = this.#tickets.keys().next().value;
      if (this.#tickets.size >= MAX_TICKETS && oldest !== undefined) this.#tickets.delete(oldest);
    }
    const ticket = randomUUID();
    this.#tickets.set(ticket, {
      app,
      subscriptions,
      expiresAt: now + this.hub.settings.streamTicketTtlMs,
    });
    return ticket;
  }

  /**
   * Handles an HTTP upgrade of the node server. Answers 401 before upgrading when the ticket is
   * missing, unknown, used or expired; returns `false` for paths other than `/connect`.
   */
  handleUpgrade(
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    hostAllowed: (url: string) => boolean,
  ): boolean {
    const url = new URL(request.url ?? '/', `http://${request.headers.host ?? 'localhost'}`);
    if (url.pathname !== '/connect') return false;
    if (!hostAllowed(url.href)) {
      reject(socket, 403, 'this host name is not allowed: the emulator answers loopback names only');
      return true;
    }
    const id = url.searchParams.get('ticket') ?? '';
    const ticket = this.#tickets.get(id);
    this.#tickets.delete(id);
    if (!ticket || ticket.expiresAt <= this.hub.now()) {
      this.hub.log(`stream connection refused: ${ticket ? 'expired' : 'unknown or used'} ticket`);
      reject(
        socket,
        401,
        ticket
          ? 'ticket expired: open a new connection'
          : 'ticket unknown or already used: open a new connection',
      );
      return true;
    }
    this.#wss.handleUpgrade(request, socket, head, (ws) => this.#open(ws, ticket));
    return true;
  }

  /** Open connections of an app, oldest first. */
  connectionsOf(app: ResolvedApp): StreamConnection[] {
    return this.#connections.get(app.clientId) ?? [];
  }

  /** Sends a chat to one of the app's connections (round-robin), or keeps it until one opens. */
  deliver(app: ResolvedApp, chat: ChatRecord): 'stream' | 'pending' {
    const messageId = randomUUID();
    const entry: Unacked = { chat, app, messageId, redeliveries: 0, timer: undefined };
    this.#unacked.set(messageId, entry);
    // Never-acked messages are kept for late acks, but no more of them than chats are kept.
    if (this.#unacked.size > appDefaults.maxChats) {
      const [oldestId, oldest] = this.#unacked.entries().next().value as [string, Unacked];
      this.hub.timers.clearTimeout(oldest.timer);
      this.#unacked.delete(oldestId);
      const waiting = this.#waiting.get(oldest.app.clientId);
      if (waiting)
        this.#waiting.set(
          oldest.app.clientId,
          waiting.filter((w) => w.chat !== oldest.chat),
        );
    }
    const sent = this.#push(entry, 'first');
    if (sent && this.hub.chaosOf(app).duplicate) this.#push(entry, 'duplicate');
    return sent ? 'stream' : 'pending';
  }

  /** Closes connections abruptly (no close frame), as a network failure would; returns how many. */
  drop(app: ResolvedApp, connectionId?: string): number {
    const targets = this.connectionsOf(app).filter(
      (c) => connectionId === undefined || c.id === connectionId,
    );
    for (const connection of targets) connection.socket.terminate();
    return targets.length;
  }

  /** Sends SYSTEM `disconnect` and closes the socket `streamDisconnectCloseMs` later; returns how many. */
  disconnect(app: ResolvedApp, reason: string, connectionId?: string): number {
    const targets = this.connectionsOf(app).filter(
      (c) => !c.disconnecting && (connectionId === undefined || c.id === connectionId),
    );
    for (const connection of targets) {
      connection.disconnecting = true;
      this.#send(connection, this.#frame(connection, 'SYSTEM', 'disconnect', randomUUID(), { reason }));
      connection.closeTimer = this.hub.timers.setTimeout(
        () => connection.socket.close(1000, 'disconnect'),
        this.hub.settings.streamDisconnectCloseMs,
      );
    }
    if (targets.length > 0) this.hub.appChanged(app);
    return targets.length;
  }

  /** Sends a SYSTEM ping now to every connection of the app; returns how many. */
  ping(app: ResolvedApp): number {
    const targets = this.connectionsOf(app).filter((c) => !c.disconnecting);
    for (const connection of targets) this.#ping(connection);
    return targets.length;
  }

  /** Terminates every connection and cancels every timer. */
  close(): void {
    for (const connections of this.#connections.values()) {
      for (const connection of connections) {
        this.#clearTimers(connection);
        connection.socket.terminate();
      }
    }
    this.#connections.clear();
    for (const entry of this.#unacked.values()) this.hub.timers.clearTimeout(entry.timer);
    this.#unacked.clear();
    this.#wss.close();
  }

  #open(socket: WebSocket, ticket: Ticket): void {
    const { app } = ticket;
    const connection: StreamConnection = {
      id: `conn-${randomBytes(6).toString('hex')}`,
      app,
      socket,
      openedAt: this.hub.now(),
      topics: ticket.subscriptions.map((s) => `${s.type} ${s.topic}`),
      robotMessages: ticket.subscriptions.some((s) => s.type === 'CALLBACK' && s.topic === TOPIC_ROBOT),
      disconnecting: false,
      outstandingPing: undefined,
      pingTimer: undefined,
      closeTimer: undefined,
    };
    const list = this.#connections.get(app.clientId) ?? [];
    list.push(connection);
    this.#connections.set(app.clientId, list);
    socket.on('message', (data, isBinary) => this.#onFrame(connection, data, isBinary));
    socket.on('close', () => this.#onClose(connection));
    socket.on('error', () => socket.terminate());
    this.hub.log(
      `stream connection ${connection.id} opened for ${app.name} (${connection.topics.join(', ') || 'no subscriptions'})`,
    );
    this.#schedulePing(connection);
    this.hub.appChanged(app);
    if (connection.robotMessages) this.#flushWaiting(app);
  }

  #onClose(connection: StreamConnection): void {
    this.#clearTimers(connection);
    const list = this.#connections.get(connection.app.clientId) ?? [];
    const index = list.indexOf(connection);
    if (index === -1) return;
    list.splice(index, 1);
    this.hub.log(`stream connection ${connection.id} of ${connection.app.name} closed`);
    this.hub.appChanged(connection.app);
  }

  #clearTimers(connection: StreamConnection): void {
    this.hub.timers.clearTimeout(connection.pingTimer);
    this.hub.timers.clearTimeout(connection.closeTimer);
    connection.pingTimer = undefined;
    connection.closeTimer = undefined;
  }

  #onFrame(connection: StreamConnection, data: RawData, isBinary: boolean): void {
    let frame: unknown;
    try {
      frame = JSON.parse(isBinary ? '' : data.toString());
    } catch {
      frame = undefined;
    }
    const headers = isObject(frame) && isObject(frame['headers']) ? frame['headers'] : undefined;
    const messageId = typeof headers?.['messageId'] === 'string' ? headers['messageId'] : undefined;
    if (!isObject(frame) || messageId === undefined) {
      this.hub.log(`stream connection ${connection.id}: ignored an upstream frame that is not an ack`);
      return;
    }
    if (messageId === connection.outstandingPing) {
      connection.outstandingPing = undefined;
      return;
    }
    const entry = this.#unacked.get(messageId);
    if (!entry) return;
    const code = typeof frame['code'] === 'number' ? frame['code'] : Number(frame['code']);
    const withheld = this.hub.chaosOf(entry.app).withholdAcks;
    const ack: ChatRecord['acks'][number] = {
      at: this.hub.now(),
      code,
      connectionId: connection.id,
      withheld,
    };
    if (typeof frame['data'] === 'string') ack.data = frame['data'];
    entry.chat.acks.push(ack);
    if (code === 200 && !withheld) {
      entry.chat.ackedAt ??= ack.at;
      this.hub.timers.clearTimeout(entry.timer);
      this.#unacked.delete(messageId);
    }
    this.hub.chatChanged(entry.chat);
  }

  /** Pushes a chat's frame to the next live connection; `false` (and queued) when there is none. */
  #push(entry: Unacked, reason: DeliveryRecord['reason']): boolean {
    const connection = this.#next(entry.app);
    const { chat } = entry;
    if (!connection) {
      const waiting = this.#waiting.get(entry.app.clientId) ?? [];
      if (!waiting.some((w) => w.chat === chat)) waiting.push({ chat, reason });
      this.#waiting.set(entry.app.clientId, waiting);
      chat.pending = true;
      this.hub.timers.clearTimeout(entry.timer);
      entry.timer = undefined;
      return false;
    }
    chat.pending = false;
    this.#send(connection, this.#frame(connection, 'CALLBACK', TOPIC_ROBOT, entry.messageId, chat.message));
    chat.deliveries.push({
      at: this.hub.now(),
      transport: 'stream',
      connectionId: connection.id,
      messageId: entry.messageId,
      reason,
    });
    if (reason !== 'duplicate') this.#scheduleRedelivery(entry);
    this.hub.chatChanged(chat);
    return true;
  }

  #scheduleRedelivery(entry: Unacked): void {
    const { streamRedeliveryMs, streamMaxRedeliveries } = this.hub.settings;
    this.hub.timers.clearTimeout(entry.timer);
    entry.timer = undefined;
    if (streamRedeliveryMs === 0 || entry.redeliveries >= streamMaxRedeliveries) return;
    entry.timer = this.hub.timers.setTimeout(() => {
      if (this.#unacked.get(entry.messageId) !== entry) return;
      entry.redeliveries++;
      this.hub.log(
        `redelivering ${entry.chat.msgId} to ${entry.app.name}: no ack in ${streamRedeliveryMs} ms`,
      );
      this.#push(entry, 'redelivery');
    }, streamRedeliveryMs);
  }

  #flushWaiting(app: ResolvedApp): void {
    const waiting = this.#waiting.get(app.clientId) ?? [];
    this.#waiting.delete(app.clientId);
    for (const { chat, reason } of waiting) {
      const entry = [...this.#unacked.values()].find((e) => e.chat === chat);
      if (entry) this.#push(entry, reason);
    }
  }

  /** The next connection of the app in round-robin order that takes robot messages. */
  #next(app: ResolvedApp): StreamConnection | undefined {
    const live = this.connectionsOf(app).filter(
      (c) => c.robotMessages && !c.disconnecting && c.socket.readyState === c.socket.OPEN,
    );
    if (live.length === 0) return undefined;
    const turn = this.#roundRobin.get(app.clientId) ?? 0;
    this.#roundRobin.set(app.clientId, turn + 1);
    return live[turn % live.length];
  }

  #schedulePing(connection: StreamConnection): void {
    const { streamPingMs } = this.hub.settings;
    if (streamPingMs === 0) return;
    connection.pingTimer = this.hub.timers.setTimeout(() => {
      connection.pingTimer = undefined;
      if (connection.outstandingPing !== undefined) {
        this.hub.log(`stream connection ${connection.id} closed: the last ping was not echoed`);
        connection.socket.close(1000, 'ping not echoed');
        return;
      }
      this.#ping(connection);
      this.#schedulePing(connection);
    }, streamPingMs);
  }

  #ping(connection: StreamConnection): void {
    const messageId = randomUUID();
    connection.outstandingPing = messageId;
    this.#send(connection, this.#frame(connection, 'SYSTEM', 'ping', messageId, { opaque: randomUUID() }));
  }

  #frame(
    connection: StreamConnection,
    type: string,
    topic: string,
    messageId: string,
    data: unknown,
  ): string {
    return JSON.stringify({
      specVersion: '1.0',
      type,
      headers: {
        appId: connection.app.clientId,
        connectionId: connection.id,
        contentType: 'application/json',
        messageId,
        time: String(this.hub.now()),
        topic,
      },
      data: JSON.stringify(data),
    });
  }

  #send(connection: StreamConnection, frame: string): void {
    if (connection.socket.readyState === connection.socket.OPEN) connection.socket.send(frame);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function reject(socket: Duplex, status: 401 | 403, message: string): void {
  const body = JSON.stringify({ code: status === 401 ? 'authFailed' : 'forbidden', message });
  const reason = status === 401 ? 'Unauthorized' : 'Forbidden';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
