import type { FetchLike } from '@dingbot/sdk';
import { WebSocket } from 'ws';
import { type ResolvedBotOptions, reconnectDelay } from '../options.js';
import { callbackAck, eventAck, parseFrame, pingEcho } from './frames.js';

/** What the Stream client reports, for logs and tests. `connection` numbers this client's sockets from 1. */
export type StreamEvent =
  | { type: 'open'; connection: number }
  | { type: 'disconnect'; connection: number; reason: string }
  | { type: 'idle'; connection: number; ms: number }
  | { type: 'close'; connection: number; code: number }
  | { type: 'reconnecting'; attempt: number; delayMs: number; error: unknown };

/** A robot message taken off the socket (already acked). */
export interface ReceivedCallback {
  /** The frame's `data`: the message JSON. */
  data: string;
  /** The frame's `messageId` (the same on a redelivery). */
  messageId: string;
}

/** DingTalk would not open a Stream connection. Never carries the secret nor the ticket. */
export class GatewayError extends Error {
  override name = 'GatewayError';
  constructor(
    message: string,
    /** The HTTP status, 0 when no answer came. */
    readonly status: number,
    /** Whether trying again can help (network errors, 5xx, 429); bad credentials cannot. */
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

interface Connection {
  readonly id: number;
  readonly socket: WebSocket;
  /** The server sent `disconnect`: it delivers nothing more here; a new connection replaces it. */
  draining: boolean;
  /** The handshake finished (a socket that never opened is not "lost"). */
  opened: boolean;
  /** Fires when nothing came for `idleTimeoutMs`. */
  idleTimer: unknown;
  closed: Promise<void>;
}

/**
 * DingTalk's Stream mode on `ws`: opens the gateway with a fresh ticket, echoes pings, acks every
 * callback before handing it on, replaces a connection the server says `disconnect` to before the old
 * one closes, and reconnects with doubling, jittered delays that reset once a connection opens.
 */
export class StreamReceiver {
  readonly #options: ResolvedBotOptions;
  readonly #onCallback: (callback: ReceivedCallback) => void;
  readonly #onEvent: (event: StreamEvent) => void;
  readonly #connections = new Set<Connection>();
  #nextId = 1;
  #failures = 0;
  #timer: unknown;
  #connecting: Promise<void> | undefined;
  #abort: AbortController | undefined;
  #running = false;
  /** Ends `start()`'s wait for a retry when `stop()` comes first. */
  #wake: (() => void) | undefined;

  constructor(
    options: ResolvedBotOptions,
    onCallback: (callback: ReceivedCallback) => void,
    onEvent: (event: StreamEvent) => void,
  ) {
    this.#options = options;
    this.#onCallback = onCallback;
    this.#onEvent = onEvent;
  }

  /** Sockets open or opening, and whether a reconnect is scheduled: for `bot.stop()` checks. */
  get resources(): { sockets: number; timers: number } {
    let timers = this.#timer === undefined ? 0 : 1;
    for (const connection of this.#connections) if (connection.idleTimer !== undefined) timers++;
    return { sockets: this.#connections.size, timers };
  }

  /**
   * Opens the first connection. Resolves once it is open; rejects at once when DingTalk refuses the
   * credentials; retries (with backoff) what may heal.
   */
  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    this.#abort = new AbortController();
    for (;;) {
      try {
        await this.#connect();
        return;
      } catch (error) {
        if (!this.#running) return;
        if (error instanceof GatewayError && !error.retryable) {
          this.#running = false;
          throw error;
        }
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
          this.#schedule(error, resolve);
        });
        this.#wake = undefined;
        if (!this.#running) return;
      }
    }
  }

  /** Closes every socket and cancels every timer; resolves when all sockets have closed. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#abort?.abort();
    if (this.#timer !== undefined) {
      this.#options.timers.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#wake?.();
    await this.#connecting?.catch(() => {});
    await Promise.all([...this.#connections].map((connection) => this.#close(connection)));
  }

  /** Single-flight: opens one new connection (fresh ticket); older ones that are draining are then closed. */
  #connect(): Promise<void> {
    this.#connecting ??= this.#open()
      .then((connection) => {
        this.#failures = 0;
        for (const old of this.#connections) if (old !== connection && old.draining) void this.#close(old);
      })
      .finally(() => {
        this.#connecting = undefined;
      });
    return this.#connecting;
  }

  /** Waits before the next attempt; `then` runs after the delay. */
  #schedule(error: unknown, then: () => void): void {
    const delayMs = reconnectDelay(this.#options.reconnect, this.#failures, this.#options.random);
    this.#failures++;
    this.#onEvent({ type: 'reconnecting', attempt: this.#failures, delayMs, error });
    this.#timer = this.#options.timers.setTimeout(() => {
      this.#timer = undefined;
      then();
    }, delayMs);
  }

  /** After a connection is lost: connect again, with backoff, until one opens or `stop()`. */
  #reconnect(error: unknown): void {
    if (!this.#running || this.#timer !== undefined || this.#connecting !== undefined) return;
    if ([...this.#connections].some((c) => !c.draining && c.socket.readyState === WebSocket.OPEN)) return;
    this.#schedule(error, () => {
      if (!this.#running) return;
      this.#connect().catch((failed: unknown) => this.#reconnect(failed));
    });
  }

  async #ticket(): Promise<{ endpoint: string; ticket: string }> {
    const { gatewayUrl, clientId, clientSecret, ua } = this.#options;
    const fetchImpl = this.#options.fetch ?? (globalThis.fetch as unknown as FetchLike);
    const signal = this.#abort?.signal ?? new AbortController().signal;
    let status = 0;
    let body = '';
    try {
      const res = await fetchImpl(gatewayUrl, {
        method: 'POST',
        // Without Accept: application/json the gateway answers XML.
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({
          clientId,
          clientSecret,
          subscriptions: [{ type: 'CALLBACK', topic: '/v1.0/im/bot/messages/get' }],
          ua,
        }),
        signal,
        redirect: 'manual',
      });
      status = res.status;
      body = await res.text();
    } catch (error) {
      throw new GatewayError(
        `Could not reach the Stream gateway ${gatewayUrl}: ${(error as Error)?.message ?? String(error)}`.replaceAll(
          clientSecret,
          '[REDACTED]',
        ),
        0,
        true,
        { cause: error },
      );
    }
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(body) as Record<string, unknown>;
    } catch {}
    if (status !== 200 || typeof json['endpoint'] !== 'string' || typeof json['ticket'] !== 'string') {
      const code = typeof json['code'] === 'string' ? ` ${json['code']}` : '';
      const auth = status === 400 || status === 401 || status === 403;
      throw new GatewayError(
        auth
          ? `DingTalk refused to open a Stream connection for clientId "${clientId}" (HTTP ${status}${code}). Check clientId and clientSecret (the app's AppKey and AppSecret), and that the robot uses Stream mode.`
          : `The Stream gateway answered HTTP ${status}${code} without an endpoint and ticket; trying again.`,
        status,
        !auth,
      );
    }
    return { endpoint: json['endpoint'], ticket: json['ticket'] };
  }

