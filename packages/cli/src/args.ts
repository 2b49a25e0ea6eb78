import { type ParseArgsConfig, parseArgs } from 'node:util';
import { CLIError } from './errors.js';

/** A command's options, as `node:util` `parseArgs` takes them. */
export type OptionTable = NonNullable<ParseArgsConfig['options']>;

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
 * {@link CLIError} (exit code 2) that names the command whose `--help` explains it.
 */
export function parseCommand<T extends OptionTable>(
  command: string,
  args: readonly string[],
  options: T,
): { values: Values<T>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      options,
      allowPositionals: true,
      strict: true,
    });
    return { values: values as Values<T>, positionals };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
      // Node's messages end with advice about "--" meant for scripts' authors; keep the first sentence.
      const message = (error as Error).message.split('. ')[0]!.replace(/\.$/, '');
      throw new CLIError(message, { command });
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
