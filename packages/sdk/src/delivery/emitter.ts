/**
 * A tiny typed event emitter: `on()` returns the function that removes the listener. A listener that
 * throws is reported on the console and never stops delivery.
 */
export class Emitter<Events extends { [K in keyof Events]: unknown }> {
  readonly #listeners = new Map<keyof Events, Set<(event: never) => void>>();

  /**
   * Calls `listener` on every `type` event until the returned function is called.
   * @example const off = robot.on('throttled', (e) => log.warn(`paused ${e.ms} ms`)); off();
   */
  on<K extends keyof Events>(type: K, listener: (event: Events[K]) => void): () => void {
    let set = this.#listeners.get(type);
    if (!set) {
      set = new Set();
      this.#listeners.set(type, set);
    }
    set.add(listener as (event: never) => void);
    return () => {
      set.delete(listener as (event: never) => void);
    };
  }

  /** Whether anyone listens to `type`. */
  has(type: keyof Events): boolean {
    return (this.#listeners.get(type)?.size ?? 0) > 0;
  }

  emit<K extends keyof Events>(type: K, event: Events[K]): void {
    const set = this.#listeners.get(type);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as (event: Events[K]) => void)(event);
      } catch (error) {
        console.error(`dingbot: a '${String(type)}' listener threw`, error);
      }
    }
  }
}
