import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { FetchLike } from '@dingbot/sdk';

/**
 * The SDK's `fetch`, for a CLI that sends one message and exits: `node:http`/`node:https` with
 * `Connection: close`. Node's global `fetch` takes ~20 ms to load and keeps a process alive for
 * ~100 ms after its last answer (its keep-alive pool), which a one-shot command pays every run.
 * Redirects are never followed (the URL carries the token): refused like `fetch`'s `redirect: 'error'`,
 * or answered as they are with `redirect: 'manual'`.
 */
export const oneShotFetch: FetchLike = async (url, init) => {
  const target = new URL(url);
  // node:https loads TLS: only for https URLs (an emulator on loopback is http).
  const send = target.protocol === 'https:' ? (await import('node:https')).request : httpRequest;
  return new Promise((resolve, reject) => {
    const body = Buffer.from(init.body, 'utf8');
    const manual = (init as { redirect?: string }).redirect === 'manual';
    const request = send(
      target,
      {
        method: init.method,
        headers: { ...init.headers, 'Content-Length': String(body.length), Connection: 'close' },
        signal: init.signal,
      },
      (response: IncomingMessage) => {
        const status = response.statusCode ?? 0;
        // `redirect: 'manual'` (SDKs that refuse 3xx themselves) gets the answer; `'error'` a rejection.
        if (status >= 300 && status < 400 && response.headers.location && !manual) {
          response.resume();
          reject(new TypeError(`unexpected redirect (HTTP ${status}): redirect mode is set to error`));
          return;
        }
        // The SDK reads the body itself, and stops past its bound (DingTalk answers in under 1 KB; a
        // hostile or broken server could send hundreds of MB): hand it the stream, not a whole text.
        resolve({
          status,
          body: response,
          headers: {
            get: (name: string) => {
              const value = response.headers[name.toLowerCase()];
              return typeof value === 'string' ? value : null;
            },
          },
          text: async () => {
            const chunks: Buffer[] = [];
            for await (const chunk of response) chunks.push(chunk as Buffer);
            return Buffer.concat(chunks).toString('utf8');
          },
        });
      },
    );
    // An abort by AbortSignal.timeout() carries the signal's TimeoutError as its cause, which is how
    // the SDK tells a timeout from other network failures.
    request.on('error', reject);
    request.end(body);
  });
};
