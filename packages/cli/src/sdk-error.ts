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
  /** The SDK's structured summary: one sentence (with DingTalk's errcode and errmsg when it answered). */
  summary: { text: string; subject?: string; problem?: string };
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
 * What went wrong, in one sentence without the hint, e.g. "DingTalk refused the signature (errcode
 * 310000: sign not match)": the SDK's structured `summary`, never its `message` taken apart.
 */
export function sdkSummary(error: SdkErrorLike): string {
  return error.summary.text;
}

/**
 * An `OptionsError`'s problem without the option's name, e.g. "looks like a whole webhook URL", for a
 * sentence that names the setting as the user gave it.
 */
export function optionProblem(error: SdkErrorLike): string {
  return error.summary.problem ?? error.summary.text;
}
