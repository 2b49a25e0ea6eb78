import { type DingbotError, type DingbotErrorInit, isDingbotError } from '../errors/base.js';
import { AbortedError } from '../errors/client.js';
import { classifyDingTalkError } from '../errors/dingtalk.js';
import { HttpError, RequestError, TimeoutError } from '../errors/transport.js';
import type { Message } from '../messages/types.js';
import { utf8Length } from '../utils/bytes.js';
import { VERSION } from '../version.js';
import { anySignal, delay, type RetryPolicy, retryDelay, shouldRetry } from './retry.js';
import { createSigner } from './sign.js';

/**
 * A response body dingbot reads piece by piece, so it can stop at {@link MAX_RESPONSE_BYTES}: a web
 * `ReadableStream` (what `fetch` gives), or any iterable or async iterable of byte chunks (the
 * `node:http` transport's).
 */
export type ResponseBodyLike = ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

/** The part of a `fetch` response dingbot reads. */
export interface FetchResponseLike {
  /** The HTTP status; 0 for an opaque redirect (`redirect: 'manual'` in a browser-like `fetch`). */
  readonly status: number;
  /** `'opaqueredirect'` when a `redirect: 'manual'` fetch hides a redirect; otherwise ignored. */
  readonly type?: string;
  /**
   * The body as a stream. When present dingbot reads at most {@link MAX_RESPONSE_BYTES} of it and
   * cancels the rest; without it, `text()` is used (a test double, say).
   */
  readonly body?: ResponseBodyLike | null;
  /**
   * The answer's headers: a `Content-Length` within the bound lets dingbot take the body with `text()`
   * (HTTP framing stops it there), one beyond the bound is refused unread.
   */
  readonly headers?: { get(name: string): string | null };
  /** The whole body as text: used when there is no `body` stream, or its length is known and small. */
  text(): Promise<string>;
}

/** The request dingbot hands to `fetch`. */
export interface FetchInit {
  method: 'POST';
  headers: Record<string, string>;
  body: string;
  /**
   * Aborted when the attempt's timeout expires, with a `TimeoutError` as its reason. It is made on
   * first read: a transport that enforces {@link FetchInit.timeoutMs} itself need not read it.
   */
  signal: AbortSignal;
  /**
   * The attempt's timeout in milliseconds, when the `signal` carries nothing else: a transport may
   * then time the attempt out itself (rejecting with an error named `TimeoutError`) and never read
   * `signal`, which saves setting up an abort signal per request. Absent: listen to `signal`.
   */
  timeoutMs?: number;
  /**
   * Redirects are never followed (the URL carries the access token): dingbot asks for `'manual'`,
   * which every runtime accepts (workerd refuses `'error'`), and refuses any 3xx answer itself.
   */
  redirect: 'manual';
}

/**
 * The most of an answer dingbot reads: DingTalk's are under 1 KB, so anything past 64 KiB is not
 * DingTalk, and reading on would let a hostile or broken server fill the memory.
 */
export const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * The minimal `fetch` dingbot needs: the global `fetch` fits, and so does undici's (for proxies) or a
 * test double.
 */
export type FetchLike = (url: string, init: FetchInit) => Promise<FetchResponseLike>;

/** Where and how to post: resolved from the Robot options. */
export interface TransportConfig {
  /** `<base>/robot/send?access_token=…`, without timestamp and sign. */
  url: string;
  token: string;
  secret: string | undefined;
  fetch: FetchLike;
  timeoutMs: number;
  retry: RetryPolicy;
  userAgent: string;
  keywords: readonly string[];
  now: () => number;
}

/** A message as posted: with the `msgUuid` that makes retries safe. */
export type OutgoingMessage = Message & { msgUuid: string };

/** What DingTalk said when it accepted a message. */
export interface PostReceipt {
  errcode: 0;
  errmsg: string;
  /** Attempts made (1 when the first one succeeded). */
  attempts: number;
}

/** Called before each retry. */
export type RetryListener = (info: { attempt: number; delayMs: number; error: DingbotError }) => void;

/** Posts one message to DingTalk: signs each attempt afresh, classifies refusals, retries what may heal. */
export class Transport {
  readonly #config: TransportConfig;
  readonly #signer: ((timestamp: number) => string) | undefined;

  constructor(config: TransportConfig) {
    this.#config = config;
    this.#signer = config.secret === undefined ? undefined : createSigner(config.secret);
  }

  /** The webhook URL with a fresh timestamp and sign when the robot signs, and the sign (to redact). */
  #sign(timestamp: number): { url: string; signature: string | undefined } {
    const { url } = this.#config;
    if (this.#signer === undefined) return { url, signature: undefined };
    const signature = this.#signer(timestamp);
    return { url: `${url}&timestamp=${timestamp}&sign=${encodeURIComponent(signature)}`, signature };
  }

