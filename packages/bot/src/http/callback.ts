/**
 * DingTalk's HTTP-callback mode as a web-standard `(Request) => Promise<Response>` handler: it checks
 * the `timestamp` and `sign` headers, answers at once, and runs the bot's handlers after answering.
 * Web standards only (web crypto, `Request`, `Response`): it runs on Node, Deno, Bun and workers.
 */
import { didYouMean, OptionsError } from '@dingbot/sdk';
import type { BotLogger } from '../options.js';

/** Options of `bot.fetchHandler()`. */
export interface CallbackOptions {
  /**
   * How far the `timestamp` header may be from this server's clock. DingTalk documents one hour: an
   * older or newer request is refused (a replayed one, or a server whose clock is wrong).
   * @default 3600000 (1 hour)
   * @example 300000
   */
  maxClockSkewMs?: number;
  /**
   * The largest body accepted; a robot message is a few KiB.
   * @default 1048576 (1 MiB)
   */
  maxBodyBytes?: number;
  /**
   * The clock the timestamp is checked against (tests only).
   * @default Date.now
   */
  now?: () => number;
}

/**
 * Keeps the work after the answer alive where a platform would end it with the response (Cloudflare
 * Workers' `ctx.waitUntil`, Vercel's `waitUntil`).
 */
export interface WaitUntil {
  /** Runs `promise` to its end after the response was sent. */
  waitUntil(promise: Promise<unknown>): void;
}

/**
 * The HTTP-callback handler: give it to any server that speaks `Request`/`Response`
 * (`Deno.serve(handler)`, `Bun.serve({ fetch: handler })`, `export default { fetch: handler }` on
 * Cloudflare Workers, a hono route), or to `@dingbot/bot/node` on Node. The third argument is the
 * Workers execution context, whose `waitUntil` keeps the handlers running after the answer.
 */
export type CallbackHandler = (request: Request, env?: unknown, context?: WaitUntil) => Promise<Response>;

/** Every default of the HTTP-callback handler. */
export const callbackDefaults = {
  maxClockSkewMs: 60 * 60_000,
  maxBodyBytes: 1024 * 1024,
} as const;

/** What the handler needs from the bot: its secret, its logger and a way to run one message. */
export interface CallbackTarget {
  clientSecret: string;
  logger: BotLogger;
  /** Runs the handlers for one payload (deduplicated by msgId); resolves when they are done. */
  handle(payload: unknown): Promise<void>;
}

const encoder = new TextEncoder();

function json(status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
}

/**
 * The bytes of a base64 string in its one canonical spelling, or undefined (a `sign` must be base64).
 * `atob` ignores the unused low bits of the last character, so without the canonical check several
 * spellings of one sign would pass; comparing them involves the request alone, never the secret.
 */
function base64Bytes(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
  const binary = atob(text);
  if (btoa(binary) !== text) return undefined;
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Reads the body as text, refusing more than `max` bytes without reading them all. */
async function readBody(request: Request, max: number): Promise<string | undefined> {
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > max) return undefined;
  if (request.body === null) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.byteLength;
  }
  return new TextDecoder().decode(all);
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new OptionsError(name, `is ${String(value)}`, 'Give a positive number, or leave it out.');
  }
  return value;
}

const OPTION_NAMES = ['maxClockSkewMs', 'maxBodyBytes', 'now'] as const;
const ALIASES: Readonly<Record<string, string>> = {
  maxSkew: 'maxClockSkewMs',
  maxSkewMs: 'maxClockSkewMs',
  toleranceMs: 'maxClockSkewMs',
  maxBody: 'maxBodyBytes',
  bodyLimit: 'maxBodyBytes',
};

/**
 * Builds the HTTP-callback handler for a bot (`bot.fetchHandler()` calls this). Refusals: 405 for a
 * method other than POST, 401 for a missing, malformed or wrong `sign` or a `timestamp` outside the
 * window, 413 for a body over `maxBodyBytes`, 400 for a body that is not a JSON object. None of them
 * carries the secret or the expected sign.
 */
