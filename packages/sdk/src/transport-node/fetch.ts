import type { Agent, ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import {
  type FetchInit,
  type FetchLike,
  type FetchResponseLike,
  MAX_RESPONSE_BYTES,
} from '../core/transport.js';

/** Options of {@link createNodeFetch}. */
export interface NodeFetchOptions {
  /**
   * Keep connections open between sends, so a busy robot pays one TCP and TLS handshake for many
   * messages. `false` sends `Connection: close`: right for a process that sends once and exits.
   * @default true
   */
  keepAlive?: boolean;
}

/**
 * A `fetch` for the SDK built on `node:http`/`node:https`: what a Robot uses on Node by default
 * (faster per send than Node's global `fetch`, which is undici under WHATWG streams). It honours
 * the SDK's request exactly: the timeout (`timeoutMs`, or else `signal`) covers the whole answer, redirects are returned
 * (never followed) for the SDK to refuse, and at most {@link MAX_RESPONSE_BYTES} (plus one chunk)
 * of an answer is read before the connection is dropped.
 * @example
 * import { Robot } from '@dingbot/sdk';
 * import { createNodeFetch } from '@dingbot/sdk/node';
 * const robot = new Robot({ webhook, fetch: createNodeFetch({ keepAlive: false }) });
 */
export function createNodeFetch(options: NodeFetchOptions = {}): FetchLike {
  const keepAlive = options.keepAlive ?? true;
  const clients: { http?: Client; https?: Client } = {};
  const loading: { http?: Promise<Client>; https?: Promise<Client> } = {};
  const post = postWith(keepAlive);
  return (url, init) => {
    const secure = url.startsWith('https:');
    if (!secure && !url.startsWith('http:')) {
      return Promise.reject(
        new TypeError(`Only http: and https: URLs can be posted to, not ${url.split(':')[0]}:`),
      );
    }
    const scheme = secure ? 'https' : 'http';
    const client = clients[scheme];
    if (client) return post(client, url, init);
    // node:http takes ~12 ms to load and node:https ~20 ms: paid at the first send, not at import.
    loading[scheme] ??= loadClient(scheme, keepAlive).then((loaded) => {
      clients[scheme] = loaded;
      return loaded;
    });
    return loading[scheme].then((loaded) => post(loaded, url, init));
  };
}

/** One scheme's `request` and its agent (`false`: a new connection per request). */
interface Client {
  request: (
    url: string,
    options: RequestOptions,
    onResponse: (response: IncomingMessage) => void,
  ) => ClientRequest;
  agent: Agent | false;
}

/** How long an idle keep-alive socket is kept, at most (less when the server says less). */
const IDLE_SOCKET_MS = 30_000;

async function loadClient(scheme: 'http' | 'https', keepAlive: boolean): Promise<Client> {
  const http = scheme === 'https' ? await import('node:https') : await import('node:http');
  // LIFO reuses the most recent socket, so idle ones age out instead of racing the server's close.
  // A socket timeout makes the agent drop idle sockets in time, and lets it honour a server's
  // `Keep-Alive: timeout=N` (closing 1 s before the server does): without one Node ignores the hint,
  // and a send can pick a socket the server is closing (ECONNRESET).
  const agent = keepAlive
    ? new http.Agent({ keepAlive: true, scheduling: 'lifo', timeout: IDLE_SOCKET_MS })
    : false;
  return { request: http.request, agent };
}

function postWith(
  keepAlive: boolean,
): (client: Client, url: string, init: FetchInit) => Promise<FetchResponseLike> {
  return (client, url, init) =>
    new Promise<FetchResponseLike>((resolve, reject) => {
      // The SDK says when its signal carries only the timeout: then a timer of our own does the same
      // for a fraction of the cost of an abort signal and its listener.
      const { timeoutMs } = init;
      const signal = timeoutMs === undefined ? init.signal : undefined;
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const headers: Record<string, string> = {
        ...init.headers,
        'Content-Length': String(Buffer.byteLength(init.body, 'utf8')),
      };
      if (!keepAlive) headers.Connection = 'close';
      let settled = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const settle = () => {
        settled = true;
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const fail = (error: unknown) => {
        if (settled) return;
        settle();
        // An abort is reported with its reason (a TimeoutError for the SDK's timeout), which is how
        // the SDK tells a timeout from other network failures.
        reject(signal?.aborted ? signal.reason : error);
      };
      const onResponse = (response: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let bytes = 0;
        const done = () => {
          if (settled) return;
          settle();
          resolve({
            status: response.statusCode ?? 0,
            body: chunks,
            text: async () => Buffer.concat(chunks).toString('utf8'),
          });
        };
        response.on('data', (chunk: Buffer) => {
          if (settled) return;
          chunks.push(chunk);
          bytes += chunk.length;
          // Enough to know it is too long for DingTalk: the SDK reports it, the rest is never read.
          if (bytes > MAX_RESPONSE_BYTES) {
            done();
            response.destroy();
          }
        });
        response.on('end', done);
        response.on('error', fail);
        response.on('close', () => {
          if (!response.complete) fail(new Error('The connection closed before the answer ended'));
        });
      };
      const request = client.request(url, { method: init.method, headers, agent: client.agent }, onResponse);
      function onAbort() {
        request.destroy(signal?.reason);
      }
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          const error = new DOMException(`No answer within ${timeoutMs} ms`, 'TimeoutError');
          fail(error);
          request.destroy(error);
        }, timeoutMs);
      } else signal?.addEventListener('abort', onAbort, { once: true });
      request.on('error', fail);
      request.end(init.body, 'utf8');
    });
}

/**
 * The shared keep-alive `node:http` fetch that Robots use on Node when no `fetch` option is given.
 * @example new Robot({ webhook, fetch: nodeFetch }) // the same as leaving `fetch` out, on Node
 */
export const nodeFetch: FetchLike = createNodeFetch();