  /**
   * Posts `message`, retrying per the policy with the same `msgUuid`; throws a classified error.
   * `signal` cuts off the attempt under way and the retry delays (an `AbortedError`).
   */
  async post(message: OutgoingMessage, onRetry?: RetryListener, signal?: AbortSignal): Promise<PostReceipt> {
    const body = JSON.stringify(message);
    const policy = this.#config.retry;
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw new AbortedError(signal.reason);
      try {
        const errmsg = await this.#attempt(body, message.msgtype, signal);
        return { errcode: 0, errmsg, attempts: attempt };
      } catch (error) {
        if (signal?.aborted) throw new AbortedError(signal.reason);
        if (attempt > policy.retries || !shouldRetry(error)) throw error;
        const delayMs = retryDelay(policy, attempt);
        onRetry?.({ attempt, delayMs, error: error as DingbotError });
        await delay(delayMs, signal);
      }
    }
  }

  async #attempt(body: string, msgtype: string, cancel?: AbortSignal): Promise<string> {
    const { fetch, timeoutMs, userAgent, token, secret, keywords } = this.#config;
    const { url, signature } = this.#sign(this.#config.now());
    const secrets = [token, secret, signature];
    const request = { method: 'POST', url };
    let response: FetchResponseLike;
    let answer: BoundedText;
    const deadline = new Deadline(timeoutMs);
    try {
      const headers = { 'Content-Type': 'application/json; charset=utf-8', 'User-Agent': userAgent };
      // Without a caller's signal the attempt's only deadline is the timeout: say so (`timeoutMs`) and
      // make the signal only when a transport reads it (the Node transport times the attempt itself).
      // With one, both end the attempt, so the transport must listen to the combined signal.
      const init: FetchInit = cancel
        ? { method: 'POST', headers, body, redirect: 'manual', signal: anySignal(deadline.signal, cancel) }
        : {
            method: 'POST',
            headers,
            body,
            redirect: 'manual',
            get signal() {
              return deadline.signal;
            },
            timeoutMs,
          };
      response = await fetch(url, init);
      if (isRedirect(response)) {
        discard(response);
        throw redirectError({ request, secrets });
      }
      answer = await readBounded(response, MAX_RESPONSE_BYTES);
    } catch (cause) {
      if (isDingbotError(cause)) throw cause;
      if (isTimeout(cause)) throw new TimeoutError(timeoutMs, { cause, request, secrets });
      // A `fetch` that still refuses redirects itself (undici's `redirect: 'error'` wording, or the
      // CLI's one-shot fetch) does so without showing the answer. Only that wording counts: workerd's
      // "Invalid redirect value" is not the webhook redirecting.
      if (/\bunexpected redirect\b/i.test(describeNetworkError(cause))) {
        throw redirectError({ cause, request, secrets });
      }
      throw new RequestError(
        `Could not reach DingTalk: ${describeNetworkError(cause)}`,
        'Check the network, DNS and proxy (HTTPS_PROXY) between you and the webhook host, and `baseUrl`/`webhook`.',
        { cause, request, secrets },
      );
    } finally {
      deadline.clear();
    }
    if (answer.truncated) {
      throw new HttpError(response.status, answer.text, { request, secrets }, MAX_RESPONSE_BYTES);
    }
    const reply = parseReply(answer.text);
    if (response.status !== 200 || reply === undefined) {
      throw new HttpError(response.status, answer.text, { request, secrets });
    }
    if (reply.errcode === 0) return reply.errmsg;
    throw classifyDingTalkError(reply.errcode, reply.errmsg, {
      request,
      secrets,
      keywords,
      msgtype,
      bytes: utf8Length(body),
    });
  }
}

/** The default `User-Agent`. */
export const USER_AGENT = `dingbot/${VERSION}`;

function parseReply(text: string): { errcode: number; errmsg: string } | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return undefined;
    const { errcode, errmsg } = value as Record<string, unknown>;
    if (typeof errcode !== 'number') return undefined;
    return { errcode, errmsg: typeof errmsg === 'string' ? errmsg : '' };
  } catch {
    return undefined;
  }
}

function isTimeout(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error.name === 'TimeoutError' || (error as { cause?: Error }).cause?.name === 'TimeoutError')
  );
}

function describeNetworkError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    parts.push(typeof code === 'string' ? `${current.message} (${code})` : current.message);
    current = (current as { cause?: unknown }).cause;
  }
  return parts.join(': ') || String(error);
}

