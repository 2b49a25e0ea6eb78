/** The answer of {@link LimiterStore.acquire}. */
export type Acquired =
  | {
      ok: true;
      /** Sends still allowed in the current window after this one. */
      remaining: number;
      /** Identifies the slot, to {@link LimiterStore.settle} it when the send is over. */
      ticket: string;
    }
  | {
      ok: false;
      /** When to ask again. */
      retryInMs: number;
      /** `'rate'`: the window is full; `'penalty'`: the robot is serving a penalty. */
      reason: 'rate' | 'penalty';
    };

/**
 * Where a robot's sliding window and penalty live. The default, {@link MemoryStore}, serves one
 * process; `@dingbot/redis` shares them between processes and machines. Keys identify a robot (a
 * hash of its token, never the token itself).
 * Implementations must be atomic per key: two callers never both get the last slot.
 */
export interface LimiterStore {
  /**
   * Takes one slot of `key`'s window of `limit` sends per `windowMs` if one is free and the robot
   * is not penalised.
   */
  acquire(key: string, limit: number, windowMs: number): Promise<Acquired>;
  /**
   * Marks the slot as used now: called when the send is over, so the window counts from when DingTalk
   * surely had the request (it reached DingTalk between acquire and settle).
   */
  settle(key: string, ticket: string): Promise<void>;
  /** Starts (or extends) a penalty of `ms` for `key`: every acquire answers `'penalty'` until it ends. */
  penalize(key: string, ms: number): Promise<void>;
  /** Milliseconds left of `key`'s penalty, 0 when none. */
  penaltyRemaining(key: string): Promise<number>;
}

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /**
   * The clock (tests).
   * @default Date.now
   */
  now?: () => number;
}

interface WindowState {
  /** Timestamps of the last `limit` sends, oldest first (a ring). */
  times: number[];
  tickets: string[];
  head: number;
  size: number;
  penaltyUntil: number;
}

/**
 * A {@link LimiterStore} in this process's memory: a sliding-window log per key, at most `limit`
 * timestamps each. The default store of every `Robot`.
 * @example new Robot({ webhook, store: new MemoryStore() })
 */
export class MemoryStore implements LimiterStore {
  readonly #now: () => number;
  readonly #windows = new Map<string, WindowState>();
  #tickets = 0;

  constructor(options: MemoryStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
  }

  #state(key: string, limit: number): WindowState {
    let state = this.#windows.get(key);
    if (!state || state.times.length !== limit) {
      state = {
        times: new Array(limit).fill(0),
        tickets: new Array(limit).fill(''),
        head: 0,
        size: 0,
        penaltyUntil: state?.penaltyUntil ?? 0,
      };
      this.#windows.set(key, state);
    }
    return state;
  }

  async acquire(key: string, limit: number, windowMs: number): Promise<Acquired> {
    const now = this.#now();
    const state = this.#state(key, limit);
    if (state.penaltyUntil > now)
      return { ok: false, retryInMs: state.penaltyUntil - now, reason: 'penalty' };
    while (state.size > 0 && state.times[state.head]! <= now - windowMs) {
      state.head = (state.head + 1) % limit;
      state.size--;
    }
    if (state.size >= limit) {
      return {
        ok: false,
        retryInMs: Math.max(1, state.times[state.head]! + windowMs - now + 1),
        reason: 'rate',
      };
    }
    const ticket = String(++this.#tickets);
    const at = (state.head + state.size) % limit;
    state.times[at] = now;
    state.tickets[at] = ticket;
    state.size++;
    return { ok: true, remaining: limit - state.size, ticket };
  }

  async settle(key: string, ticket: string): Promise<void> {
    const state = this.#windows.get(key);
    if (!state) return;
    const limit = state.times.length;
    for (let i = 0; i < state.size; i++) {
      const at = (state.head + i) % limit;
      if (state.tickets[at] === ticket) {
        // Later than every slot before it, never earlier than the slots after it: the ring stays sorted
        // because only one send per key is in flight in a process.
        state.times[at] = Math.max(state.times[at]!, this.#now());
        return;
      }
    }
  }

  async penalize(key: string, ms: number): Promise<void> {
    const state = this.#windows.get(key) ?? this.#state(key, 1);
    state.penaltyUntil = Math.max(state.penaltyUntil, this.#now() + ms);
  }

  async penaltyRemaining(key: string): Promise<number> {
    const state = this.#windows.get(key);
    return state ? Math.max(0, state.penaltyUntil - this.#now()) : 0;
  }
}
