import {
  isDingbotError,
  type Message,
  Robot,
  type SendOptions,
  type SendResult,
  text,
  validateMessage,
} from '@dingbot/sdk';
import { type IncomingMessage, textOf } from './message.js';
import type { OpenApiClient } from './openapi/client.js';
import { OpenApiSender } from './openapi/sender.js';
import type { ResolvedBotOptions } from './options.js';
import { type StreamedCard, streamCard } from './stream-card.js';

/**
 * How a reply was delivered: through the message's `sessionWebhook`, or through the OpenAPI
 * (`groupMessages/send`, `oToMessages/batchSend`) because the session had expired or was refused.
 */
export type ReplyResult = SendResult & { via: 'sessionWebhook' | 'openApi' };

/** Refusals of a sessionWebhook after which the OpenAPI is tried instead. */
const SESSION_REFUSED = new Set([
  'SESSION_EXPIRED',
  'UNKNOWN_TOKEN',
  'MISSING_TOKEN',
  'UNSUPPORTED_MSGTYPE',
  'HTTP_ERROR',
]);

/** A sessionWebhook this close to its expiry is not used: the reply could arrive after it. */
const SESSION_MARGIN_MS = 5_000;

/** Who wrote the message. */
export interface Sender {
  /** The userId in the organisation; `undefined` for people outside it. */
  staffId: string | undefined;
  /** The encrypted DingTalk id (`$:LWCP_v1:$…`), always there. */
  id: string;
  /** The display name. */
  nick: string;
  /** Whether the sender administers the group. */
  isAdmin: boolean;
}

/** Where the message was written. */
export interface Conversation {
  /** `'group'`, or `'direct'` for a 1:1 chat with the robot. */
  type: 'group' | 'direct';
  /** The conversation id (`cid…`; a group's openConversationId). */
  id: string;
  /** The group's name; `undefined` in a 1:1 chat. */
  title: string | undefined;
}

/**
 * One received message and the ways to answer it, handed to every middleware and handler.
 * @example bot.on('message', async (ctx, next) => { console.log(ctx.sender.nick, ctx.text); await next(); })
 */
export class Context<M extends IncomingMessage = IncomingMessage> {
  /** The message as DingTalk typed it, told apart by `msgtype`. */
  readonly message: M;
  /** The payload exactly as received, fields DingTalk added later included. */
  readonly raw: Readonly<Record<string, unknown>>;
  /** The words: text without the `@robot` and trimmed, a rich text's text, a voice message's recognition. */
  readonly text: string;
  /** Who wrote it. */
  readonly sender: Sender;
  /** Where. */
  readonly conversation: Conversation;
  /** Whether the robot was @-mentioned (always so for group messages DingTalk delivers). */
  readonly isMention: boolean;
  /** What `bot.hears()` matched: the RegExp's match (a string trigger matches the whole text). */
  match: RegExpExecArray | undefined;
  /** The command `bot.command()` matched, without `/`. */
  command: string | undefined;
  /** The words after the command, trimmed (`''` when none). */
  args: string;
  /** Free for middleware to pass things on. */
  readonly state: Record<string, unknown> = {};
  readonly #options: ResolvedBotOptions;
  readonly #openApi: OpenApiClient;
  /**
   * When the sessionWebhook expires, on the bot's clock: the life DingTalk gave it
   * (`sessionWebhookExpiredTime − createAt`) counted from when the message arrived, so a clock that is
   * off does not matter. `Infinity` when the payload does not say.
   */
  readonly #sessionDeadline: number;
  #robot: Robot | undefined;
  #sender: OpenApiSender | undefined;

  /** @internal Built by the bot for each message. */
  constructor(message: M, raw: Record<string, unknown>, options: ResolvedBotOptions, openApi: OpenApiClient) {
    this.message = message;
    this.raw = raw;
    this.#options = options;
    this.#openApi = openApi;
    const { sessionWebhookExpiredTime: expires, createAt } = message;
    this.#sessionDeadline =
      expires > 0 && createAt > 0 ? options.now() + (expires - createAt) : Number.POSITIVE_INFINITY;
    this.text = textOf(message);
    this.sender = {
      staffId: message.senderStaffId,
      id: message.senderId,
      nick: message.senderNick,
      isAdmin: message.isAdmin === true,
    };
    const group = message.conversationType === '2';
    this.conversation = {
      type: group ? 'group' : 'direct',
      id: message.conversationId,
      title: group ? message.conversationTitle : undefined,
    };
    this.isMention = message.isInAtList === true;
    this.match = undefined;
    this.command = undefined;
    this.args = '';
  }

