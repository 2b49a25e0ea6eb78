import { DingbotError } from './base.js';

/**
 * Bad input, found before anything was sent: the message names the field and how to fix it.
 * @example try { validateMessage(input); } catch (error) { if (error instanceof ValidationError) console.error(error.field, error.hint); }
 */
export class ValidationError extends DingbotError {
  override name = 'ValidationError';
  /**
   * Path of the offending field as the caller wrote it: `actionCard.btns[1].actionURL` in a message given
   * to `send()`, `url` or `items[0].picUrl` in a builder's input.
   */
  readonly field: string;
  /**
   * @param field The field, as the caller wrote it.
   * @param problem What is wrong with it, e.g. `is missing`.
   * @param fix What to do about it.
   * @param where Who was given the field: `'message'` (the default) or a builder such as `'link()'`.
   */
  constructor(field: string, problem: string, fix: string, where = 'message') {
    super(
      'VALIDATION',
      { text: `Invalid ${where}: ${field} ${problem}`, subject: field, problem },
      fix,
      false,
    );
    this.field = field;
  }
}

/**
 * An option given to a constructor is wrong; the message names the package and the option.
 * @example try { new Robot({ accessToken: url }); } catch (error) { if (error instanceof OptionsError) console.error(error.option, error.message); }
 */
export class OptionsError extends DingbotError {
  override name = 'OptionsError';
  /** The option, e.g. `accessToken`. */
  readonly option: string;
  constructor(option: string, problem: string, fix: string, secrets: readonly (string | undefined)[] = []) {
    super(
      'INVALID_OPTIONS',
      { text: `option \`${option}\` ${problem}`, subject: option, problem },
      fix,
      false,
      {
        secrets,
      },
    );
    this.option = option;
  }
}

/**
 * The body is over DingTalk's 20000-byte limit (found before sending, or answered by DingTalk as 460101).
 * @example catch (error) { if (error instanceof MessageTooLongError) await robot.text(summary.slice(0, 5000)); }
 */
export class MessageTooLongError extends DingbotError {
  override name = 'MessageTooLongError';
  /** The body's size in UTF-8 bytes, when known. */
  readonly bytes: number | undefined;
  /** The limit. */
  readonly limit: number;
  constructor(
    bytes: number | undefined,
    limit: number,
    msgtype: string,
    init: ConstructorParameters<typeof DingbotError>[4] = {},
  ) {
    const size = bytes === undefined ? 'over' : `${bytes} UTF-8 bytes, over`;
    const splittable = msgtype === 'text' || msgtype === 'markdown';
    super(
      'MESSAGE_TOO_LONG',
      `The ${msgtype} message body is ${size} DingTalk's limit of ${limit} bytes`,
      splittable
        ? 'Shorten it, or leave `split` on (the default) so the delivery engine sends it as numbered parts.'
        : `Shorten it: only text and markdown messages can be split; a ${msgtype} must fit in one body.`,
      false,
      init,
    );
    this.bytes = bytes;
    this.limit = limit;
  }
}

/**
 * The robot's queue is full and its overflow policy is `'reject'`.
 * @example catch (error) { if (error instanceof QueueFullError) metrics.increment('dingtalk.dropped'); }
 */
export class QueueFullError extends DingbotError {
  override name = 'QueueFullError';
  constructor(maxQueue: number) {
    super(
      'QUEUE_FULL',
      `The robot's queue already holds its maximum of ${maxQueue} messages`,
      "Send less, raise `maxQueue`, or use `overflow: 'digest'` to merge queued messages harder.",
      true,
    );
  }
}

/**
 * `send()` was called after `close()`.
 * @example catch (error) { if (error instanceof RobotClosedError) robot = new Robot(options); }
 */
export class RobotClosedError extends DingbotError {
  override name = 'RobotClosedError';
  constructor() {
    super('ROBOT_CLOSED', 'The robot is closed', 'Create a new Robot; close() is final.', false);
  }
}

/**
 * The `signal` given to `send()` was aborted: the message was taken out of the queue (or its request
 * cut off, in which case DingTalk may still have received it). The signal's `reason` is the `cause`.
 * @example
 * const controller = new AbortController();
 * setTimeout(() => controller.abort(), 5_000);
 * try { await robot.text('hi', {}, { signal: controller.signal }); } catch (error) { if (error instanceof AbortedError) … }
 */
export class AbortedError extends DingbotError {
  override name = 'AbortedError';
  constructor(reason?: unknown) {
    super(
      'ABORTED',
      'The send was cancelled through its signal',
      'Nothing to fix: the signal given to send() was aborted. A message already on its way to DingTalk may still show.',
      false,
      reason === undefined ? {} : { cause: reason },
    );
  }
}
