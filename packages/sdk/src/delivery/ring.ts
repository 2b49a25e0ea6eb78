/**
 * A fixed-capacity FIFO on a circular array: pushing past `capacity` is refused, never grown, so a
 * queue's memory is bounded by construction.
 */
export class Ring<T> {
  #items: (T | undefined)[];
  #head = 0;
  #size = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError('dingbot: a queue needs a capacity of at least 1');
    // Grown lazily up to `capacity`, so a large maxQueue costs nothing until it fills.
    this.#items = [];
  }

  get length(): number {
    return this.#size;
  }

  /** Appends `item`; false when full. */
  push(item: T): boolean {
    if (this.#size >= this.capacity) return false;
    const at = (this.#head + this.#size) % this.capacity;
    if (at >= this.#items.length) this.#items.push(item);
    else this.#items[at] = item;
    this.#size++;
    return true;
  }

  /** The item `i` places from the head. */
  at(i: number): T | undefined {
    if (i < 0 || i >= this.#size) return undefined;
    return this.#items[(this.#head + i) % this.capacity];
  }

  /** Removes and returns the head. */
  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) % this.capacity;
    this.#size--;
    return item;
  }

  /** Items from position `from` to the end, head first. */
  *values(from = 0): IterableIterator<T> {
    for (let i = from; i < this.#size; i++) yield this.#items[(this.#head + i) % this.capacity] as T;
  }

  /** Replaces the items from position `from` on with `items` (which must fit). */
  replaceFrom(from: number, items: readonly T[]): void {
    if (from + items.length > this.capacity) throw new RangeError('dingbot: queue overflow');
    const kept: T[] = [...this.values()].slice(0, from);
    this.#items = [...kept, ...items];
    this.#head = 0;
    this.#size = this.#items.length;
  }

  /** Removes every item from position `from` on and returns them, head first. */
  takeFrom(from: number): T[] {
    const all = [...this.values()];
    this.replaceFrom(from, []);
    return all.slice(from);
  }
}
