import { readFile } from 'node:fs/promises';
import { CLIError } from './errors.js';
import { type CliIO, readAll } from './io.js';

/**
 * Reads text arguments: `-` is stdin (once), `@path` a file, `@@…` a literal text starting with `@`.
 * One trailing newline is dropped from stdin and files (editors and `echo` add one).
 */
export class TextInput {
  readonly #io: CliIO;
  #stdinUsedBy: string | undefined;

  constructor(io: CliIO) {
    this.#io = io;
  }

  /** The text an argument stands for. `what` names it in errors, e.g. `--text`. */
  async resolve(value: string, what: string): Promise<string> {
    if (value === '-') {
      if (this.#stdinUsedBy !== undefined) {
        throw new CLIError(`${what} and ${this.#stdinUsedBy} both read stdin ("-")`, {
          hint: 'Only one argument can be "-"; pass the other as text or @path.',
        });
      }
      this.#stdinUsedBy = what;
      return dropTrailingNewline(await readAll(this.#io.stdin));
    }
    if (value.startsWith('@@')) return value.slice(1);
    if (value.startsWith('@') && value.length > 1) {
      const path = value.slice(1);
      try {
        return dropTrailingNewline(await readFile(path, 'utf8'));
      } catch (error) {
        throw new CLIError(
          `${what}: cannot read ${path}: ${(error as { code?: string }).code ?? (error as Error).message}`,
          {
            hint: '"@path" reads a file; write "@@…" for a text that really starts with "@".',
          },
        );
      }
    }
    return value;
  }
}

function dropTrailingNewline(text: string): string {
  return text.replace(/\r?\n$/, '');
}
