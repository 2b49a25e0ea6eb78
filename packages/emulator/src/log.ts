/**
 * Batches log lines and hands them to the user's sink on a later tick, so a slow sink never
 * delays a send. Without a sink nothing is formatted at all (callers check `enabled`).
 */
export class LogQueue {
  #lines: string[] = [];
  #scheduled = false;

  constructor(readonly sink: ((line: string) => void) | undefined) {}

  get enabled(): boolean {
    return this.sink !== undefined;
  }

  write(line: string): void {
    if (!this.sink) return;
    this.#lines.push(line);
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.flush());
  }

  flush(): void {
    this.#scheduled = false;
    const lines = this.#lines;
    this.#lines = [];
    for (const line of lines) {
      try {
        this.sink?.(line);
      } catch {
        // A failing log sink must not take the emulator down.
      }
    }
  }
}
