import type { Message, Robot, SendResult } from '@dingbot/sdk';
import { formatDuration } from './duration.js';
import { CLIError } from './errors.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import type { Output } from './output.js';

/** How long `send` may wait out DingTalk's throttling. */
export interface WaitPolicy {
  /** The longest pause accepted; a penalty that ends later fails at once with exit code 5. 0: never wait. */
  maxWaitMs: number;
}

/** DingTalk throttled the robot and the pause is longer than `--wait` allows (or `--no-wait`). */
export class ThrottledError extends CLIError {
  override name = 'ThrottledError';
  override readonly exitCode: ExitCode = EXIT.THROTTLED;
  override readonly code = 'RATE_LIMITED';
}

/**
 * Sends one message through the robot's delivery engine, which waits out a penalty by itself. Says
 * what it waits for on stderr when `progress` is on (a live countdown on a terminal, a line every
 * 30 s otherwise), and gives up at once when the pause would end after `maxWaitMs`.
 */
export async function deliver(
  robot: Robot,
  message: Message,
  policy: WaitPolicy,
  out: Output,
  progress: boolean,
): Promise<SendResult> {
  const started = Date.now();
  const ticker = new Ticker(out, progress);
  const stops = [
    robot.on('throttled', (event) => {
      const left = event.until - Date.now();
      if (event.until - started > policy.maxWaitMs) {
        const error = new ThrottledError(
          `DingTalk throttled the robot${event.error?.errcode ? ` (errcode ${event.error.errcode}: ${event.error.errmsg})` : ''}; it resumes in about ${formatDuration(left)}, ${policy.maxWaitMs === 0 ? 'and --no-wait was given' : `longer than --wait ${formatDuration(policy.maxWaitMs)} allows`}`,
          {
            hint: 'DingTalk allows 20 messages a minute per robot, then pauses it for about 10 minutes: send again later, allow a longer --wait, or merge messages into one markdown summary.',
          },
        );
        // After the engine has armed its timer, so abort() clears it and the process can exit.
        setImmediate(() => robot.abort(error));
        return;
      }
      ticker.start(event.until);
    }),
    robot.on('resumed', (event) => {
      ticker.stop();
      if (progress)
        out.err(
          out.style('yellow', `resumed after ${formatDuration(event.pausedMs)} of DingTalk's rate limit.`),
        );
    }),
    robot.on('retried', (event) => {
      if (progress) {
        out.err(
          out.style(
            'yellow',
            `${summaryOf(event.error)}: retrying in ${formatDuration(event.delayMs)} (attempt ${event.attempt + 1})…`,
          ),
        );
      }
    }),
  ];
  try {
    return await robot.send(message);
  } finally {
    for (const stop of stops) stop();
    ticker.stop();
  }
}

/** An SDK error's first sentence, without its hint: "Could not reach DingTalk: … (ECONNREFUSED)". */
function summaryOf(error: { code: string; message: string; hint: string }): string {
  const text = error.message.endsWith(error.hint)
    ? error.message.slice(0, -error.hint.length)
    : error.message;
  return text.trim().replace(/\.$/, '') || error.code;
}

/** The "waiting for DingTalk's rate limit… (resumes in 9m58s)" line. */
class Ticker {
  #timer: ReturnType<typeof setInterval> | undefined;
  #live = false;

  constructor(
    private readonly out: Output,
    private readonly enabled: boolean,
  ) {}

  start(until: number): void {
    if (!this.enabled) return;
    this.stop();
    const line = () =>
      `waiting for DingTalk's rate limit… (resumes in ${formatDuration(Math.max(0, until - Date.now()))})`;
    if (this.out.stderrIsTTY) {
      // A live countdown on one line.
      this.#live = true;
      const draw = () => this.out.write('err', `\r\u001b[2K${this.out.style('yellow', line())}`);
      draw();
      this.#timer = setInterval(draw, 1000);
    } else {
      this.out.err(line());
      this.#timer = setInterval(() => this.out.err(line()), 30_000);
    }
    this.#timer.unref?.();
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#live) this.out.write('err', '\n');
    this.#live = false;
  }
}
