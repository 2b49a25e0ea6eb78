import { MessageTooLongError } from '../errors/client.js';
import {
  type ActionCardInput,
  actionCard,
  type FeedItemInput,
  feedCard,
  type LinkInput,
  link,
  type MentionOptions,
  markdown,
  text,
} from '../messages/builders.js';
import { ensureKeyword, insertMentions } from '../messages/prepare.js';
import type { Message } from '../messages/types.js';
import { validateMessage } from '../messages/validate.js';
import { utf8Length } from '../utils/bytes.js';
import { redactUrl } from '../utils/redact.js';
import { defaults } from './defaults.js';
import { type ResolvedCoreOptions, type RobotCoreOptions, resolveCoreOptions } from './options.js';
import { type OutgoingMessage, Transport, USER_AGENT } from './transport.js';

/** Everything `new Robot()` accepts. */
export type RobotOptions = RobotCoreOptions;

/** What `send()` resolves with once DingTalk answered `errcode: 0`. */
export interface SendResult {
  /** The idempotency key the message was posted with. */
  msgUuid: string;
  /** Attempts the transport made. */
  attempts: number;
  /** How the content went out. */
  delivered: 'alone';
}

/**
 * A DingTalk group robot. Signs, mentions, adds keywords, validates, and resolves only when DingTalk
 * answered `errcode: 0`; otherwise rejects with a classified {@link DingbotError}.
 * @example
 * const robot = new Robot({ webhook: process.env.DINGTALK_WEBHOOK, secret: process.env.DINGTALK_SECRET });
 * await robot.text('Build #42 passed');
 */
export class Robot {
  readonly #options: ResolvedCoreOptions;
  readonly #transport: Transport;

  constructor(options: RobotOptions) {
    this.#options = resolveCoreOptions(options, USER_AGENT);
    this.#transport = new Transport(this.#options);
  }

  /** The webhook URL with the access token redacted, for logs. */
  get url(): string {
    return redactUrl(this.#options.url);
  }

  /**
   * Returns the exact body dingbot would post (without `msgUuid`): validated, with missing `@mentions`
   * written into the text and a keyword added when needed. Throws what `send()` would throw before
   * sending. Useful for dry runs and previews.
   * @example console.log(JSON.stringify(robot.prepare(text('hi'))))
   */
  prepare(message: Message): Message {
    validateMessage(message);
    let out: Message = { ...message };
    delete out.msgUuid;
    if (this.#options.insertMentions) out = insertMentions(out);
    out = ensureKeyword(out, this.#options.keywords, this.#options.keywordPlacement);
    validateMessage(out);
    return out;
  }

  /**
   * Sends a message; resolves when DingTalk answered `errcode: 0`.
   * @example await robot.send(markdown('Deploy', '### Deploy done'))
   */
  async send(message: Message): Promise<SendResult> {
    const prepared = this.prepare(message);
    const outgoing = { ...prepared, msgUuid: message.msgUuid ?? crypto.randomUUID() } as OutgoingMessage;
    const bytes = utf8Length(JSON.stringify(outgoing));
    if (bytes > defaults.maxBodyBytes)
      throw new MessageTooLongError(bytes, defaults.maxBodyBytes, outgoing.msgtype);
    const receipt = await this.#transport.post(outgoing);
    return { msgUuid: outgoing.msgUuid, attempts: receipt.attempts, delivered: 'alone' };
  }

  /**
   * Sends a text message.
   * @example await robot.text('Disk full on db-1', { at: { mobiles: ['13800000000'] } })
   */
  text(content: string, options?: MentionOptions): Promise<SendResult> {
    return this.send(text(content, options));
  }

  /**
   * Sends a markdown message; `title` shows in the notification only.
   * @example await robot.markdown('Deploy done', '### Deploy done\n\n- **api** 1.4.2')
   */
  markdown(title: string, body: string, options?: MentionOptions): Promise<SendResult> {
    return this.send(markdown(title, body, options));
  }

  /**
   * Sends a link card.
   * @example await robot.link({ title: 'Release 1.4', text: 'What changed', url: 'https://example.com/r/1.4' })
   */
  link(input: LinkInput): Promise<SendResult> {
    return this.send(link(input));
  }

  /**
   * Sends an action card with one button or several.
   * @example await robot.actionCard({ title: 'Approve?', text: 'Deploy 1.4', button: { title: 'Open', url: 'https://ci.example.com/1' } })
   */
  actionCard(input: ActionCardInput): Promise<SendResult> {
    return this.send(actionCard(input));
  }

  /**
   * Sends a feed card.
   * @example await robot.feedCard([{ title: 'Incident 311', url: 'https://status.example.com/311', picUrl: 'https://status.example.com/i.png' }])
   */
  feedCard(items: readonly FeedItemInput[]): Promise<SendResult> {
    return this.send(feedCard(items));
  }
}