export function createCallbackHandler(
  target: CallbackTarget,
  options: CallbackOptions = {},
): CallbackHandler {
  if (typeof options !== 'object' || options === null) {
    throw new OptionsError(
      'options',
      'are not an object',
      'Pass { maxClockSkewMs, maxBodyBytes } or nothing.',
    );
  }
  for (const key of Object.keys(options)) {
    if (!(OPTION_NAMES as readonly string[]).includes(key)) {
      throw new OptionsError(
        key,
        'is not an option of fetchHandler()',
        didYouMean(key, OPTION_NAMES, ALIASES),
      );
    }
  }
  if (options.now !== undefined && typeof options.now !== 'function') {
    throw new OptionsError('now', 'is not a function', 'Pass () => milliseconds, or leave it out.');
  }
  const maxSkew = positive('maxClockSkewMs', options.maxClockSkewMs, callbackDefaults.maxClockSkewMs);
  const maxBody = positive('maxBodyBytes', options.maxBodyBytes, callbackDefaults.maxBodyBytes);
  const now = options.now ?? Date.now;
  const { clientSecret, logger } = target;
  let key: Promise<CryptoKey> | undefined;

  const refuse = (status: number, error: string): Response => {
    logger.warn(`@dingbot/bot: an HTTP callback was refused (${status}): ${error}`);
    return json(status, { error });
  };

  return async (request, _env, context) => {
    if (request.method !== 'POST') {
      return json(
        405,
        { error: `DingTalk posts callbacks; ${request.method} is not accepted` },
        { allow: 'POST' },
      );
    }
    const timestamp = request.headers.get('timestamp')?.trim() ?? '';
    const sign = request.headers.get('sign')?.trim() ?? '';
    if (timestamp === '' || sign === '') {
      return refuse(
        401,
        `the ${timestamp === '' ? 'timestamp' : 'sign'} header is missing: only DingTalk's signed callbacks are accepted`,
      );
    }
    if (!/^\d{1,16}$/.test(timestamp)) {
      return refuse(401, 'the timestamp header is not a number of milliseconds');
    }
    const skew = now() - Number(timestamp);
    if (Math.abs(skew) > maxSkew) {
      const minutes = Math.round(Math.abs(skew) / 60_000);
      return refuse(
        401,
        `the timestamp header is ${minutes} min ${skew > 0 ? 'old' : 'in the future'}; at most ${Math.round(maxSkew / 60_000)} min is accepted (a replayed request, or a wrong clock here)`,
      );
    }
    const signature = base64Bytes(sign);
    key ??= crypto.subtle.importKey(
      'raw',
      encoder.encode(clientSecret),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['verify'],
    );
    // verify() compares in constant time; the string signed is `timestamp + "\n" + appSecret`.
    const valid =
      signature !== undefined &&
      (await crypto.subtle.verify(
        'HMAC',
        await key,
        signature,
        encoder.encode(`${timestamp}\n${clientSecret}`),
      ));
    if (!valid) {
      return refuse(
        401,
        "the sign header does not match: the bot's clientSecret must be the AppSecret of the app whose robot posts here",
      );
    }
    const body = await readBody(request, maxBody);
    if (body === undefined) return refuse(413, `the body is over ${maxBody} bytes`);
    let payload: unknown;
    try {
      payload = JSON.parse(body);
    } catch {
      return refuse(400, 'the body is not JSON');
    }
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
      return refuse(400, 'the body is not a JSON object');
    }
    // Answer first, run the handlers after: a slow handler must not hold DingTalk's request.
    const work = target
      .handle(payload)
      .catch((error: unknown) => logger.error('@dingbot/bot: an HTTP callback could not be handled', error));
    context?.waitUntil(work);
    return json(200, { msgtype: 'empty' });
  };
}
