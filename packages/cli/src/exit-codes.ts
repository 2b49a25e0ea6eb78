import type { DingbotErrorCode } from '@dingbot/sdk';

/**
 * The exit codes of `dingbot`, one place for the code, `--help` and the README. Scripts branch on
 * these, so they never change meaning.
 */
export const EXIT = {
  /** The message was delivered (DingTalk answered `errcode: 0`), or the command did its job. */
  OK: 0,
  /** A bug in dingbot, or a DingTalk refusal with no better code (content filter, unknown errcode). */
  FAILURE: 1,
  /** Wrong command line, or a message DingTalk would refuse as malformed (found before sending). */
  USAGE: 2,
  /** No robot configured, a bad config file, or an option value dingbot cannot use (e.g. a bad webhook). */
  CONFIG: 3,
  /** DingTalk's security settings refused the message (errcode 310000: sign, timestamp, keyword, IP). */
  SECURITY: 4,
  /** DingTalk throttled the robot (errcode 130101/410100) and the wait was not allowed or ran out. */
  THROTTLED: 5,
  /** DingTalk does not know the token, or the robot is disabled, gone, or its group dissolved. */
  ROBOT: 6,
  /** No answer from DingTalk: network failure, proxy, DNS, timeout, or an answer that is not DingTalk's. */
  NETWORK: 7,
} as const;

/** One of the values of {@link EXIT}. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The table shown by `dingbot --help` and in the README. */
export const EXIT_CODE_TABLE: readonly (readonly [ExitCode, string])[] = [
  [EXIT.OK, 'delivered (or the command did its job)'],
  [EXIT.FAILURE, 'internal error, or another DingTalk refusal (content filter, unknown errcode)'],
  [EXIT.USAGE, 'usage error, or an invalid message (nothing was sent)'],
  [
    EXIT.CONFIG,
    'configuration problem: no robot configured, bad config file, an option value dingbot cannot use',
  ],
  [EXIT.SECURITY, 'security refusal, errcode 310000: sign, timestamp, keyword or IP allow-list'],
  [EXIT.THROTTLED, 'throttled, errcode 130101/410100 (with --no-wait, or --wait ran out)'],
  [EXIT.ROBOT, 'unknown access token, or robot disabled / removed / group dissolved'],
  [
    EXIT.NETWORK,
    'network failure or timeout: no answer from DingTalk, or not a DingTalk answer (e.g. a redirect)',
  ],
];

/**
 * Every error `code` of `@dingbot/sdk`: {@link EXIT_CODE_OF_SDK_CODE} is checked against this union at
 * compile time, so a new SDK code cannot ship without an exit code.
 */
export type SdkErrorCode = DingbotErrorCode;

/** The exit code of each SDK error `code`: complete, so no code falls through to "internal error". */
export const EXIT_CODE_OF_SDK_CODE = {
  // The message is wrong: nothing was sent (or DingTalk refused it as malformed).
  VALIDATION: EXIT.USAGE,
  MESSAGE_TOO_LONG: EXIT.USAGE,
  UNSUPPORTED_MSGTYPE: EXIT.USAGE,
  BAD_REQUEST: EXIT.USAGE,
  INVALID_OPTIONS: EXIT.CONFIG,
  SIGN_MISMATCH: EXIT.SECURITY,
  INVALID_TIMESTAMP: EXIT.SECURITY,
  KEYWORD_MISSING: EXIT.SECURITY,
  IP_NOT_ALLOWED: EXIT.SECURITY,
  SECURITY_REJECTED: EXIT.SECURITY,
  RATE_LIMITED: EXIT.THROTTLED,
  QUEUE_FULL: EXIT.THROTTLED,
  UNKNOWN_TOKEN: EXIT.ROBOT,
  MISSING_TOKEN: EXIT.ROBOT,
  SESSION_EXPIRED: EXIT.ROBOT,
  ROBOT_DISABLED: EXIT.ROBOT,
  GROUP_DISSOLVED: EXIT.ROBOT,
  ROBOT_GONE: EXIT.ROBOT,
  REQUEST_FAILED: EXIT.NETWORK,
  TIMEOUT: EXIT.NETWORK,
  HTTP_ERROR: EXIT.NETWORK,
  // The webhook host answered with a redirect: not a DingTalk answer.
  REDIRECT: EXIT.NETWORK,
  // DingTalk answered, and refused: "system busy" after every retry, the content filter, an unknown errcode.
  DINGTALK_BUSY: EXIT.FAILURE,
  CONTENT_REJECTED: EXIT.FAILURE,
  DINGTALK_ERROR: EXIT.FAILURE,
  // send() after close(): a bug in dingbot.
  ROBOT_CLOSED: EXIT.FAILURE,
  // The send was cancelled (SIGINT/SIGTERM while it waited): not delivered, and nobody to blame.
  ABORTED: EXIT.FAILURE,
} as const satisfies Record<SdkErrorCode, ExitCode>;

/**
 * The exit code for an SDK error `code` (e.g. `SIGN_MISMATCH` → 4); {@link EXIT.FAILURE} for a code
 * this CLI does not know (a newer SDK).
 */
export function exitCodeForSdkCode(code: string): ExitCode {
  return Object.hasOwn(EXIT_CODE_OF_SDK_CODE, code)
    ? EXIT_CODE_OF_SDK_CODE[code as SdkErrorCode]
    : EXIT.FAILURE;
}
