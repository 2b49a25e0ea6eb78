import { EXIT, type ExitCode } from './exit-codes.js';

/**
 * A user error: a wrong command line. `dingbot` prints the message and where to find the usage, and
 * exits with {@link EXIT.USAGE}. Any other error that reaches the top is a bug.
 */
export class CLIError extends Error {
  override name = 'CLIError';
  /** The exit code: {@link EXIT.USAGE} unless a subclass says otherwise. */
  readonly exitCode: ExitCode = EXIT.USAGE;
  /** A stable string for `--json` output. */
  readonly code: string = 'USAGE';
  /** What to do about it, printed on a second line. */
  readonly hint: string | undefined;
  /** The command whose usage applies, e.g. `send text`. */
  readonly command: string | undefined;

  constructor(message: string, options: { hint?: string; command?: string } = {}) {
    super(message);
    this.hint = options.hint;
    this.command = options.command;
  }
}

/** A configuration problem: no robot configured, a bad config file, a missing profile. Exit code 3. */
export class ConfigError extends CLIError {
  override name = 'ConfigError';
  override readonly exitCode: ExitCode = EXIT.CONFIG;
  override readonly code: string = 'CONFIG';
}

/**
 * An option's value dingbot cannot use (a duration, a port, a locale, an empty value…), whether it came
 * from a flag or an environment variable. Exit code 3, like every other unusable setting.
 */
export class OptionValueError extends ConfigError {
  override name = 'OptionValueError';
  override readonly code: string = 'OPTION_VALUE';
}

/** Whether a value is a {@link CLIError} (or a subclass). */
export function isCLIError(value: unknown): value is CLIError {
  return value instanceof CLIError;
}

/**
 * A better hint for an SDK error, found by a command that knows more than the SDK (e.g. that no secret
 * was given when DingTalk refused the signature). `report()` prints it instead of the SDK's.
 */
export const HINT_OVERRIDES = new WeakMap<object, string>();