/**
 * One attempt's timeout as an abort signal made only when a transport asks for it (`fetch` does;
 * the Node transport times the attempt itself), and cleared when the attempt ends either way.
 */
class Deadline {
  readonly #timeoutMs: number;
  #controller: AbortController | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      const controller = new AbortController();
      this.#controller = controller;
      this.#timer = setTimeout(
        () => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
        this.#timeoutMs,
      );
    }
    return this.#controller.signal;
  }

  clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
  }
}

/** A 3xx answer, or the opaque stand-in a browser-like `fetch` gives for one under `redirect: 'manual'`. */
function isRedirect(response: FetchResponseLike): boolean {
  return (
    response.type === 'opaqueredirect' ||
    response.status === 0 ||
    (response.status >= 300 && response.status < 400)
  );
}

function redirectError(init: DingbotErrorInit): RequestError {
  // Retrying cannot help: the URL itself points somewhere else.
  return new RequestError(
    'The webhook host answered with a redirect, which dingbot never follows (the URL carries the access token)',
    'Check `baseUrl`/`webhook`: use the https:// URL DingTalk shows; a redirect usually means http:// or a wrong host or path.',
    init,
    'REDIRECT',
    false,
  );
}

/** Text read from an answer, and whether the answer went on past the bound. */
interface BoundedText {
  text: string;
  truncated: boolean;
}

/**
 * Reads at most `maxBytes` of the body (decoded as UTF-8), then stops and cancels the rest, so a
 * huge or endless answer costs no more than `maxBytes` of memory.
 */
export async function readBounded(response: FetchResponseLike, maxBytes: number): Promise<BoundedText> {
  const body = response.body;
  if (body === undefined || body === null) {
    const text = await response.text();
    return utf8Length(text) > maxBytes
      ? { text: text.slice(0, 200), truncated: true }
      : { text, truncated: false };
  }
  if (Array.isArray(body)) return readChunks(body as readonly Uint8Array[], maxBytes);
  const declared = declaredLength(response);
  if (declared !== undefined) {
    if (declared <= maxBytes) return { text: await response.text(), truncated: false };
    discard(response);
    return { text: '', truncated: true };
  }
  const decoder = new TextDecoder();
  let text = '';
  let bytes = 0;
  if ('getReader' in body && typeof body.getReader === 'function') {
    const reader = body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      if (bytes > maxBytes) {
        // Not awaited: a server that never ends its body must not hold the send.
        reader.cancel().catch(() => {});
        return { text: text + decoder.decode(value.subarray(0, 256)), truncated: true };
      }
      text += decoder.decode(value, { stream: true });
    }
  } else {
    for await (const value of body as AsyncIterable<Uint8Array> | Iterable<Uint8Array>) {
      bytes += value.byteLength;
      // Leaving the loop ends the iterator, which destroys a node stream.
      if (bytes > maxBytes) return { text: text + decoder.decode(value.subarray(0, 256)), truncated: true };
      text += decoder.decode(value, { stream: true });
    }
  }
  return { text: text + decoder.decode(), truncated: false };
}

/** The `Content-Length` of an answer, when it has a valid one. */
function declaredLength(response: FetchResponseLike): number | undefined {
  const value = response.headers?.get('content-length');
  if (value === null || value === undefined || !/^\d{1,15}$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

const utf8 = new TextDecoder();

/** The bounded read of a body already in memory (the Node transport's): one decode, no awaits. */
function readChunks(chunks: readonly Uint8Array[], maxBytes: number): BoundedText {
  let bytes = 0;
  for (const chunk of chunks) bytes += chunk.byteLength;
  if (chunks.length === 1) {
    const only = chunks[0]!;
    return bytes > maxBytes
      ? { text: utf8.decode(only.subarray(0, Math.min(only.byteLength, maxBytes + 256))), truncated: true }
      : { text: utf8.decode(only), truncated: false };
  }
  const joined = new Uint8Array(Math.min(bytes, maxBytes + 256));
  let at = 0;
  for (const chunk of chunks) {
    if (at >= joined.length) break;
    const piece = chunk.subarray(0, joined.length - at);
    joined.set(piece, at);
    at += piece.length;
  }
  return { text: utf8.decode(joined), truncated: bytes > maxBytes };
}

/** Lets go of an answer dingbot will not read (a redirect), so its connection is freed. */
function discard(response: FetchResponseLike): void {
  const body = response.body;
  if (body === undefined || body === null) return;
  if ('cancel' in body && typeof body.cancel === 'function') body.cancel().catch(() => {});
  else if ('destroy' in body && typeof body.destroy === 'function') (body as { destroy(): void }).destroy();
}
