export {
  Bot,
  type CommandContext,
  type ErrorHandler,
  type FilteredContext,
  type HearsContext,
  type MessageFilter,
  type Middleware,
  type Next,
} from './bot.js';
export { Context, type Conversation, type ReplyResult, type Sender } from './context.js';
export { type DedupeStore, MemoryDedupeStore, type MemoryDedupeStoreOptions } from './dedupe.js';
export {
  type CallbackHandler,
  type CallbackOptions,
  callbackDefaults,
  type WaitUntil,
} from './http/callback.js';
export {
  type AtUser,
  type AudioIncoming,
  type FileIncoming,
  INCOMING_MSGTYPES,
  type IncomingMessage,
  IncomingMessageError,
  type IncomingMsgtype,
  type MessageBase,
  type PictureIncoming,
  parseIncoming,
  type RichTextIncoming,
  type RichTextPart,
  type TextIncoming,
  type UnknownIncoming,
  type VideoIncoming,
} from './message.js';
export type { OpenApiFetch } from './openapi/client.js';
export { OpenApiError } from './openapi/errors.js';
export { type OpenApiMessage, toOpenApiMessage } from './openapi/messages.js';
export { MAX_BATCH_USER_IDS, MAX_MSG_PARAM_BYTES, type SendTarget } from './openapi/sender.js';
export {
  type BotLogger,
  type BotOptions,
  type BotTimers,
  botDefaults,
  type ReconnectPolicy,
} from './options.js';
export { GatewayError, type ReceivedCallback, type StreamEvent } from './stream/receiver.js';
export { type CardOptions, cardDefaults, type StreamedCard } from './stream-card.js';
export {
  createTestBot,
  type EmulatorLike,
  type TestBot,
  type TestBotOptions,
  type TestReply,
} from './testing.js';
