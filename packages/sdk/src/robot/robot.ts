import { type OutgoingMessage, Transport, USER_AGENT } from '../core/transport.js';
import { defaults } from '../defaults.js';
import {
  DeliveryEngine,
  type DeliveryEvents,
  type DeliveryResult,
  type DeliveryStats,
  type SendOptions,
  type Withdrawn,
} from '../delivery/engine.js';
import { robotKey } from '../delivery/key.js';
import { DELIVERY_OPTIONS, type DeliveryOptions } from '../delivery/options.js';
import { jsonStringBytes } from '../delivery/size.js';
import { isPlainObject, rejectUnknownOptions, shown } from '../errors/checks.js';
import { OptionsError } from '../errors/client.js';
import { acceptMessage } from '../messages/accept.js';
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
import { ensureKeyword } from '../messages/prepare.js';
import type { Message } from '../messages/types.js';
import { redactUrl } from '../utils/redact.js';
import { type ResolvedCoreOptions, type RobotOptions, resolveCoreOptions } from './options.js';

export type { RobotOptions } from './options.js';

/**
 * What `send()` resolves with once all of the message's content was delivered (DingTalk answered
 * `errcode: 0`): alone, inside a digest (`digestId`, `position`), or as numbered parts (`parts`).
 */
export type SendResult = DeliveryResult;

/** Options of `robot.text()` and `robot.markdown()`: who to mention, and the send's `signal`. */
export type TextOptions = MentionOptions & SendOptions;

/**
 * A DingTalk group robot. Signs, mentions, adds keywords, validates, and resolves only when DingTalk
 * answered `errcode: 0`; otherwise rejects with a classified {@link DingbotError}.
 *
 * Each message goes through one pipeline: checked and completed once when it is queued (validation,
 * mentions written into the text), paced by the delivery engine, finalised once when it is sent (the
 * keyword), then signed and posted.
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
    const { keywords } = this.#options;
    this.#engine = new DeliveryEngine({
      ...pickDelivery(options),
      key: robotKey(this.#options.token),
      maxBytes: defaults.maxBodyBytes,
      post: (message, onRetry, signal) => this.#transport.post(message as OutgoingMessage, onRetry, signal),
      finalise: (message) => this.#finalise(message),
      // A digest's `build` output is checked as a `send()` is.
      prepare: (message) => this.#accept(message),
      // The first keyword and the widest separator (a blank line), as JSON.
      finaliseBytes: keywords[0] === undefined ? 0 : jsonStringBytes(keywords[0]) + 4,
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
    return this.#finalise(this.#accept(message));
  }

  /** Checked once, without `msgUuid`, mentions written into the text; no keyword yet (a digest adds one). */
  #accept(message: Message): Message {
    return acceptMessage(message, this.#options.insertMentions);
  }

  /** What each send adds: the keyword, when none is there. */
  #finalise(message: Message): Message {
    return ensureKeyword(message, this.#options.keywords, this.#options.keywordPlacement);
  }

  /**
   * Sends a message; resolves when DingTalk answered `errcode: 0` for its content. Never blocks: the
   * message waits its turn in the robot's queue, within the rate limit, merged into a digest when more
   * is waiting than the limit lets through, split into parts when over 20000 bytes. Accepts the
   * builders' messages and DingTalk's own JSON alike; a `signal` cancels this send alone.
   * @example await robot.send(markdown('Deploy', '### Deploy done'))
   * @example await robot.send(message, { signal: AbortSignal.timeout(60_000) })
   */
  send(message: Message, options?: SendOptions): Promise<SendResult> {
    let content: Message;
    let sendOptions: SendOptions;
    try {
      sendOptions = checkSendOptions(options);
      content = this.#accept(message);
    } catch (error) {
      return Promise.reject(error);
    }
    const { msgUuid } = message;
    return this.#engine.send(msgUuid === undefined ? content : { ...content, msgUuid }, sendOptions);
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
   * Listens to delivery events (`posting`, `sent`, `retried`, `throttled`, `resumed`, `digested`,
   * `split`, `failed`, `buildFailed`, `overflow`); returns the function that stops listening.
   * @example robot.on('throttled', (e) => console.warn(`robot paused for ${e.ms} ms`));
   */
  on<K extends keyof DeliveryEvents>(type: K, listener: (event: DeliveryEvents[K]) => void): () => void {
    return this.#engine.on(type, listener);
  }

  /** Whether the robot is serving a penalty right now. */
  get paused(): boolean {
    return this.#engine.paused;
  }

  /**
   * Takes back the messages waiting in the queue (not the send under way, nor parts of a split
   * message) so they can go through another robot; each comes with the functions that settle its
   * caller's promise. `RobotPool` moves a throttled robot's queue this way.
   * @example for (const w of robot.withdraw()) other.send(w.message, { signal: w.signal }).then(w.resolve, w.reject);
   */
  withdraw(): Withdrawn[] {
    return this.#engine.withdraw();
  }

  /**
   * Sends a text message.
   * @example await robot.text('Disk full on db-1', { at: { mobiles: ['13800000000'] } })
   */
  text(content: string, options?: TextOptions): Promise<SendResult> {
    return this.#build(() => {
      const [mentions, send] = splitSignal(options);
      return [text(content, mentions), send];
    });
  }

  /** Builds with the builder's own checks, then sends; a builder's error rejects the promise. */
  #build(build: () => [Message, SendOptions | undefined]): Promise<SendResult> {
    let built: [Message, SendOptions | undefined];
    try {
      built = build();
    } catch (error) {
      return Promise.reject(error);
    }
    return this.send(built[0], built[1]);
  }

  /**
   * Sends a markdown message; `title` shows in the notification only.
   * @example await robot.markdown('Deploy done', '### Deploy done\n\n- **api** 1.4.2')
   */
  markdown(title: string, body: string, options?: TextOptions): Promise<SendResult> {
    return this.#build(() => {
      const [mentions, send] = splitSignal(options);
      return [markdown(title, body, mentions), send];
    });
  }

  /**
   * Sends a link card.
   * @example await robot.link({ title: 'Release 1.4', text: 'What changed', url: 'https://example.com/r/1.4' })
   */
  link(input: LinkInput, options?: SendOptions): Promise<SendResult> {
    return this.#build(() => [link(input), options]);
  }

  /**
   * Sends an action card with one button or several.
   * @example await robot.actionCard({ title: 'Approve?', text: 'Deploy 1.4', button: { title: 'Open', url: 'https://ci.example.com/1' } })
   */
  actionCard(input: ActionCardInput, options?: SendOptions): Promise<SendResult> {
    return this.#build(() => [actionCard(input), options]);
  }

  /**
   * Sends a feed card.
   * @example await robot.feedCard([{ title: 'Incident 311', url: 'https://status.example.com/311', picUrl: 'https://status.example.com/i.png' }])
   */
  feedCard(items: readonly FeedItemInput[], options?: SendOptions): Promise<SendResult> {
    return this.#build(() => [feedCard(items), options]);
  }
}

