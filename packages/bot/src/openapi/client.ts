import {
  type DingbotError,
  HttpError,
  isDingbotError,
  RETRY_POLICIES,
  RequestError,
  type RetryPolicy,
  TimeoutError,
} from '@dingbot/sdk';
import { isAuthFailure, openApiError } from './errors.js';

/** The `fetch` the OpenAPI calls use: the global `fetch` fits. */
export type OpenApiFetch = (
  url: string,
  init: {
    method: 'POST' | 'PUT';
    headers: Record<string, string>;
    body: string;
    signal: AbortSignal;
    redirect: 'manual';
  },
) => Promise<{ status: number; text(): Promise<string> }>;

/** Everything an {@link OpenApiClient} needs. */
export interface OpenApiConfig {
  /** `https://api.dingtalk.com`, or the emulator's URL. */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  fetch: OpenApiFetch;
  /** The clock token lifetimes are measured with. */
  now: () => number;
  /** Per request. */
  timeoutMs: number;
  /** Network errors and 5xx answers are tried again this way. */
  retry: RetryPolicy;
  userAgent: string;
}

/** An app access token and when dingbot fetches the next one. */
interface CachedToken {
  token: string;
  /** Epoch ms after which the token is refreshed (before DingTalk's `expireIn` runs out). */
  refreshAt: number;
}

/** How long before DingTalk's expiry a token is refreshed: 5 minutes, at most half its life. */
const REFRESH_MARGIN_MS = 5 * 60_000;

/** `/v1.0/oauth2/accessToken`, the path of the app access token. */
export const ACCESS_TOKEN_PATH = '/v1.0/oauth2/accessToken';

/**
 * DingTalk's OpenAPI (`api.dingtalk.com`) for one app: the app access token fetched once, cached,
 * refreshed before it expires (one request shared by every concurrent call) and once more when DingTalk
 * says it is invalid; network errors and 5xx answers retried; refusals turned into the SDK's typed errors.
 * Neither the secret nor the token ever appears in an error.
 */
export class OpenApiClient {
  readonly #config: OpenApiConfig;
  #cached: CachedToken | undefined;
  #inflight: Promise<string> | undefined;
  #fetches = 0;

  constructor(config: OpenApiConfig) {
    this.#config = config;
  }

  /** How many access tokens were fetched so far (for tests and metrics). */
  get tokenFetches(): number {
    return this.#fetches;
  }

  /**
   * The app access token: the cached one while it is fresh, else a new one (concurrent callers share
   * one request).
   */
  accessToken(): Promise<string> {
    const cached = this.#cached;
    if (cached !== undefined && this.#config.now() < cached.refreshAt) return Promise.resolve(cached.token);
    this.#inflight ??= this.#fetchToken().finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  /** Forgets `token` if it is the cached one (DingTalk refused it), so the next call fetches another. */
  #invalidate(token: string): void {
    if (this.#cached?.token === token) this.#cached = undefined;
  }

  async #fetchToken(): Promise<string> {
    const { clientId, clientSecret, now } = this.#config;
    const json = await this.#request(
      'POST',
      ACCESS_TOKEN_PATH,
      { appKey: clientId, appSecret: clientSecret },
      {},
    );
    const token = json['accessToken'];
    const expireIn = Number(json['expireIn']);
    if (typeof token !== 'string' || token === '' || !Number.isFinite(expireIn) || expireIn <= 0) {
      throw new HttpError(200, 'an answer without accessToken and expireIn', {
        request: { method: 'POST', url: this.#config.baseUrl + ACCESS_TOKEN_PATH },
        secrets: [clientSecret],
      });
    }
    this.#fetches++;
    const lifeMs = expireIn * 1000;
    this.#cached = { token, refreshAt: now() + lifeMs - Math.min(REFRESH_MARGIN_MS, lifeMs / 2) };
    return token;
  }

  /**
   * Calls an OpenAPI with the app access token; resolves with the answer's JSON. A refused token is
   * replaced once; network errors and 5xx answers are retried per the retry policy.
   */
  async call(
    method: 'POST' | 'PUT',
    path: string,
    body: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<Record<string, unknown>> {
    let token = await this.accessToken();
    try {
      return await this.#request(method, path, body, { 'x-acs-dingtalk-access-token': token }, signal);
    } catch (error) {
      if (!(isDingbotError(error) && error.code === 'UNKNOWN_TOKEN' && isAuthFailureError(error)))
        throw error;
      this.#invalidate(token);
      token = await this.accessToken();
      return this.#request(method, path, body, { 'x-acs-dingtalk-access-token': token }, signal);
    }
  }

  async #request(
    method: 'POST' | 'PUT',
    path: string,
    body: Record<string, unknown>,
    headers: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<Record<string, unknown>> {
    const { retry } = this.#config;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#once(method, path, body, headers, signal);
      } catch (error) {
        if (attempt >= retry.retries || !retriable(error) || signal?.aborted) throw error;
        const base = Math.min(retry.maxDelayMs, retry.minDelayMs * retry.factor ** attempt);
        await sleep(retry.jitter ? base / 2 + (Math.random() * base) / 2 : base, signal);
      }
    }
  }

