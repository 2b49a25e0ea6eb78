// Synchronous reads: a one-shot command gains nothing from async ones, and node:fs/promises loads
// a dozen more modules (readline, streams) at every start.
import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './errors.js';
import type { CliIO } from './io.js';
import { describeJsonError } from './json-error.js';

/** A named robot of the config file. */
export interface Profile {
  /** The whole webhook URL. */
  webhook?: string;
  /** The access token alone (with `baseUrl` for another host). */
  token?: string;
  /** API host for `token`. */
  baseUrl?: string;
  /** The signing secret (`SEC…`). */
  secret?: string;
  /** The robot's keywords. */
  keywords?: string[];
}

/** The config file: `{ "defaultProfile": "ops", "profiles": { "ops": { … } } }`. */
export interface ConfigFile {
  defaultProfile?: string;
  profiles: Record<string, Profile>;
}

/** A config file as read, with where it came from. */
export interface LoadedConfig {
  path: string;
  config: ConfigFile;
}

/** `$DINGBOT_CONFIG`, else `$XDG_CONFIG_HOME/dingbot/config.json`, else `~/.config/dingbot/config.json`. */
export function configPath(env: CliIO['env']): { path: string; explicit: boolean } {
  if (env.DINGBOT_CONFIG) return { path: env.DINGBOT_CONFIG, explicit: true };
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return { path: join(base, 'dingbot', 'config.json'), explicit: false };
}

/**
 * Reads and validates the config file. `undefined` when the default file does not exist; a missing
 * `$DINGBOT_CONFIG` is an error (unless `missingOk`: a command about to create it). Warns through `warn` when others may read the file.
 */
export async function loadConfig(
  env: CliIO['env'],
  warn: (line: string) => void,
  options: { missingOk?: boolean } = {},
): Promise<LoadedConfig | undefined> {
  const { path, explicit } = configPath(env);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ENOENT' && (!explicit || options.missingOk)) return undefined;
    throw new ConfigError(`cannot read the config file ${path}: ${(error as Error).message}`, {
      hint: code === 'ENOENT' ? 'DINGBOT_CONFIG names a file that does not exist.' : undefined,
    });
  }
  if (process.platform !== 'win32') {
    const mode = statSync(path).mode;
    if ((mode & 0o077) !== 0) {
      warn(
        `dingbot: warning: ${path} can be read by other users (mode ${(mode & 0o777).toString(8).padStart(4, '0')}) and holds secrets; run: chmod 600 '${path}'`,
      );
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    // Never V8's message: it quotes the text around the mistake, and the file holds secrets.
    throw new ConfigError(`the config file ${path} is not valid JSON: ${describeJsonError(text, error)}`, {
      hint: 'Fix the file; "dingbot config --help" shows its shape.',
    });
  }
  return { path, config: validateConfig(json, path) };
}

/**
 * Writes the config file with mode 0600 (its directory 0700 when created), through a temporary file
 * renamed over the old one, so a reader never sees half a file and a file others could read before is
 * private after. Returns the old file's mode, if there was one.
 */
export async function writeConfig(path: string, config: ConfigFile): Promise<{ previousMode?: number }> {
  const { chmod, mkdir, rename, rm, writeFile } = await import('node:fs/promises');
  const { dirname } = await import('node:path');
  let previousMode: number | undefined;
  try {
    previousMode = statSync(path).mode & 0o777;
  } catch {}
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const ordered: ConfigFile = {
    ...(config.defaultProfile !== undefined ? { defaultProfile: config.defaultProfile } : {}),
    profiles: config.profiles,
  };
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, `${JSON.stringify(ordered, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    await chmod(temporary, 0o600); // whatever the umask
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new ConfigError(`cannot write the config file ${path}: ${(error as Error).message}`);
  }
  return previousMode === undefined ? {} : { previousMode };
}

const PROFILE_FIELDS = ['webhook', 'token', 'baseUrl', 'secret', 'keywords'] as const;

/** Checks the config file's shape; the error names the field. Never echoes a value (it may be a secret). */
export function validateConfig(json: unknown, path: string): ConfigFile {
  const fail = (field: string, problem: string): never => {
    throw new ConfigError(`the config file ${path}: ${field} ${problem}`, {
      hint: 'Fix the file; "dingbot config --help" shows its shape.',
    });
  };
  if (!isObject(json)) return fail('(root)', 'must be an object');
  for (const key of Object.keys(json)) {
    if (key !== 'defaultProfile' && key !== 'profiles' && key !== '$schema') {
      fail(JSON.stringify(key), 'is not a known field (defaultProfile, profiles)');
    }
  }
  const profiles = json.profiles ?? {};
  if (!isObject(profiles)) return fail('profiles', 'must be an object of named profiles');
  const out: Record<string, Profile> = {};
  for (const [name, value] of Object.entries(profiles)) {
    const at = `profiles.${name}`;
    if (!isObject(value)) return fail(at, 'must be an object');
    for (const key of Object.keys(value)) {
      if (!(PROFILE_FIELDS as readonly string[]).includes(key)) {
        fail(`${at}.${key}`, `is not a known field (${PROFILE_FIELDS.join(', ')})`);
      }
    }
    for (const key of ['webhook', 'token', 'baseUrl', 'secret'] as const) {
      const field = value[key];
      if (field !== undefined && (typeof field !== 'string' || field.trim() === '')) {
        fail(`${at}.${key}`, 'must be a non-empty string');
      }
    }
    if (value.webhook === undefined && value.token === undefined) fail(at, 'needs "webhook" or "token"');
    if (value.webhook !== undefined && value.token !== undefined)
      fail(at, 'has both "webhook" and "token"; keep one');
    const keywords = value.keywords;
    if (
      keywords !== undefined &&
      (!Array.isArray(keywords) || keywords.some((k) => typeof k !== 'string' || k.trim() === ''))
    ) {
      fail(`${at}.keywords`, 'must be a list of non-empty strings');
    }
    out[name] = value as Profile;
  }
  const defaultProfile = json.defaultProfile;
  if (defaultProfile !== undefined) {
    if (typeof defaultProfile !== 'string') return fail('defaultProfile', 'must be a string');
    if (!Object.hasOwn(out, defaultProfile))
      fail('defaultProfile', `names no profile: ${JSON.stringify(defaultProfile)}`);
  }
  return { defaultProfile: defaultProfile as string | undefined, profiles: out };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
