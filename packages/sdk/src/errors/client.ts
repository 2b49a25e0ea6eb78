import { DingbotError } from './base.js';

/**
 * Bad input, found before anything was sent: the message names the field and how to fix it.
 * @example try { validateMessage(input); } catch (error) { if (error instanceof ValidationError) console.error(error.field, error.hint); }
 */
export class ValidationError extends DingbotError {
  override name = 'ValidationError';
  /** Path of the offending field, e.g. `actionCard.btns[1].actionURL`. */
  readonly field: string;
  constructor(field: string, problem: string, fix: string) {
    super('VALIDATION', `Invalid message: ${field} ${problem}`, fix, false);
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
    super('INVALID_OPTIONS', `dingbot: option \`${option}\` ${problem}`, fix, false, { secrets });
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
