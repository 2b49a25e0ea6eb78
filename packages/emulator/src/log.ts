/** C0/C1 controls and line separators, escaped in log lines. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const escapeControl = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

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
    // Tokens (hence open-mode robot names) and msgtypes come from clients: a "%0A" in a token must
    // not forge a second log line, nor an escape sequence repaint the terminal.
    this.#lines.push(line.replace(CONTROL, escapeControl));
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
