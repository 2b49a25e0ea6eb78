import { readFile } from 'node:fs/promises';
import { EmulatorConfigError, validateConfig } from './options.js';
import type { EmulatorOptions } from './types.js';

/**
 * Reads a JSON config file (robots, rate limit, wording…; the serialisable {@link EmulatorOptions})
 * and validates it. Errors name the file and the field.
 *
 * @example
 * ```ts
 * const emulator = await startEmulator(await loadEmulatorConfig('./emulator.json'));
 * ```
 */
export async function loadEmulatorConfig(path: string): Promise<EmulatorOptions> {
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
  return validateConfig(json, `config ${path}`);
}
