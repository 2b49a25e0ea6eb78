import type { Message, Robot, SendResult } from '@dingbot/sdk';
import { formatDuration } from './duration.js';
import { CLIError } from './errors.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import type { Output } from './output.js';
import { sdkSummary } from './sdk-error.js';

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
 * How `send` tells what it waits for, on stderr: `live` redraws a countdown on a terminal, `lines`
 * prints one plain line when the wait starts and one when sending resumes (CI logs), `off` is silent.
 */
export type ProgressMode = 'live' | 'lines' | 'off';

/**
 * Sends one message through the robot's delivery engine, which waits out a penalty by itself. Says
 * what it waits for on stderr as `mode` asks, and gives up at once when the pause would end after
 * `maxWaitMs`. `now` is the clock of the printed timestamps. `mode` may be a function, asked the first
 * time there is something to say: whether stderr is a terminal is then looked up only when needed.
 */
export async function deliver(
  robot: Robot,
  message: Message,
  policy: WaitPolicy,
  out: Output,
  progress: ProgressMode | (() => ProgressMode),
  now: () => number = Date.now,
): Promise<SendResult> {
  const started = now();
  let chosen: ProgressMode | undefined;
  const mode = (): ProgressMode => {
    chosen ??= typeof progress === 'function' ? progress() : progress;
    return chosen;
  };
  const ticker = new Ticker(out, () => mode() === 'live');
  const iso = (ms: number) => new Date(ms).toISOString();
  /** When the current wait began (first throttle answer), until the message goes through. */
  let waitingSince: number | undefined;
  /** The engine resumed after a pause; said once the send is through (it may be throttled again). */
  let resumed = false;
  const sayResumed = () => {
    if (waitingSince === undefined || !resumed) return;
    const waited = formatDuration(now() - waitingSince);
    if (mode() === 'lines') out.err(`dingbot: ${iso(now())} resumed sending after waiting ${waited}`);
    if (mode() === 'live') out.err(out.style('yellow', `resumed after ${waited} of DingTalk's rate limit.`));
    waitingSince = undefined;
    resumed = false;
  };
  const stops = [
    robot.on('throttled', (event) => {
      const left = event.until - now();
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
      if (mode() === 'lines') {
        const reason = event.error?.errcode
          ? `errcode ${event.error.errcode}: ${event.error.errmsg}`
          : 'the rate limit shared with other senders';
        const limit = `--wait allows until ${iso(started + policy.maxWaitMs)}`;
        out.err(
          waitingSince === undefined
            ? `dingbot: ${iso(now())} DingTalk throttled the robot (${reason}); waiting until ${iso(event.until)}, then sending (${limit})`
            : `dingbot: ${iso(now())} still throttled (${reason}); waiting until ${iso(event.until)}`,
        );
      }
      waitingSince ??= now();
      resumed = false;
      ticker.start(event.until);
    }),
    robot.on('resumed', () => {
      ticker.stop();
      resumed = true;
    }),
    robot.on('sent', sayResumed),
    robot.on('retried', (event) => {
      if (mode() !== 'off') {
        out.err(
          out.style(
            'yellow',
            `${sdkSummary(event.error)}: retrying in ${formatDuration(event.delayMs)} (attempt ${event.attempt + 1})…`,
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

/** The live "waiting for DingTalk's rate limit… (resumes in 9m58s)" line on a terminal. */
class Ticker {
  #timer: ReturnType<typeof setInterval> | undefined;
  #live = false;

  constructor(
    private readonly out: Output,
    private readonly enabled: () => boolean,
  ) {}

  start(until: number): void {
    if (!this.enabled()) return;
    this.stop();
    const line = () =>
      `waiting for DingTalk's rate limit… (resumes in ${formatDuration(Math.max(0, until - Date.now()))})`;
    // A live countdown on one line.
    this.#live = true;
    const draw = () => this.out.write('err', `\r\u001b[2K${this.out.style('yellow', line())}`);
    draw();
    this.#timer = setInterval(draw, 1000);
    this.#timer.unref?.();
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#live) this.out.write('err', '\n');
    this.#live = false;
  }
}