/** The delivery options out of the Robot's options (so none of the rest reaches the engine). */
function pickDelivery(options: RobotOptions): DeliveryOptions {
  const picked: Record<string, unknown> = {};
  for (const name of DELIVERY_OPTIONS) if (options[name] !== undefined) picked[name] = options[name];
  return picked as DeliveryOptions;
}

/** `{ at, signal }` of `robot.text()` as the builder's options and the send's. */
function splitSignal(
  options: TextOptions | undefined,
): [MentionOptions | undefined, SendOptions | undefined] {
  if (typeof options !== 'object' || options === null || !('signal' in options)) return [options, undefined];
  const { signal, ...mentions } = options;
  return [mentions, { signal }];
}

/** Checks the options of `send()`. */
function checkSendOptions(options: unknown): SendOptions {
  if (options === undefined) return {};
  if (!isPlainObject(options)) {
    throw new OptionsError('send options', `are ${shown(options)}`, 'Pass { signal } or nothing.');
  }
  rejectUnknownOptions(options, ['signal']);
  const { signal } = options;
  if (
    signal !== undefined &&
    !(typeof signal === 'object' && signal !== null && 'aborted' in signal && 'addEventListener' in signal)
  ) {
    throw new OptionsError(
      'signal',
      `is ${shown(signal)}`,
      'Give an AbortSignal, e.g. AbortSignal.timeout(60_000) or controller.signal.',
    );
  }
  return signal === undefined ? {} : { signal: signal as AbortSignal };
}
