import { REDACTED, redactSecrets, redactUrl } from '../utils/redact.js';
import { type DingbotErrorCode, ERROR_CODES } from './codes.js';

const brand = Symbol.for('dingbot.error');

/** A request as errors show it: method, URL with every secret replaced by `[REDACTED]`. */
export interface RedactedRequest {
  method: string;
  url: string;
}

/**
 * What went wrong, apart from what to do about it: for programs that show or translate errors, so that
 * none has to take `message` apart.
 */
export interface ErrorSummary {
  /**
   * One sentence without the hint and without a final period; DingTalk's errcode and errmsg in brackets
   * when it answered.
   * @example 'DingTalk refused the signature (errcode 310000: sign not match)'
   */
  readonly text: string;
  /** What the error is about, as the user wrote it: an option (`secret`) or a field (`at.atMobiles`). */
  readonly subject?: string;
  /** What is wrong with `subject`, e.g. `is empty` (`text` says it too, with the subject). */
  readonly problem?: string;
}

/** The summary given to the {@link DingbotError} constructor: a sentence, or a sentence with its subject. */
export type ErrorSummaryInit = string | { text: string; subject?: string; problem?: string };

/** What every dingbot error is built from. */
export interface DingbotErrorInit {
  /** The low-level error, e.g. a `TypeError` from `fetch`. Its message is redacted too. */
  cause?: unknown;
  /** DingTalk's `errcode`, when DingTalk answered. */
  errcode?: number;
  /** DingTalk's `errmsg`, when DingTalk answered. */
  errmsg?: string;
  /** The request (its URL is redacted on the way in). */
  request?: RedactedRequest;
  /** Secrets to scrub from every text of the error (token, secret, sign). */
  secrets?: readonly (string | undefined)[];
}

/**
 * The base of every error dingbot throws. Branch on `code` (stable strings), or on the class with
 * `instanceof` or the cross-realm guard {@link isDingbotError}.
 * @example
 * try { await robot.text('hi'); } catch (error) {
 *   if (isDingbotError(error) && error.code === 'RATE_LIMITED') { ... }
 * }
 */
export class DingbotError extends Error {
  override name = 'DingbotError';
  /**
   * A stable, machine-readable identifier of what went wrong, e.g. `SIGN_MISMATCH`; its traits are in
   * {@link ERROR_CODES}.
   */
  readonly code: DingbotErrorCode;
  /** What went wrong, without the hint: for programs that show errors their own way. */
  readonly summary: ErrorSummary;
  /** DingTalk's `errcode`, when DingTalk answered. */
  readonly errcode: number | undefined;
  /** DingTalk's `errmsg`, when DingTalk answered. */
  readonly errmsg: string | undefined;
  /** Whether sending again later can succeed without changing anything. */
  readonly retryable: boolean;
  /** What to do about it, in one sentence. */
  readonly hint: string;
  /** The request, with the access token, timestamp, sign and secret redacted. */
  readonly request: RedactedRequest | undefined;

  /**
   * @param code The error's code.
   * @param summary What went wrong, one sentence without a final period.
   * @param hint What to do about it.
   * @param retryable Whether sending again can succeed unchanged; by default the code's trait.
   * @param init DingTalk's answer, the request, the cause, and the secrets to scrub.
   */
  constructor(
    code: DingbotErrorCode,
    summary: ErrorSummaryInit,
    hint: string,
    retryable?: boolean,
    init: DingbotErrorInit = {},
  ) {
    const secrets = init.secrets ?? [];
    const scrub = (text: string) => redactSecrets(text, secrets);
    // A server's text may echo the request URL: its token, timestamp and sign go too.
    const errmsg = init.errmsg === undefined ? undefined : scrub(redactUrl(init.errmsg));
    const detail = init.errcode !== undefined ? ` (errcode ${init.errcode}: ${errmsg ?? ''})` : '';
    const given = typeof summary === 'string' ? { text: summary } : summary;
    const text = scrub(`${given.text}${detail}`);
    const prefix = code === 'INVALID_OPTIONS' ? 'dingbot: ' : '';
    super(`${prefix}${text}. ${scrub(hint)}`, { cause: redactCause(init.cause, scrub) });
    Object.defineProperty(this, brand, { value: true });
    this.code = code;
    this.summary = {
      text,
      ...(given.subject === undefined ? {} : { subject: scrub(given.subject) }),
      ...(given.problem === undefined ? {} : { problem: scrub(given.problem) }),
    };
    this.errcode = init.errcode;
    this.errmsg = errmsg;
    const trait = ERROR_CODES[code]?.retryable;
    this.retryable = retryable ?? trait === true;
    this.hint = scrub(hint);
    this.request = init.request && {
      method: init.request.method,
      url: scrub(redactUrl(init.request.url)),
    };
  }

  /** A plain object for logs and `--json` output: never contains a secret. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      summary: this.summary,
      errcode: this.errcode,
      errmsg: this.errmsg,
      retryable: this.retryable,
      hint: this.hint,
      request: this.request,
    };
  }
}

/**
 * Whether a value is a dingbot error, even one from another copy of the package or another realm.
 * @example if (isDingbotError(error)) console.error(error.hint);
 */
export function isDingbotError(value: unknown): value is DingbotError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
}

/**
 * Low-level errors (some fetch implementations put the URL in their message, or in a nested cause)
 * are copied with secrets removed, along their whole `cause` chain.
 */
function redactCause(cause: unknown, scrub: (text: string) => string, depth = 0): unknown {
  if (typeof cause === 'string') return scrub(redactUrl(cause));
  if (!(cause instanceof Error)) return cause;
  // A chain this deep is not worth keeping; dropping it cannot leak.
  if (depth >= 8) return undefined;
  const message = scrub(redactUrl(cause.message));
  const inner = (cause as { cause?: unknown }).cause;
  const innerRedacted = redactCause(inner, scrub, depth + 1);
  if (message === cause.message && innerRedacted === inner) return cause;
  const copy = new Error(message, innerRedacted === undefined ? undefined : { cause: innerRedacted });
  copy.name = cause.name;
  const code = (cause as { code?: unknown }).code;
  if (code !== undefined) Object.defineProperty(copy, 'code', { value: code });
  return copy;
}

export { REDACTED };
