import { readFile, stat } from 'node:fs/promises';
import { EmulatorConfigError, validateConfig } from './options.js';
import type { EmulatorOptions } from './types.js';

/** Options of {@link loadEmulatorConfig}. */
export interface LoadConfigOptions {
  /**
   * Receives the warning about a config file other users can read while it holds robot tokens or
   * secrets (the line never contains them).
   * @default (line) => process.emitWarning(line)
   * @example { warn: (line) => console.error(line) }
   */
  warn?: (line: string) => void;
}

/**
 * Reads a JSON config file (robots, rate limit, wording…; the serialisable {@link EmulatorOptions})
 * and validates it. Errors name the file and the field. A file that holds robots (their tokens and
 * secrets) and that other users may read gets a warning with the `chmod` that fixes it.
 *
 * @example
 * ```ts
 * const emulator = await startEmulator(await loadEmulatorConfig('./emulator.json'));
 * ```
 */
export async function loadEmulatorConfig(
  path: string,
  options: LoadConfigOptions = {},
): Promise<EmulatorOptions> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new EmulatorConfigError(`@dingbot/emulator: cannot read config ${path}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new EmulatorConfigError(`@dingbot/emulator: config ${path} is not valid JSON`, { cause: error });
  }
  const config = validateConfig(json, `config ${path}`);
  if ((config.robots?.length ?? 0) > 0 && process.platform !== 'win32') {
    const mode = (await stat(path)).mode;
    if ((mode & 0o077) !== 0) {
      const warn = options.warn ?? ((line: string) => process.emitWarning(line));
      warn(
        `@dingbot/emulator: config ${path} can be read by other users (mode ${(mode & 0o777).toString(8).padStart(4, '0')}) and holds robot tokens and secrets; run: chmod 600 '${path}'`,
      );
    }
  }
  return config;
}
