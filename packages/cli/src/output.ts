import type { CliIO, CliStream } from './io.js';

const REDACTED = '[REDACTED]';

/** Whether to colour a stream: a terminal, `NO_COLOR` unset or empty, `TERM` not `dumb`; `FORCE_COLOR` wins. */
export function useColor(stream: CliStream, env: CliIO['env']): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force !== 'false';
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

const STYLES = { red: [31, 39], yellow: [33, 39], green: [32, 39], dim: [2, 22], bold: [1, 22] } as const;

/**
 * Every line `dingbot` prints goes through here: each known secret (token, secret, sign) is replaced
 * by `[REDACTED]` as a last line of defence, whatever printed it.
 */
export class Output {
  readonly #io: CliIO;
  readonly #secrets = new Set<string>();
  /** `--json`: stdout carries exactly one JSON document. */
  readonly json: boolean;
  /** Whether to colour each stream, decided at the first styled text (asking for a terminal costs). */
  #colorOut: boolean | undefined;
  #colorErr: boolean | undefined;

  constructor(io: CliIO, options: { json?: boolean } = {}) {
    this.#io = io;
    this.json = options.json ?? false;
  }

  /** Remembers a secret so it never reaches the screen. Short values are ignored (they would shred words). */
  addSecret(value: string | undefined): void {
    if (value && value.length >= 4) {
      this.#secrets.add(value);
      this.#secrets.add(encodeURIComponent(value));
    }
  }

  /** Removes every known secret from a text. */
  scrub(text: string): string {
    let out = text;
    for (const secret of this.#secrets) out = out.split(secret).join(REDACTED);
    return out;
  }

  /** Whether stderr is a terminal (progress lines are for people watching). */
  get stderrIsTTY(): boolean {
    return this.#io.stderr.isTTY === true;
  }

  /** Writes a line to stdout. */
  out(line: string): void {
    this.#io.stdout.write(`${this.scrub(line)}\n`);
  }

  /** Writes a line to stderr. */
  err(line: string): void {
    this.#io.stderr.write(`${this.scrub(line)}\n`);
  }

  /** Writes raw text (no newline added) to a stream: for progress lines redrawn in place. */
  write(which: 'out' | 'err', text: string): void {
    (which === 'out' ? this.#io.stdout : this.#io.stderr).write(this.scrub(text));
  }

  /** Writes a JSON document to stdout. */
  printJson(value: unknown): void {
    this.out(JSON.stringify(value));
  }

  /** Styles a text for stdout (`which: 'out'`) or stderr, when that stream is coloured. */
  style(style: keyof typeof STYLES, text: string, which: 'out' | 'err' = 'err'): string {
    if (which === 'out') this.#colorOut ??= useColor(this.#io.stdout, this.#io.env);
    else this.#colorErr ??= useColor(this.#io.stderr, this.#io.env);
    if (!(which === 'out' ? this.#colorOut : this.#colorErr)) return text;
    const [open, close] = STYLES[style];
    return `\u001b[${open}m${text}\u001b[${close}m`;
  }
}
