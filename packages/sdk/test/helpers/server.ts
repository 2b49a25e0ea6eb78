import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the server received. */
export interface RecordedRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  /** The query string, parsed. */
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The raw body, as received. */
  rawBody: Buffer;
  /** The body parsed as JSON, or `undefined` when it is not JSON. */
  body: unknown;
  /** When the request arrived (Date.now()). */
  receivedAt: number;
}

/** How the server answers one request. */
export interface Reply {
  /** @default 200 */
  status?: number;
  /** A string is sent as is; anything else as JSON. @default {errcode: 0, errmsg: 'ok'} */
  body?: unknown;
  headers?: Record<string, string>;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Close the socket without any answer. */
  destroy?: boolean;
}

/** A scripted answer: a fixed reply, or one computed from the request. */
export type Script = Reply | ((request: RecordedRequest) => Reply);

/** A real HTTP server on 127.0.0.1 whose answers a test scripts request by request. */
export interface TestServer {
  /** e.g. `http://127.0.0.1:54321` */
  readonly url: string;
  readonly port: number;
  /** Every request received, oldest first. */
  readonly requests: RecordedRequest[];
  /** Queues answers for the next requests, in order; once used up, `fallback` answers. */
  reply(...scripts: Script[]): void;
  /** What answers when the queue is empty. @default DingTalk's success */
  fallback: Script;
  /** The webhook URL of a token on this server. */
  webhook(token: string): string;
  /** Forgets requests and queued answers. */
  reset(): void;
  /** Stops the server and ends every connection. */
  close(): Promise<void>;
}

/** DingTalk's success answer. */
export const OK: Reply = { body: { errcode: 0, errmsg: 'ok' } };

/** A DingTalk refusal (HTTP 200, as DingTalk answers them). */
export function dingtalk(errcode: number, errmsg: string): Reply {
  return { body: { errcode, errmsg } };
}

/** Starts a test server on a free port of 127.0.0.1. */
export async function startServer(): Promise<TestServer> {
  const queue: Script[] = [];
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const handle: { fallback: Script } = { fallback: OK };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks);
      let body: unknown;
      try {
        body = JSON.parse(rawBody.toString('utf8'));
      } catch {
        body = undefined;
      }
      const url = req.url ?? '/';
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        url,
        query: new URL(url, 'http://localhost').searchParams,
        headers: req.headers,
        rawBody,
        body,
        receivedAt: Date.now(),
      };
      requests.push(recorded);
      const script = queue.shift() ?? handle.fallback;
      const reply = typeof script === 'function' ? script(recorded) : script;
      const answer = () => {
        if (reply.destroy) {
          req.socket.destroy();
          return;
        }
        if (res.destroyed) return;
        const payload =
          reply.body === undefined
            ? JSON.stringify(OK.body)
            : typeof reply.body === 'string'
              ? reply.body
              : JSON.stringify(reply.body);
        res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
        res.end(payload);
      };
      if (reply.delayMs) {
        const timer = setTimeout(() => {
          timers.delete(timer);
          answer();
        }, reply.delayMs);
        timers.add(timer);
      } else answer();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    port,
    requests,
    get fallback() {
      return handle.fallback;
    },
    set fallback(script: Script) {
      handle.fallback = script;
    },
    reply: (...scripts) => {
      queue.push(...scripts);
    },
    webhook: (token) => `${url}/robot/send?access_token=${encodeURIComponent(token)}`,
    reset: () => {
      queue.length = 0;
      requests.length = 0;
      handle.fallback = OK;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** A port on 127.0.0.1 that nothing listens on (a server was bound there, then closed). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
