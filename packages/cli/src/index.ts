/**
 * `@dingbot/cli`: the `dingbot` command, also callable in-process.
 * @packageDocumentation
 */
export { CLIError, ConfigError } from './errors.js';
export {
  EXIT,
  EXIT_CODE_OF_SDK_CODE,
  EXIT_CODE_TABLE,
  type ExitCode,
  exitCodeForSdkCode,
  type SdkErrorCode,
} from './exit-codes.js';
export type { CliIO, CliStream } from './io.js';
export { processIO } from './io.js';
export { type Command, type CommandContext, run } from './run.js';
