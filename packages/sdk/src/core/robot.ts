import {
  DeliveryEngine,
  type DeliveryEvents,
  type DeliveryResult,
  type DeliveryStats,
} from '../delivery/engine.js';
import { robotKey } from '../delivery/key.js';
import type { DeliveryOptions } from '../delivery/options.js';
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
import { redactUrl } from '../utils/redact.js';
import { defaults } from './defaults.js';
import { type ResolvedCoreOptions, type RobotCoreOptions, resolveCoreOptions } from './options.js';
import { type OutgoingMessage, Transport, USER_AGENT } from './transport.js';

/** Everything `new Robot()` accepts: where to post, how, what to add, and how to pace delivery. */
export type RobotOptions = RobotCoreOptions & DeliveryOptions;

/**
 * What `send()` resolves with once all of the message's content was delivered (DingTalk answered
 * `errcode: 0`): alone, inside a digest (`digestId`, `position`), or as numbered parts (`parts`).
 */
export type SendResult = DeliveryResult;

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
  readonly #engine: DeliveryEngine;

  constructor(options: RobotOptions) {
    this.#options = resolveCoreOptions(options, USER_AGENT);
    this.#transport = new Transport(this.#options);
    this.#engine = new DeliveryEngine({
      ...pickDelivery(options),
      key: robotKey(this.#options.token),
      maxBytes: defaults.maxBodyBytes,
      post: (message, onRetry) => this.#transport.post(message as OutgoingMessage, onRetry),
      prepare: (message) => this.prepare(message),
      content: (message) => this.#content(message),
    });
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
    const out = ensureKeyword(this.#content(message), this.#options.keywords, this.#options.keywordPlacement);
    validateMessage(out);
    return out;
  }

  /** Validated, without `msgUuid`, mentions written into the text; no keyword yet (digests add one). */
  #content(message: Message): Message {
    validateMessage(message);
    const out: Message = { ...message };
    delete out.msgUuid;
    return this.#options.insertMentions ? insertMentions(out) : out;
  }

  /**
   * Sends a message; resolves when DingTalk answered `errcode: 0` for its content. Never blocks: the
   * message waits its turn in the robot's queue, within the rate limit, merged into a digest when more
   * is waiting than the limit lets through, split into parts when over 20000 bytes.
   * @example await robot.send(markdown('Deploy', '### Deploy done'))
   */
  send(message: Message): Promise<SendResult> {
    return this.#engine.send(message);
  }

  /**
   * Resolves when everything queued so far was delivered or has failed.
   * @example robot.text('a'); robot.text('b'); await robot.flush();
   */
  flush(): Promise<void> {
    return this.#engine.flush();
  }

  /**
   * Refuses new sends, then resolves once everything queued was delivered or has failed.
   * @example process.on('SIGTERM', () => robot.close().then(() => process.exit(0)));
   */
  close(): Promise<void> {
    return this.#engine.close();
  }

  /**
   * Refuses new sends and rejects everything queued at once (the send under way still settles).
   * @example robot.abort(); // shutting down during a 10-minute penalty
   */
  abort(error?: unknown): void {
    this.#engine.abort(error);
  }

  /**
   * A snapshot of the robot's delivery counters, for metrics.
   * @example const { queued, sends, digests, throttles } = robot.stats();
   */
  stats(): DeliveryStats {
    return this.#engine.stats();
  }

  /**
   * Listens to delivery events (`sent`, `retried`, `throttled`, `resumed`, `digested`, `split`,
   * `failed`, `overflow`); returns the function that stops listening.
   * @example robot.on('throttled', (e) => console.warn(`robot paused for ${e.ms} ms`));
   */
  on<K extends keyof DeliveryEvents>(type: K, listener: (event: DeliveryEvents[K]) => void): () => void {
    return this.#engine.on(type, listener);
  }

  /** Whether the robot is serving a penalty right now. */
  get paused(): boolean {
    return this.#engine.paused;
  }

  /** @internal The engine, for `RobotPool`. */
  get engine(): DeliveryEngine {
    return this.#engine;
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

/** The delivery options out of the Robot's options (so none of the rest reaches the engine). */
function pickDelivery(options: RobotOptions): DeliveryOptions {
  const { rateLimit, penaltyMs, penalty, digest, split, maxQueue, overflow, store, keepAlive } = options;
  return { rateLimit, penaltyMs, penalty, digest, split, maxQueue, overflow, store, keepAlive };
}