  /**
   * Answers in the conversation. A string is sent as text that @-mentions the sender in a group; any
   * SDK message (`markdown(…)`, `actionCard(…)`, DingTalk's own JSON) is sent as it is. It goes through
   * the message's `sessionWebhook` while that is valid (`sessionWebhookExpiredTime − createAt`, about
   * 90 minutes, counted from the message's arrival), else, or when
   * DingTalk refuses it, through the OpenAPI (`groupMessages/send` in a group, `oToMessages/batchSend`
   * in a 1:1 chat, with the app access token), so a reply an hour and a half later still lands; `via`
   * says which. Both paths go through the SDK's delivery engine (paced, long text split). Rejects with
   * the SDK's typed errors.
   * @example await ctx.reply('deploying api…')
   * @example await ctx.reply(markdown('Deploy', '### done'))
   */
  async reply(message: string | Message, options?: SendOptions): Promise<ReplyResult> {
    const built = typeof message === 'string' ? this.#text(message) : message;
    const sessionValid = this.#options.now() < this.#sessionDeadline - SESSION_MARGIN_MS;
    if (sessionValid || this.#openApiTarget() === undefined) {
      try {
        this.#robot ??= new Robot({ ...this.#options.replyOptions, webhook: this.message.sessionWebhook });
        return { ...(await this.#robot.send(built, options)), via: 'sessionWebhook' };
      } catch (error) {
        if (!(isDingbotError(error) && SESSION_REFUSED.has(error.code)) || options?.signal?.aborted)
          throw error;
        if (this.#openApiTarget() === undefined) throw error;
      }
    }
    return { ...(await this.#openApiSender().send(this.#forOpenApi(built), options)), via: 'openApi' };
  }

  /**
   * Streams an answer into an AI card, for LLM bots: creates and delivers the card
   * (`POST /v1.0/card/instances/createAndDeliver`), then sends the text so far with
   * `PUT /v1.0/card/streaming` at most every `card.minIntervalMs` (500 ms by default; text that arrives
   * meanwhile goes in the next update), and a last update with `isFinalize` once `source` ends. When
   * `source` throws, the card is finalised with `isError` and the error rethrown.
   * @example await ctx.stream(llm.streamText(ctx.text)) // any AsyncIterable<string>
   */
  stream(source: AsyncIterable<string> | Iterable<string>): Promise<StreamedCard> {
    return streamCard(
      {
        client: this.#openApi,
        robotCode: this.#options.robotCode,
        conversation: this.conversation,
        userId: this.sender.staffId,
        card: this.#options.card,
        now: this.#options.now,
        timers: this.#options.timers,
      },
      source,
    );
  }

  /** Where the OpenAPI reaches this conversation: the group, or the sender 1:1. */
  #openApiTarget(): { conversationId: string } | { userIds: string[] } | undefined {
    if (this.conversation.type === 'group') return { conversationId: this.conversation.id };
    return this.sender.staffId === undefined ? undefined : { userIds: [this.sender.staffId] };
  }

  #openApiSender(): OpenApiSender {
    const target = this.#openApiTarget();
    if (target === undefined) throw new Error('unreachable: checked by the caller');
    this.#sender ??= new OpenApiSender(
      this.#openApi,
      this.#options.robotCode,
      target,
      this.#options.replyOptions,
    );
    return this.#sender;
  }

  /** A message without `at`: the OpenAPI templates have no mentions (the `@name` stays in the text). */
  #forOpenApi(message: Message): Message {
    validateMessage(message);
    if (!('at' in message) || message.at === undefined) return message;
    const { at: _at, ...rest } = message;
    return rest as Message;
  }

  /** Text that @-mentions the sender in a group, the mention first as a reply reads. */
  #text(content: string): Message {
    const { staffId } = this.sender;
    if (this.conversation.type !== 'group' || staffId === undefined) return text(content);
    const mention = `@${staffId}`;
    return text(content.includes(mention) ? content : `${mention} ${content}`, {
      at: { userIds: [staffId] },
    });
  }

  /** @internal Waits for the replies still queued, then lets the reply robot and sender go. */
  async settle(): Promise<void> {
    await Promise.all([this.#robot?.close(), this.#sender?.close()]);
  }
}
