/**
 * A fixed-capacity ring of records: pushing onto a full ring drops the oldest. Records are kept
 * in arrival order, so "oldest first" is the iteration order.
 */
export class Ring<T> {
  readonly #items: (T | undefined)[];
  #start = 0;
  #size = 0;

  constructor(readonly capacity: number) {
    this.#items = new Array<T | undefined>(capacity);
  }

  get size(): number {
    return this.#size;
  }

  push(item: T): void {
    const capacity = this.capacity;
    if (this.#size < capacity) {
      this.#items[(this.#start + this.#size) % capacity] = item;
      this.#size++;
    } else {
      this.#items[this.#start] = item;
      this.#start = (this.#start + 1) % capacity;
    }
  }

  clear(): void {
    this.#items.fill(undefined);
    this.#start = 0;
    this.#size = 0;
  }

  /** Items matching `keep`, oldest first; when more than `limit` match, the most recent `limit`. */
  select(keep: (item: T) => boolean, limit = Number.POSITIVE_INFINITY): T[] {
    const out: T[] = [];
    // Walk newest to oldest so `limit` stops early, then reverse once.
    for (let i = this.#size - 1; i >= 0 && out.length < limit; i--) {
      const item = this.#items[(this.#start + i) % this.capacity] as T;
      if (keep(item)) out.push(item);
    }
    return out.reverse();
  }
}
