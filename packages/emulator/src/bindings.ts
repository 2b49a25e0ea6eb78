import type { IncomingMessage, ServerResponse } from 'node:http';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';

/**
 * What the emulator reads from hono's `env`. On a real port `@hono/node-server` provides
 * `incoming`/`outgoing`; `app.request()` tests can pass `{ remoteAddress: '10.1.2.3' }` as the
 * third argument to exercise the IP allow-list. Only the host process sets `env`, never a client.
 */
export interface EmulatorBindings {
  incoming?: IncomingMessage;
  outgoing?: ServerResponse;
  remoteAddress?: string;
}

export const bindingsOf = (c: Context): EmulatorBindings | undefined => c.env as EmulatorBindings | undefined;

/** The client's address, or `undefined` when unknown (an `app.request()` without `remoteAddress`). */
export function remoteAddress(c: Context): string | undefined {
  const env = bindingsOf(c);
  if (env?.remoteAddress) return env.remoteAddress;
  if (env?.incoming) return getConnInfo(c).remote.address;
  return undefined;
}

/** A request header, read straight from node's parsed headers when available (cheaper than a Headers object). */
export function headerOf(c: Context, name: string): string | undefined {
  const incoming = bindingsOf(c)?.incoming;
  if (incoming) {
    const value = incoming.headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  }
  return c.req.header(name);
}

/**
 * The request body, or `null` when it exceeds `cap` bytes. On node it reads the socket directly
 * (no web stream in between), elsewhere the web body stream; both stop at the cap.
 */
export async function readBody(c: Context, cap: number): Promise<Buffer | null> {
  const declared = headerOf(c, 'content-length');
  if (declared !== undefined && Number(declared) > cap) return null;
  const incoming = bindingsOf(c)?.incoming;
  if (incoming && !incoming.readableDidRead) return readIncoming(incoming, cap);
  const stream = c.req.raw.body;
  if (!stream) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > cap) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size);
}

function readIncoming(incoming: IncomingMessage, cap: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > cap) {
        cleanup();
        // Drain the rest so the connection can still carry the 413 answer.
        incoming.resume();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const cleanup = () => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
    };
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
  });
}
