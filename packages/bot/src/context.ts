import { type Message, Robot, type SendOptions, type SendResult, text } from '@dingbot/sdk';
import { type IncomingMessage, textOf } from './message.js';
import type { ResolvedBotOptions } from './options.js';

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
  #robot: Robot | undefined;

  /** @internal Built by the bot for each message. */
  constructor(message: M, raw: Record<string, unknown>, options: ResolvedBotOptions) {
    this.message = message;
    this.raw = raw;
    this.#options = options;
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
   * Answers in the conversation, through the message's `sessionWebhook`. A string is sent as text that
   * @-mentions the sender in a group; any SDK message (`markdown(…)`, `actionCard(…)`, DingTalk's own
   * JSON) is sent as it is. Rejects with the SDK's typed errors (`SessionExpiredError` once the
   * session webhook has expired, after about 90 minutes).
   * @example await ctx.reply('deploying api…')
   * @example await ctx.reply(markdown('Deploy', '### done'))
   */
  reply(message: string | Message, options?: SendOptions): Promise<SendResult> {
    let built: Message;
    try {
      built = typeof message === 'string' ? this.#text(message) : message;
      this.#robot ??= new Robot({ ...this.#options.replyOptions, webhook: this.message.sessionWebhook });
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#robot.send(built, options);
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

  /** @internal Waits for the replies still queued, then lets the reply robot go. */
  settle(): Promise<void> {
    return this.#robot?.close() ?? Promise.resolve();
  }
}
