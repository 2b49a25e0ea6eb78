export type { RetryPolicy } from './core/retry.js';
export { sign } from './core/sign.js';
export type { FetchInit, FetchLike, FetchResponseLike } from './core/transport.js';
export { defaults, RETRY_POLICIES } from './defaults.js';
export type { DigestContext, DigestOptions, SendItem } from './delivery/digest.js';
export {
  DeliveryEngine,
  type DeliveryEvents,
  type DeliveryResult,
  type DeliveryStats,
  type EngineConfig,
  type PartResult,
  type PostFunction,
  type SendOptions,
  type Withdrawn,
} from './delivery/engine.js';
export { robotKey } from './delivery/key.js';
export {
  type Acquired,
  type LimiterStore,
  MemoryStore,
  type MemoryStoreOptions,
} from './delivery/limiter.js';
export type { Locale } from './delivery/locale.js';
export {
  DELIVERY_OPTIONS,
  type DeliveryOptions,
  type OverflowPolicy,
  type RateLimit,
} from './delivery/options.js';
// Used by @dingbot/relay's templates to write mentions into the text and to stay within DingTalk's limit.
export { bodyBytes } from './delivery/size.js';
export type { SplitOptions } from './delivery/split.js';
export {
  DingbotError,
  type DingbotErrorInit,
  type ErrorSummary,
  type ErrorSummaryInit,
  isDingbotError,
  type RedactedRequest,
} from './errors/base.js';
export {
  AbortedError,
  MessageTooLongError,
  OptionsError,
  QueueFullError,
  RobotClosedError,
  ValidationError,
} from './errors/client.js';
export {
  type DingbotErrorCode,
  ERROR_CODES,
  type ErrorBlame,
  type ErrorTraits,
  errorTraits,
  isDingbotErrorCode,
} from './errors/codes.js';
export {
  BadRequestError,
  BusyError,
  ContentRejectedError,
  DingTalkError,
  IpNotAllowedError,
  KeywordError,
  RateLimitedError,
  RobotUnavailableError,
  type RobotUnavailableReason,
  SecurityError,
  SessionExpiredError,
  SignatureError,
  TimestampError,
  TokenError,
  UnknownDingTalkError,
  UnsupportedMessageTypeError,
} from './errors/dingtalk.js';
export { HttpError, RequestError, TimeoutError } from './errors/transport.js';
export {
  escapeMarkdown,
  lintMarkdown,
  type MarkdownLintRule,
  type MarkdownWarning,
  markdownBreaks,
} from './markdown/index.js';
export {
  type ActionCardInput,
  actionCard,
  type ButtonInput,
  type FeedItemInput,
  feedCard,
  type LinkInput,
  link,
  type MentionOptions,
  markdown,
  text,
} from './messages/builders.js';
export { insertMentions, type KeywordPlacement } from './messages/prepare.js';
export type * from './messages/types.js';
export { validateMessage } from './messages/validate.js';
export {
  broadcast,
  type PoolSendResult,
  type PoolStrategy,
  RobotPool,
  type RobotPoolOptions,
  type Sender,
} from './pool/pool.js';
export type { MessageDefaults, RobotTarget, TransportOptions } from './robot/options.js';
export { Robot, type RobotOptions, type SendResult, type TextOptions } from './robot/robot.js';
export { utf8Length } from './utils/bytes.js';
export { redactUrl } from './utils/redact.js';
export { closest, didYouMean } from './utils/suggest.js';
export { VERSION } from './version.js';