  async #open(): Promise<Connection> {
    const { endpoint, ticket } = await this.#ticket();
    if (!this.#running) throw new GatewayError('stopped', 0, false);
    const socket = new WebSocket(`${endpoint}?ticket=${encodeURIComponent(ticket)}`);
    const connection: Connection = {
      id: this.#nextId++,
      socket,
      draining: false,
      opened: false,
      idleTimer: undefined,
      closed: new Promise((resolve) => socket.once('close', () => resolve())),
    };
    this.#connections.add(connection);
    // Listen before `open`: frames can arrive with the handshake.
    socket.on('message', (raw) => this.#frame(connection, String(raw)));
    socket.on('close', (code) => {
      this.#unwatch(connection);
      this.#connections.delete(connection);
      this.#onEvent({ type: 'close', connection: connection.id, code });
      if (this.#running && connection.opened && !connection.draining)
        this.#reconnect(new Error(`connection closed (${code})`));
    });
    await new Promise<void>((resolve, reject) => {
      const fail = (error: Error) => {
        socket.off('open', open);
        // A socket that never opened is dropped here; `close` follows and removes it.
        socket.terminate();
        reject(
          new GatewayError(`The Stream WebSocket did not open: ${error.message}`, 0, true, { cause: error }),
        );
      };
      const open = () => {
        connection.opened = true;
        socket.off('error', fail);
        socket.on('error', (error) =>
          this.#options.logger.warn(`@dingbot/bot: Stream socket error: ${error.message}`),
        );
        resolve();
      };
      socket.once('open', open);
      socket.once('error', fail);
    });
    if (!this.#running) {
      await this.#close(connection);
      throw new GatewayError('stopped', 0, false);
    }
    this.#watch(connection);
    this.#onEvent({ type: 'open', connection: connection.id });
    return connection;
  }

  #frame(connection: Connection, raw: string): void {
    if (connection.opened) this.#watch(connection);
    const frame = parseFrame(raw);
    if (frame === undefined) {
      this.#options.logger.warn('@dingbot/bot: a Stream frame that is not one was ignored');
      return;
    }
    const { socket } = connection;
    const topic = frame.headers['topic'];
    const messageId = frame.headers['messageId'] ?? '';
    if (frame.type === 'SYSTEM') {
      if (topic === 'ping') socket.send(pingEcho(frame));
      else if (topic === 'disconnect') this.#disconnect(connection, frame.data);
      return;
    }
    if (frame.type === 'EVENT') {
      socket.send(eventAck(messageId));
      return;
    }
    if (topic !== '/v1.0/im/bot/messages/get') {
      socket.send(callbackAck(messageId, 404));
      return;
    }
    // Ack first: DingTalk pushes an unacked callback again, and a handler may take long.
    socket.send(callbackAck(messageId));
    this.#onCallback({ data: frame.data, messageId });
  }

  /** (Re)starts the idle watchdog: a connection that delivers nothing, not even a ping, is replaced. */
  #watch(connection: Connection): void {
    const ms = this.#options.idleTimeoutMs;
    if (ms === 0 || connection.draining) return;
    this.#unwatch(connection);
    connection.idleTimer = this.#options.timers.setTimeout(() => {
      connection.idleTimer = undefined;
      this.#options.logger.warn(
        `@dingbot/bot: nothing came on the Stream connection for ${ms} ms; replacing it`,
      );
      this.#onEvent({ type: 'idle', connection: connection.id, ms });
      this.#replace(connection);
    }, ms);
  }

  #unwatch(connection: Connection): void {
    if (connection.idleTimer === undefined) return;
    this.#options.timers.clearTimeout(connection.idleTimer);
    connection.idleTimer = undefined;
  }

  /** The server ends delivery on this connection: open the next one now, close this one once it is up. */
  #disconnect(connection: Connection, data: string): void {
    let reason = '';
    try {
      reason = String((JSON.parse(data) as { reason?: unknown }).reason ?? '');
    } catch {}
    this.#onEvent({ type: 'disconnect', connection: connection.id, reason });
    this.#replace(connection);
  }

  /** Opens the next connection now and closes `connection` once it is up (warm reconnect). */
  #replace(connection: Connection): void {
    connection.draining = true;
    this.#unwatch(connection);
    if (!this.#running) return;
    if (this.#timer !== undefined) return;
    this.#connect().catch((error: unknown) => this.#reconnect(error));
  }

  /** Closes a socket politely, cutting it if the closing handshake does not finish in time. */
  #close(connection: Connection): Promise<void> {
    const { socket } = connection;
    if (socket.readyState === WebSocket.CLOSED) return connection.closed;
    if (socket.readyState === WebSocket.CONNECTING) {
      socket.terminate();
      return connection.closed;
    }
    const { timers } = this.#options;
    const cut = timers.setTimeout(() => socket.terminate(), 3_000);
    void connection.closed.then(() => timers.clearTimeout(cut));
    if (socket.readyState === WebSocket.OPEN) socket.close(1000, 'bye');
    return connection.closed;
  }
}
