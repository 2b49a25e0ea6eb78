import { readFileSync, statSync } from 'node:fs';
import { CLIError } from './errors.js';
import { type CliIO, readAll } from './io.js';

/**
 * Reads text arguments: `-` is stdin (once); every other value is the text itself, so a text that starts
 * with `@` (`@13800000000 disk full`, `@所有人 …`) is a text. Files come through `--file <path>`.
 * One trailing newline is dropped from stdin and files (editors and `echo` add one).
 */
export class TextInput {
  readonly #io: CliIO;
  readonly #warn: (line: string) => void;
  #stdinUsedBy: string | undefined;

  /** `warn` prints a note on stderr (unless `--quiet`). */
  constructor(io: CliIO, warn: (line: string) => void) {
    this.#io = io;
    this.#warn = warn;
  }

  /** The text an argument stands for. `what` names it in errors, e.g. `--text`. */
  async resolve(value: string, what: string): Promise<string> {
    if (value === '-') return this.#stdin(what);
    // Earlier versions read "@path" as a file. A text that is exactly "@<a file here>" is most likely that
    // habit: it is sent as written (a text starting with "@" is a text), with a note.
    if (/^@\S+$/.test(value) && isFile(value.slice(1))) {
      this.#warn(
        `dingbot: note: sending the text ${JSON.stringify(value)} as written; to send the content of the file ${value.slice(1)}, use --file ${value.slice(1)}`,
      );
    }
    return value;
  }

  /** The content of the file `--file` names (`-`: stdin). */
  async file(path: string): Promise<string> {
    if (path === '-') return this.#stdin('--file -');
    let text: string;
    try {
      text = dropTrailingNewline(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new CLIError(`--file: cannot read ${path}: ${fileProblem(error)}`);
    }
    if (text.trim() === '') throw new CLIError(`--file: ${path} is empty`);
    return text;
  }

  async #stdin(what: string): Promise<string> {
    if (this.#stdinUsedBy !== undefined) {
      throw new CLIError(`${what} and ${this.#stdinUsedBy} both read stdin ("-")`, {
        hint: 'Only one argument can be "-"; pass the other as text or with --file.',
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
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
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
