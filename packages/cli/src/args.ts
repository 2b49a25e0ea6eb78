import { type ParseArgsConfig, parseArgs } from 'node:util';
import { closest } from '@dingbot/sdk';
import { CLIError } from './errors.js';

/** The name closest to a mistyped one, for "did you mean": the SDK's, so both suggest alike. */
export { closest };

/** A command's options, as `node:util` `parseArgs` takes them. */
export type OptionTable = NonNullable<ParseArgsConfig['options']>;

/** One option, positional or `--` of the command line, in order (`parseArgs`'s `tokens`). */
export type ParsedToken =
  | { kind: 'option'; name: string; rawName: string; index: number; value: string | undefined }
  | { kind: 'positional'; index: number; value: string }
  | { kind: 'option-terminator'; index: number };

/** Parsed values, typed from the option table. */
export type Values<T extends OptionTable> = {
  [K in keyof T]?: T[K] extends { type: 'boolean' }
    ? T[K] extends { multiple: true }
      ? boolean[]
      : boolean
    : T[K] extends { multiple: true }
      ? string[]
      : string;
};

/**
 * Parses a command's arguments strictly: an unknown option, a missing value or a stray word is a
 * {@link CLIError} (exit code 2) that names the command whose `--help` explains it. `tokens` keeps the
 * order, for flags that apply to the one before them (`dingbot emulator --token a --secret … --token b`).
 */
export function parseCommand<T extends OptionTable>(
  command: string,
  args: readonly string[],
  options: T,
): { values: Values<T>; positionals: string[]; tokens: ParsedToken[] } {
  try {
    const { values, positionals, tokens } = parseArgs({
      args: [...args],
      options,
      allowPositionals: true,
      strict: true,
      tokens: true,
    });
    return { values: values as Values<T>, positionals, tokens: tokens as ParsedToken[] };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
      throw parseError((error as Error).message, command, Object.keys(options));
    }
    throw error;
  }
}

/** Refuses options given but meaningless for this form of a command (e.g. `--url` on `send text`). */
export function refuseOptions(
  command: string,
  values: Record<string, unknown>,
  names: readonly string[],
): void {
  for (const name of names) {
    if (values[name] !== undefined)
      throw new CLIError(`--${name} is not an option of "${command}"`, { command });
  }
}

/**
 * Rewrites `parseArgs`'s messages for people: names the option, suggests the one meant, and explains
 * `--` where a text starts with a dash. Node's own advice is for scripts' authors and spans lines.
 */
function parseError(message: string, command: string, names: readonly string[]): CLIError {
  const unknown = /^Unknown option '([^']+)'/.exec(message)?.[1];
  if (unknown !== undefined) {
    if (!/^--?[a-zA-Z][\w-]*$/.test(unknown)) {
      return new CLIError(`unknown option ${JSON.stringify(unknown)}`, {
        hint: `A text starting with "-"? Put it after "--", e.g. dingbot ${command} … -- ${shellQuote(unknown)}`,
        command,
      });
    }
    const guess = closest(unknown.replace(/^--?/, ''), names);
    return new CLIError(`unknown option ${unknown}`, {
      hint: guess
        ? `Did you mean --${guess}? Run "dingbot ${command} --help" for the options.`
        : `Run "dingbot ${command} --help" for the options.`,
      command,
    });
  }
  const ambiguous = /^Option '(-[^' ]+)' argument is ambiguous/.exec(message)?.[1];
  if (ambiguous !== undefined) {
    return new CLIError(`${ambiguous} is followed by another option instead of its value`, {
      hint: `Give ${ambiguous} a value; for a value starting with "-" write ${ambiguous}=<value>.`,
      command,
    });
  }
  const missing = /^Option '(-[^' ]+)(?:, -[^' ]+)? <value>' argument missing/.exec(message)?.[1];
  if (missing !== undefined) {
    return new CLIError(`${missing} needs a value`, { command });
  }
  // Anything else: Node's first sentence.
  return new CLIError(message.split(/\.(?:\s|$)/)[0]!, { command });
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}
