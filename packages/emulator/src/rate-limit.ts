/**
 * DingTalk's per-robot throttle: at most `limit` accepted messages in any sliding window of
 * `windowMs`; the first send over the limit starts a penalty during which every send is refused.
 *
 * The window is a ring of the last `limit` acceptance times, so each check is O(1): the window is
 * full exactly when the oldest of those `limit` times is still inside it. Refused sends are not
 * recorded anywhere in the window.
 */
export class RateLimiter {
  readonly #times: Float64Array;
  #next = 0;
  #count = 0;
  #penaltyUntil = 0;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    readonly penaltyMs: number,
  ) {
    this.#times = new Float64Array(limit);
  }

  /** Ms left of the current penalty at `now`, 0 when not throttled. */
  penaltyLeft(now: number): number {
    return this.#penaltyUntil > now ? this.#penaltyUntil - now : 0;
  }

  /**
   * Throttles the robot until `now + ms`. The window starts empty after it: on DingTalk the penalty
   * (10 minutes) outlasts the window (1 minute), so nothing sent before it still counts; scaled-down
   * settings (a penalty shorter than the window) must not throttle a robot again the moment it resumes.
   */
  penalize(now: number, ms = this.penaltyMs): void {
    this.#penaltyUntil = now + ms;
    this.#count = 0;
    this.#next = 0;
  }

  /** Whether a send at `now` is allowed; when it is, it counts as accepted. */
  tryAcquire(now: number): boolean {
    if (this.#penaltyUntil > now) return false;
    if (this.#count < this.limit) {
      this.#times[this.#next] = now;
      this.#next = (this.#next + 1) % this.limit;
      this.#count++;
      return true;
    }
    // Full ring: #next points at the oldest of the last `limit` acceptances.
    if (now - (this.#times[this.#next] as number) >= this.windowMs) {
      this.#times[this.#next] = now;
      this.#next = (this.#next + 1) % this.limit;
      return true;
    }
    this.penalize(now);
    return false;
  }
}
