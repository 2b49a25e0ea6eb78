/**
 * Where the bot remembers which messages it has taken, so a message DingTalk pushes twice (a
 * redelivery, or the same message on two connections) runs the handlers once. With several replicas,
 * give them one shared store (Redis `SET key 1 NX PX ttl`).
 */
export interface DedupeStore {
  /**
   * Atomically records `key` for `ttlMs` unless it is already recorded; resolves `true` when this
   * call recorded it (the message is new), `false` when it was there (a duplicate).
   */
  claim(key: string, ttlMs: number): boolean | Promise<boolean>;
}

/** Options of {@link MemoryDedupeStore}. */
export interface MemoryDedupeStoreOptions {
  /**
   * The most keys kept; beyond it the oldest is forgotten first.
   * @default 10000
   */
  maxKeys?: number;
  /**
   * The clock (tests only).
   * @default Date.now
   */
  now?: () => number;
}

/**
 * The default {@link DedupeStore}: one process's memory, bounded, no timers (expired keys go when
 * new ones come).
 * @example new Bot({ clientId, clientSecret, dedupe: new MemoryDedupeStore({ maxKeys: 50_000 }) })
 */
export class MemoryDedupeStore implements DedupeStore {
  // Insertion order is expiry order when every claim uses the same TTL, so pruning looks at the front.
  readonly #expires = new Map<string, number>();
  readonly #maxKeys: number;
  readonly #now: () => number;

  constructor(options: MemoryDedupeStoreOptions = {}) {
    this.#maxKeys = options.maxKeys ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** {@inheritDoc DedupeStore.claim} */
  claim(key: string, ttlMs: number): boolean {
    const now = this.#now();
    for (const [old, expires] of this.#expires) {
      if (expires > now && this.#expires.size < this.#maxKeys) break;
      this.#expires.delete(old);
    }
    const expires = this.#expires.get(key);
    if (expires !== undefined && expires > now) return false;
    this.#expires.delete(key);
    this.#expires.set(key, now + ttlMs);
    return true;
  }

  /** How many keys are remembered. */
  get size(): number {
    return this.#expires.size;
  }
}
