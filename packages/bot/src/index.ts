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
export { Context, type Conversation, type Sender } from './context.js';
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
export {
  type BotLogger,
  type BotOptions,
  type BotTimers,
  botDefaults,
  type ReconnectPolicy,
} from './options.js';
export { GatewayError, type ReceivedCallback, type StreamEvent } from './stream/receiver.js';
export {
  createTestBot,
  type EmulatorLike,
  type TestBot,
  type TestBotOptions,
  type TestReply,
} from './testing.js';
