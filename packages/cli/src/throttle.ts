import type { Message, Robot, SendResult } from 'dingbot';
import { formatDuration } from './duration.js';

/** How long `send` may wait out DingTalk's throttling. */
export interface WaitPolicy {
  /** Give up (exit code 5) once waiting would go past this; 0 fails at once. */
  maxWaitMs: number;
  /** How long DingTalk throttles a robot (10 minutes), used to say when sending resumes. */
  penaltyMs: number;
}

const POLL_MIN_MS = 1_000;
const POLL_MAX_MS = 60_000;

/**
 * Sends a message; when DingTalk throttles the robot (130101/410100), tries again with the same
 * `msgUuid` (so it is never posted twice) until it goes through or `maxWaitMs` runs out, and says
 * what it is waiting for through `progress`. The tries back off from 1 s to a minute: the real
 * penalty may be shorter than 10 minutes when it started before this process.
 */
export async function sendWithWaiting(
  robot: Robot,
  message: Message,
  policy: WaitPolicy,
  progress: (line: string) => void,
  now: () => number = Date.now,
): Promise<SendResult> {
  const outgoing: Message = { ...message, msgUuid: message.msgUuid ?? crypto.randomUUID() };
  const started = now();
  const deadline = started + policy.maxWaitMs;
  let throttledAt: number | undefined;
  for (let poll = POLL_MIN_MS; ; poll = Math.min(poll * 2, POLL_MAX_MS)) {
    try {
      const result = await robot.send(outgoing);
      if (throttledAt !== undefined)
        progress(`DingTalk accepted the message after ${formatDuration(now() - throttledAt)} of waiting.`);
      return result;
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'RATE_LIMITED') throw error;
      const at = now();
      throttledAt ??= at;
      const left = deadline - at;
      if (left <= 0) throw error;
      const pause = Math.min(poll, left);
      const resumes = Math.max(0, throttledAt + policy.penaltyMs - at);
      progress(
        `waiting for DingTalk's rate limit… (resumes in about ${formatDuration(resumes)}; next try in ${formatDuration(pause)}, giving up in ${formatDuration(left)})`,
      );
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}
