export { defaults, RETRY_POLICIES } from './core/defaults.js';
export type { MessageDefaults, RobotTarget, TransportOptions } from './core/options.js';
export type { RetryPolicy } from './core/retry.js';
export { Robot, type RobotOptions, type SendResult } from './core/robot.js';
export { sign } from './core/sign.js';
export type { FetchInit, FetchLike, FetchResponseLike } from './core/transport.js';
export {
  type BuiltDigest,
  buildDigest,
  type DigestOptions,
  renderItem,
  takeDigest,
} from './delivery/digest.js';
export {
  DeliveryEngine,
  type DeliveryEvents,
  type DeliveryResult,
  type DeliveryStats,
  type EngineConfig,
  type PartResult,
  type PostFunction,
} from './delivery/engine.js';
export { robotKey } from './delivery/key.js';
export {
  type Acquired,
  type LimiterStore,
  MemoryStore,
  type MemoryStoreOptions,
} from './delivery/limiter.js';
export {
  type DeliveryOptions,
  deliveryDefaults,
  type OverflowPolicy,
  type RateLimit,
} from './delivery/options.js';
export {
  broadcast,
  type PoolSendResult,
  type PoolStrategy,
  RobotPool,
  type RobotPoolOptions,
  type Sender,
} from './delivery/pool.js';
export { bodyBytes, MAX_BODY_BYTES } from './delivery/size.js';
export { PART_LABEL, partLabel, type SplitOptions, splitMessage, splitText } from './delivery/split.js';
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
  classifyDingTalkError,
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
export { ensureKeyword, insertMentions, type KeywordPlacement } from './messages/prepare.js';
export type * from './messages/types.js';
export { MESSAGE_TYPES } from './messages/types.js';
export { validateMessage } from './messages/validate.js';
export { utf8Length } from './utils/bytes.js';
export { REDACTED, redactUrl } from './utils/redact.js';
export { VERSION } from './version.js';