  async #once(
    method: 'POST' | 'PUT',
    path: string,
    body: Record<string, unknown>,
    headers: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<Record<string, unknown>> {
    const { baseUrl, clientSecret, timeoutMs, userAgent } = this.#config;
    const url = baseUrl + path;
    const token = headers['x-acs-dingtalk-access-token'];
    const secrets = token === undefined ? [clientSecret] : [clientSecret, token];
    const request = { method, url };
    // A timer of our own, cleared at once, so no timer outlives the call (bot.stop() leaves none).
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), timeoutMs);
    const both = signal === undefined ? timeout.signal : AbortSignal.any([signal, timeout.signal]);
    let status: number;
    let text: string;
    try {
      const answer = await this.#config.fetch(url, {
        method,
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          'user-agent': userAgent,
          ...headers,
        },
        body: JSON.stringify(body),
        signal: both,
        redirect: 'manual',
      });
      status = answer.status;
      text = await answer.text();
    } catch (error) {
      if (signal?.aborted) throw signal.reason ?? error;
      if (timeout.signal.aborted) throw new TimeoutError(timeoutMs, { request, secrets, cause: error });
      throw new RequestError(
        `Could not reach DingTalk's OpenAPI (${path})`,
        'Check the network or proxy between you and DingTalk, and `baseUrl`.',
        { request, secrets, cause: error },
      );
    } finally {
      clearTimeout(timer);
    }
    if (status >= 300 && status < 400) {
      throw new RequestError(
        `DingTalk's OpenAPI answered ${path} with a redirect (HTTP ${status}), which dingbot never follows`,
        'Check `baseUrl`: it should be https://api.dingtalk.com or the emulator.',
        { request, secrets },
        'REDIRECT',
        false,
      );
    }
    if (status !== 200) throw openApiError(status, text, request, secrets);
    try {
      const json: unknown = JSON.parse(text);
      if (typeof json === 'object' && json !== null && !Array.isArray(json)) {
        return json as Record<string, unknown>;
      }
    } catch {}
    throw new HttpError(status, text, { request, secrets });
  }
}

function isAuthFailureError(error: DingbotError): boolean {
  const answer = error as DingbotError & { status?: number; apiCode?: string };
  return typeof answer.status === 'number' && isAuthFailure(answer.status, answer.apiCode ?? '');
}

/** Network errors, timeouts and 5xx (never a refusal, which would fail again). */
function retriable(error: unknown): boolean {
  if (!isDingbotError(error)) return false;
  if (error.code === 'REQUEST_FAILED' || error.code === 'TIMEOUT') return true;
  return error.code === 'HTTP_ERROR' && error.retryable;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The retry policy of `replyOptions.retry`, read the way the SDK reads it. */
export function retryPolicyOf(retry: unknown): RetryPolicy {
  if (retry === false || retry === 0) return RETRY_POLICIES.none;
  if (typeof retry === 'number' && Number.isInteger(retry) && retry > 0) {
    return { ...RETRY_POLICIES.default, retries: retry };
  }
  if (typeof retry === 'string' && Object.hasOwn(RETRY_POLICIES, retry)) {
    return RETRY_POLICIES[retry as keyof typeof RETRY_POLICIES];
  }
  if (typeof retry === 'object' && retry !== null) return { ...RETRY_POLICIES.default, ...retry };
  return RETRY_POLICIES.default;
}
