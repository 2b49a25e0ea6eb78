import type { DingbotError } from '../errors/base.js';
import { AbortedError } from '../errors/client.js';
import { classifyDingTalkError } from '../errors/dingtalk.js';
import { HttpError, RequestError, TimeoutError } from '../errors/transport.js';
import type { Message } from '../messages/types.js';
import { utf8Length } from '../utils/bytes.js';
import { VERSION } from '../version.js';
import { anySignal, delay, type RetryPolicy, retryDelay, shouldRetry } from './retry.js';
import { createSigner } from './sign.js';

/** The part of a `fetch` response dingbot reads. */
export interface FetchResponseLike {
  readonly status: number;
  text(): Promise<string>;
}

/** The request dingbot hands to `fetch`. */
export interface FetchInit {
  method: 'POST';
  headers: Record<string, string>;
  body: string;
  signal: AbortSignal;
  redirect: 'error';
}

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
    let text: string;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json; charset=utf-8', 'User-Agent': userAgent },
        body,
        signal: cancel ? anySignal(AbortSignal.timeout(timeoutMs), cancel) : AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      });
      text = await response.text();
    } catch (cause) {
      if (isTimeout(cause)) throw new TimeoutError(timeoutMs, { cause, request, secrets });
      // fetch refuses redirects (`redirect: 'error'`) without showing the answer. Retrying cannot
      // help: the URL itself points somewhere else.
      if (/\bredirect\b/i.test(describeNetworkError(cause))) {
        throw new RequestError(
          'The webhook host answered with a redirect, which dingbot never follows (the URL carries the access token)',
          'Check `baseUrl`/`webhook`: use the https:// URL DingTalk shows; a redirect usually means http:// or a wrong host or path.',
          { cause, request, secrets },
          'REDIRECT',
          false,
        );
      }
      throw new RequestError(
        `Could not reach DingTalk: ${describeNetworkError(cause)}`,
        'Check the network, DNS and proxy (HTTPS_PROXY) between you and the webhook host, and `baseUrl`/`webhook`.',
        { cause, request, secrets },
      );
    }
    const reply = parseReply(text);
    if (response.status !== 200 || reply === undefined) {
      throw new HttpError(response.status, text, { request, secrets });
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
