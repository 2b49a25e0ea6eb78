/**
 * The CLI's one view of an `@dingbot/sdk` error, recognised by its brand without importing the SDK
 * (so `--help` and usage errors never load it).
 */

const dingbotBrand = Symbol.for('dingbot.error');

/** The fields of an SDK error the CLI reads. */
export interface SdkErrorLike {
  code: string;
  message: string;
  hint: string;
  errcode?: number;
  errmsg?: string;
  retryable?: boolean;
  /** The SDK's structured summary: what went wrong, without errcode and hint (newer SDKs). */
  summary?: unknown;
  /** The option an `OptionsError` is about, e.g. `accessToken`. */
  option?: unknown;
}

/** Whether a value is an SDK error, from any copy of the package. */
export function isSdkError(error: unknown): error is SdkErrorLike {
  return (
    typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[dingbotBrand] === true
  );
}

/**
 * What went wrong, in one sentence without DingTalk's errcode or the hint, e.g. "Could not reach
 * DingTalk: connect ECONNREFUSED 127.0.0.1:9". The SDK's structured `summary` when it has one.
 *
 * The fallback is the one place the CLI takes an SDK `message` apart (it is "<summary> (errcode N:
 * errmsg). <hint>"); it goes once every SDK error carries `summary`.
 */
export function sdkSummary(error: SdkErrorLike): string {
  if (typeof error.summary === 'string') return error.summary;
  if (isRecord(error.summary) && typeof error.summary.text === 'string') return error.summary.text;
  let text = error.message.endsWith(error.hint) ? error.message.slice(0, -error.hint.length) : error.message;
  text = text
    .trim()
    .replace(/\.$/, '')
    .replace(/^dingbot: /, '');
  const detail = error.errcode !== undefined ? ` (errcode ${error.errcode}: ${error.errmsg ?? ''})` : '';
  if (detail !== '' && text.endsWith(detail)) text = text.slice(0, -detail.length);
  return text || error.code;
}

/**
 * An `OptionsError`'s problem without the option's name, e.g. "looks like a whole webhook URL", for a
 * sentence that names the setting as the user gave it. Parses the summary (see {@link sdkSummary}).
 */
export function optionProblem(error: SdkErrorLike): string {
  return sdkSummary(error).replace(/^option `[^`]+` /, '');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
