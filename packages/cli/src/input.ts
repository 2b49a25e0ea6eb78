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
      if (this.#io.stdin.isTTY) {
        // Nothing is piped in: without this line dingbot would seem to hang.
        this.#io.stderr.write(`dingbot: reading ${what} from the terminal; end it with Ctrl+D\n`);
      }
      const text = dropTrailingNewline(await readAll(this.#io.stdin));
      if (text.trim() === '') {
        throw new CLIError(`${what} is "-" but stdin is empty`, {
          hint: 'Pipe the text in, e.g. df -h | dingbot send text -; or give it as an argument.',
        });
      }
      return text;
    }
    if (value.startsWith('@@')) return value.slice(1);
    if (value.startsWith('@') && value.length > 1) {
      const path = value.slice(1);
      let text: string;
      try {
        text = dropTrailingNewline(await readFile(path, 'utf8'));
      } catch (error) {
        throw new CLIError(`${what}: cannot read ${path}: ${fileProblem(error)}`, {
          hint: '"@path" reads a file; write "@@…" for a text that really starts with "@".',
        });
      }
      if (text.trim() === '') throw new CLIError(`${what}: ${path} is empty`);
      return text;
    }
    return value;
  }
}

function dropTrailingNewline(text: string): string {
  return text.replace(/\r?\n$/, '');
}

const FILE_PROBLEMS: Record<string, string> = {
  ENOENT: 'no such file',
  EISDIR: 'it is a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
};

/** Why a file could not be read, in words (Node's messages repeat the path and add a syscall name). */
export function fileProblem(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return FILE_PROBLEMS[code] ? `${FILE_PROBLEMS[code]} (${code})` : code;
  return error instanceof Error ? error.message : String(error);
}
