/**
 * Every error `code` dingbot uses, with its traits, in one table. The transport's retry policy, the
 * delivery engine, `RobotPool` and the CLI's exit codes all derive from it, so a new code cannot be
 * added without saying how each of them treats it.
 */

/**
 * Who must act for the failure to go away.
 * - `'message'`: the message itself (its shape, size or content); another robot refuses it too.
 * - `'options'`: the options given to dingbot (a constructor argument).
 * - `'robot'`: the robot's settings in DingTalk, or dingbot's view of them (token, secret, keywords, IP).
 * - `'network'`: what lies between this process and DingTalk (network, proxy, DNS, a wrong host).
 * - `'dingtalk'`: DingTalk itself (throttling, busy, an unknown refusal).
 * - `'caller'`: the program using dingbot (a full queue, a closed robot, a cancelled send).
 */
export type ErrorBlame = 'message' | 'options' | 'robot' | 'network' | 'dingtalk' | 'caller';

/** How dingbot treats one error code. */
export interface ErrorTraits {
  /** Who must act. */
  readonly blame: ErrorBlame;
  /**
   * Whether sending the same message again later can succeed without changing anything. `'status'`:
   * it depends on the HTTP status (5xx and 429 can); the error's own `retryable` says.
   */
  readonly retryable: boolean | 'status';
  /** Whether the transport retries the attempt at once, with backoff (only when `retryable` holds too). */
  readonly transportRetries: boolean;
  /** Whether a `RobotPool` sends the message through another robot (the failure is this robot's own). */
  readonly failsOver: boolean;
  /**
   * Whether the failure is about a message's content, so a digest refused with it may be refused for one
   * item only: the delivery engine sends it again in halves to find that item.
   */
  readonly aboutContent: boolean;
  /** Whether the robot is throttled: the delivery engine pauses it for the penalty instead of failing. */
  readonly pausesRobot: boolean;
}

const message = {
  blame: 'message',
  retryable: false,
  transportRetries: false,
  failsOver: false,
  aboutContent: true,
  pausesRobot: false,
} as const;
const robot = {
  blame: 'robot',
  retryable: false,
  transportRetries: false,
  failsOver: true,
  aboutContent: false,
  pausesRobot: false,
} as const;
const network = {
  blame: 'network',
  retryable: true,
  transportRetries: true,
  failsOver: true,
  aboutContent: false,
  pausesRobot: false,
} as const;

/**
 * The table of every error code and its traits. Branch on an error's `code`; look its traits up here
 * (or with {@link errorTraits}) instead of keeping your own list.
 * @example
 * const EXIT = { VALIDATION: 2, … } satisfies Record<DingbotErrorCode, number>; // fails to compile when a code is missing
 */
export const ERROR_CODES = {
  /** The message is malformed (found before sending). `ValidationError`. */
  VALIDATION: message,
  /** An option given to a constructor is wrong. `OptionsError`. */
  INVALID_OPTIONS: { ...message, blame: 'options', aboutContent: false },
  /** The body is over 20000 bytes (found before sending, or DingTalk's 460101). `MessageTooLongError`. */
  MESSAGE_TOO_LONG: message,
  /** DingTalk does not accept the `msgtype` from a webhook robot (400105). `UnsupportedMessageTypeError`. */
  UNSUPPORTED_MSGTYPE: message,
  /** DingTalk's content filter refused the message (430101–430104). `ContentRejectedError`. */
  CONTENT_REJECTED: message,
  /** DingTalk refused the request as malformed (40035, 43002, 43004, 400402, 400403). `BadRequestError`. */
  BAD_REQUEST: message,
  /** The robot's queue is full and `overflow` is `'reject'`. `QueueFullError`. */
  QUEUE_FULL: {
    blame: 'caller',
    retryable: true,
    transportRetries: false,
    failsOver: true,
    aboutContent: false,
    pausesRobot: false,
  },
  /** `send()` after `close()` or `abort()`. `RobotClosedError`. */
  ROBOT_CLOSED: {
    blame: 'caller',
    retryable: false,
    transportRetries: false,
    failsOver: true,
    aboutContent: false,
    pausesRobot: false,
  },
  /** The `signal` given to `send()` was aborted. `AbortedError`. */
  ABORTED: {
    blame: 'caller',
    retryable: false,
    transportRetries: false,
    failsOver: false,
    aboutContent: false,
    pausesRobot: false,
  },
  /** DingTalk throttled the robot (130101 / 410100). `RateLimitedError`. */
  RATE_LIMITED: {
    blame: 'dingtalk',
    retryable: true,
    transportRetries: false,
    failsOver: true,
    aboutContent: false,
    pausesRobot: true,
  },
  /** DingTalk is busy (-1). `BusyError`. */
  DINGTALK_BUSY: { ...network, blame: 'dingtalk' },
  /** An `errcode` dingbot does not know. `UnknownDingTalkError`. */
  DINGTALK_ERROR: {
    blame: 'dingtalk',
    retryable: false,
    transportRetries: false,
    failsOver: true,
    aboutContent: false,
    pausesRobot: false,
  },
  /** 310000 "sign not match". `SignatureError`. */
  SIGN_MISMATCH: robot,
  /** 310000 "invalid timestamp": this machine's clock is off. `TimestampError`. */
  INVALID_TIMESTAMP: robot,
  /** 310000 "keywords not in content". `KeywordError`. */
  KEYWORD_MISSING: robot,
  /** 310000 "ip X not in whitelist". `IpNotAllowedError`. */
  IP_NOT_ALLOWED: robot,
  /** 310000 with another reason. `SecurityError`. */
  SECURITY_REJECTED: robot,
  /** The request carried no access token. `TokenError`. */
  MISSING_TOKEN: robot,
  /** DingTalk does not know the access token. `TokenError`. */
  UNKNOWN_TOKEN: robot,
  /** A session webhook expired. `SessionExpiredError`. */
  SESSION_EXPIRED: robot,
  /** The robot is disabled (400102). `RobotUnavailableError`. */
  ROBOT_DISABLED: robot,
  /** The robot's group was dissolved (400013). `RobotUnavailableError`. */
  GROUP_DISSOLVED: robot,
  /** The robot is no longer in the group (400106). `RobotUnavailableError`. */
  ROBOT_GONE: robot,
  /** No answer: network down, DNS, connection refused, TLS. `RequestError`. */
  REQUEST_FAILED: network,
  /** No answer within `timeoutMs`. `TimeoutError`. */
  TIMEOUT: network,
  /** The webhook host answered with a redirect, which dingbot never follows. `RequestError`. */
  REDIRECT: { ...network, retryable: false, transportRetries: false },
  /** An answer that is not DingTalk's (a status other than 200, or not its JSON). `HttpError`. */
  HTTP_ERROR: { ...network, retryable: 'status' },
} as const satisfies Record<string, ErrorTraits>;

/** Every error `code` dingbot uses: the keys of {@link ERROR_CODES}. */
export type DingbotErrorCode = keyof typeof ERROR_CODES;

/**
 * The traits of an error code.
 * @example errorTraits('SIGN_MISMATCH').blame // 'robot'
 */
export function errorTraits(code: DingbotErrorCode): ErrorTraits {
  return ERROR_CODES[code];
}

/**
 * Whether a string is one of dingbot's error codes.
 * @example isDingbotErrorCode(json.error.code)
 */
export function isDingbotErrorCode(value: unknown): value is DingbotErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}
