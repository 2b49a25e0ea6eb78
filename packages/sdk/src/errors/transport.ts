import { redactSecrets, redactUrl } from '../utils/redact.js';
import { DingbotError, type DingbotErrorInit } from './base.js';
import type { DingbotErrorCode } from './codes.js';

/**
 * No usable answer: network down, DNS failure, connection refused, TLS error (`REQUEST_FAILED`,
 * retryable), or a redirect, which dingbot refuses to follow (`REDIRECT`, not retryable).
 * @example catch (error) { if (error instanceof RequestError && error.code === 'REQUEST_FAILED') console.error('network:', error.message); }
 */
export class RequestError extends DingbotError {
  override name = 'RequestError';
  constructor(
    summary: string,
    hint: string,
    init: DingbotErrorInit,
    code: Extract<DingbotErrorCode, 'REQUEST_FAILED' | 'REDIRECT' | 'TIMEOUT'> = 'REQUEST_FAILED',
    retryable = true,
  ) {
    super(code, summary, hint, retryable, init);
  }
}

/**
 * No answer within `timeoutMs`.
 * @example catch (error) { if (error instanceof TimeoutError) console.error(`no answer within ${error.timeoutMs} ms`); }
 */
export class TimeoutError extends RequestError {
  override name = 'TimeoutError';
  /** The timeout that expired, in milliseconds. */
  readonly timeoutMs: number;
  constructor(timeoutMs: number, init: DingbotErrorInit) {
    super(
      `DingTalk did not answer within ${timeoutMs} ms`,
      'Check the network or proxy between you and DingTalk, or raise `timeoutMs`.',
      init,
      'TIMEOUT',
    );
    this.timeoutMs = timeoutMs;
  }
}

/**
 * An answer that is not DingTalk's: a status other than 200, or a body that is not `{errcode, errmsg}` JSON.
 * @example catch (error) { if (error instanceof HttpError) console.error(error.status, error.bodyStart); }
 */
export class HttpError extends DingbotError {
  override name = 'HttpError';
  /** The HTTP status. */
  readonly status: number;
  /** The first 200 characters of the body, for diagnosis. */
  readonly bodyStart: string;
  /**
   * @param limitBytes Set when the answer went on past this many bytes and dingbot stopped reading it.
   */
  constructor(status: number, body: string, init: DingbotErrorInit, limitBytes?: number) {
    const retryable = status >= 500 || status === 429;
    const hint =
      limitBytes !== undefined
        ? "DingTalk's answers are under 1 KB: check `baseUrl`/`webhook` (something else is answering)."
        : status === 200
          ? 'The answer is not DingTalk JSON: check `baseUrl`/`webhook` (a proxy or captive portal may be answering).'
          : retryable
            ? 'A server on the way failed; dingbot retries these. If it lasts, check the proxy and DingTalk status.'
            : 'Check `baseUrl`/`webhook`: this is not the DingTalk robot endpoint.';
    const summary =
      limitBytes === undefined
        ? `Unexpected HTTP answer ${status}`
        : `Unexpected HTTP answer ${status}: its body is larger than ${limitBytes} bytes, so dingbot stopped reading it`;
    super('HTTP_ERROR', summary, hint, retryable, init);
    this.status = status;
    this.bodyStart = redactSecrets(redactUrl(body.slice(0, 200)), init.secrets ?? []);
  }
}
