/**
 * `@dingbot/bot/node`: the HTTP-callback receiver on Node's own `node:http`, for robots set to HTTP
 * mode. Elsewhere (Deno, Bun, workers, hono) use `bot.fetchHandler()` directly.
 * @packageDocumentation
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { OptionsError } from '@dingbot/sdk';
import type { Bot } from '../bot.js';
import type { CallbackHandler, CallbackOptions } from '../http/callback.js';

/**
 * Turns a web-standard handler (`bot.fetchHandler()`) into a `node:http` request listener, for
 * `http.createServer()` or an express/fastify route that hands over the raw request.
 * @example http.createServer(nodeListener(bot.fetchHandler())).listen(3000)
 */
export function nodeListener(
  handler: CallbackHandler,
): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  return async (req, res) => {
    try {
      const host = req.headers.host ?? '127.0.0.1';
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (value === undefined) continue;
        for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
      }
      const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
      const request = new Request(new URL(req.url ?? '/', `http://${host}`), {
        method: req.method ?? 'GET',
        headers,
        body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : null,
        duplex: 'half',
      } as RequestInit);
      const response = await handler(request);
      const body = Buffer.from(await response.arrayBuffer());
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(body);
    } catch (error) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ error: 'the callback could not be read' }));
      req.resume();
      console.error('@dingbot/bot: an HTTP callback failed', error);
    }
  };
}

/** Options of {@link startCallbackServer}. */
export interface CallbackServerOptions extends CallbackOptions {
  /**
   * The port; `0` takes any free one.
   * @default 3000
   */
  port?: number;
  /**
   * The interface to listen on.
   * @default '127.0.0.1' (put a TLS proxy in front: DingTalk posts to an https URL)
   */
  hostname?: string;
  /**
   * The path of the callback URL (消息接收地址); other paths answer 404.
   * @default '/'
   * @example '/dingtalk'
   */
  path?: string;
}

/** A running callback server. */
export interface CallbackServer {
  /** The server's base URL, e.g. `http://127.0.0.1:3000`. */
  readonly url: string;
  /** The callback URL: `url` plus the path. */
  readonly callbackUrl: string;
  /** The port it took. */
  readonly port: number;
  /** The `node:http` server. */
  readonly server: Server;
  /** Stops taking requests, then waits for the bot's handlers under way (`bot.stop()`). */
  close(): Promise<void>;
}

/**
 * Serves a bot's HTTP callbacks on Node: checks `timestamp` and `sign`, answers at once, runs the
 * handlers. Resolves once it listens.
 * @example
 * const server = await startCallbackServer(bot, { port: 3000, path: '/dingtalk' });
 * console.log(`set the robot's callback URL to ${server.callbackUrl} (behind your https proxy)`);
 * process.on('SIGTERM', () => server.close());
 */
export async function startCallbackServer(
  bot: Bot,
  options: CallbackServerOptions = {},
): Promise<CallbackServer> {
  const { port = 3000, hostname = '127.0.0.1', path = '/', ...handlerOptions } = options;
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw new OptionsError(
      'path',
      `is ${JSON.stringify(path)}`,
      "Give the callback URL's path, starting with /, e.g. '/dingtalk'.",
    );
  }
  const listener = nodeListener(bot.fetchHandler(handlerOptions));
  const server = createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    if (pathname !== path) {
      req.resume();
      res.writeHead(404, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ error: `no callback here: DingTalk's callbacks go to ${path}` }));
      return;
    }
    void listener(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, hostname, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const taken = (server.address() as AddressInfo).port;
  const url = `http://${hostname.includes(':') ? `[${hostname}]` : hostname}:${taken}`;
  return {
    url,
    callbackUrl: `${url}${path}`,
    port: taken,
    server,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await bot.stop();
    },
  };
}
