import { WebSocket } from 'ws';
import type { EmulatorTimers } from '../src/index.js';

/** A clock and timers a test moves by hand: `advance(ms)` runs every timer that falls due, in order. */
export function manualTime(start = Date.UTC(2026, 0, 1)) {
  let now = start;
  const pending = new Set<{ due: number; callback: () => void }>();
  const timers: EmulatorTimers = {
    setTimeout(callback, ms) {
      const timer = { due: now + ms, callback };
      pending.add(timer);
      return timer;
    },
    clearTimeout(handle) {
      pending.delete(handle as { due: number; callback: () => void });
    },
  };
  return {
    now: () => now,
    timers,
    /** Timers not yet run. */
    get pending() {
      return pending.size;
    },
    advance(ms: number) {
      const until = now + ms;
      for (;;) {
        const due = [...pending].filter((t) => t.due <= until).sort((a, b) => a.due - b.due)[0];
        if (!due) break;
        pending.delete(due);
        now = due.due;
        due.callback();
      }
      now = until;
    },
  };
}

/** A downstream frame as the Stream protocol documents it. */
export interface Frame {
  specVersion: string;
  type: 'SYSTEM' | 'EVENT' | 'CALLBACK';
  headers: Record<string, string>;
  data: string;
}

/**
 * A Stream-mode client written from the protocol alone: open a connection (POST with
 * `Accept: application/json`), connect the WebSocket with the ticket, read frames, send acks.
 */
export class ProtocolClient {
  readonly frames: Frame[] = [];
  #waiters: { match: (frame: Frame) => boolean; resolve: (frame: Frame) => void }[] = [];
  #seen = 0;
  closed: Promise<number>;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as Frame;
      this.frames.push(frame);
      this.#waiters = this.#waiters.filter((waiter) => {
        if (!waiter.match(frame)) return true;
        waiter.resolve(frame);
        return false;
      });
    });
    this.closed = new Promise((resolve) => socket.once('close', (code) => resolve(code)));
  }

  static async open(
    baseUrl: string,
    clientId: string,
    clientSecret: string,
    topics = ['/v1.0/im/bot/messages/get'],
  ): Promise<ProtocolClient> {
    const res = await fetch(`${baseUrl}/v1.0/gateway/connections/open`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({
        clientId,
        clientSecret,
        subscriptions: [
          { type: 'EVENT', topic: '*' },
          ...topics.map((topic) => ({ type: 'CALLBACK', topic })),
        ],
        ua: 'dingbot-test/1.0',
      }),
    });
    if (res.status !== 200) throw new Error(`open failed: ${res.status} ${await res.text()}`);
    const { endpoint, ticket } = (await res.json()) as { endpoint: string; ticket: string };
    const socket = new WebSocket(`${endpoint}?ticket=${encodeURIComponent(ticket)}`);
    // Listen before the socket opens: frames sent on connection can arrive with the handshake.
    const client = new ProtocolClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return client;
  }

  /** The next frame (not returned before) matching `match`. */
  next(match: (frame: Frame) => boolean = () => true): Promise<Frame> {
    for (let i = this.#seen; i < this.frames.length; i++) {
      const frame = this.frames[i] as Frame;
      if (match(frame)) {
        this.#seen = i + 1;
        return Promise.resolve(frame);
      }
    }
    return new Promise((resolve) => {
      this.#waiters.push({
        match,
        resolve: (frame) => {
          this.#seen = this.frames.length;
          resolve(frame);
        },
      });
    });
  }

  /** The next CALLBACK frame of the robot topic. */
  nextCallback(): Promise<Frame> {
    return this.next((frame) => frame.type === 'CALLBACK');
  }

  ack(messageId: string, code = 200): void {
    this.socket.send(
      JSON.stringify({
        code,
        headers: { contentType: 'application/json', messageId },
        message: 'OK',
        data: JSON.stringify({ response: null }),
      }),
    );
  }

  /** Echoes a SYSTEM ping as the protocol requires. */
  echo(ping: Frame): void {
    this.socket.send(JSON.stringify({ code: 200, headers: ping.headers, message: 'OK', data: ping.data }));
  }

  close(): Promise<number> {
    this.socket.close();
    return this.closed;
  }
}

/** POSTs JSON and returns status and parsed body. */
export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}
