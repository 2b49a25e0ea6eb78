import { type LoadedConfig, loadConfig, type Profile } from './config-file.js';
import { CLIError, ConfigError } from './errors.js';
import type { CliIO } from './io.js';
import type { Output } from './output.js';
import { optionProblem, type SdkErrorLike } from './sdk-error.js';

/** The robot flags shared by `send` (and `sign`, for the secret). */
export const ROBOT_OPTIONS = {
  webhook: { type: 'string' },
  token: { type: 'string' },
  'base-url': { type: 'string' },
  profile: { type: 'string' },
  secret: { type: 'string' },
  keyword: { type: 'string', multiple: true },
} as const;

/** What the robot flags parsed into. */
export interface RobotFlags {
  webhook?: string;
  token?: string;
  'base-url'?: string;
  profile?: string;
  secret?: string;
  keyword?: string[];
}

/** The robot to post as, and where it was found (for messages: never the value itself). */
export interface ResolvedTarget {
  webhook?: string;
  accessToken?: string;
  baseUrl?: string;
  secret?: string;
  keywords: string[];
  /** E.g. `--webhook`, `DINGTALK_WEBHOOK`, `profile "ops" of ~/.config/dingbot/config.json`. */
  source: string;
  /** Where the robot was found, to name its settings in errors the way the user wrote them. */
  origin: { kind: 'flags' } | { kind: 'env' } | { kind: 'profile'; name: string; path: string };
}

/**
 * Finds the robot: `--webhook`/`--token`, then `--profile`, then `DINGTALK_*`, then the config file's
 * default profile. The secret and keywords come from the same place as the robot unless given as
 * flags, so a secret meant for one robot never signs for another. Every secret found is registered
 * with `out` so it is never printed.
 */
export async function resolveTarget(
  flags: RobotFlags,
  env: CliIO['env'],
  out: Output,
): Promise<ResolvedTarget> {
  const target = await findTarget(flags, env, out);
  if (flags['base-url'] !== undefined && target.webhook !== undefined) {
    // The webhook holds its host: --base-url would be ignored, and the message sent elsewhere.
    throw new CLIError(
      `--base-url applies to a token, but the robot is a whole webhook URL (${target.source})`,
      {
        hint: 'Drop --base-url, or give the robot as --token <token> --base-url <url>.',
      },
    );
  }
  const resolved: ResolvedTarget = {
    ...target,
    secret: flags.secret ?? target.secret,
    keywords: flags.keyword && flags.keyword.length > 0 ? flags.keyword : target.keywords,
  };
  registerSecrets(resolved, out);
  return resolved;
}

/** Registers a target's token and secret with the output, so neither is ever printed. */
export function registerSecrets(
  target: Omit<ResolvedTarget, 'source' | 'origin' | 'keywords'>,
  out: Output,
): void {
  out.addSecret(target.secret);
  out.addSecret(target.accessToken);
  if (target.webhook) out.addSecret(tokenOf(target.webhook));
}

/** The access token of a webhook URL, also from text that is not quite a URL. */
export function tokenOf(webhook: string): string | undefined {
  const match = /[?&]access_token=([^&#\s]*)/.exec(webhook);
  if (!match?.[1]) return undefined;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return match[1];
  }
}

async function findTarget(flags: RobotFlags, env: CliIO['env'], out: Output): Promise<ResolvedTarget> {
  // Register early: an error below may quote a value.
  out.addSecret(flags.secret);
  out.addSecret(flags.token);
  if (flags.webhook) out.addSecret(tokenOf(flags.webhook));
  if (flags.webhook !== undefined || flags.token !== undefined) {
    if (flags.webhook !== undefined && flags.token !== undefined) {
      throw new CLIError('--webhook and --token are both given', {
        hint: 'Give one: the whole webhook URL, or the token alone (with --base-url for another host).',
      });
    }
    if (flags.profile !== undefined) {
      throw new CLIError(
        `--profile and --${flags.webhook !== undefined ? 'webhook' : 'token'} are both given`,
        {
          hint: 'Give one: a profile of the config file, or the robot itself.',
        },
      );
    }
    return {
      webhook: flags.webhook,
      accessToken: flags.token,
      baseUrl: flags.token !== undefined ? (flags['base-url'] ?? env.DINGTALK_BASE_URL) : undefined,
      secret: flags.secret,
      keywords: flags.keyword ?? [],
      source: flags.webhook !== undefined ? '--webhook' : '--token',
      origin: { kind: 'flags' },
    };
  }
  if (flags.profile !== undefined) {
    const loaded = await loadConfig(env, (line) => out.err(line));
    if (!loaded) {
      throw new ConfigError(`--profile ${flags.profile}: there is no config file`, {
        hint: 'Create ~/.config/dingbot/config.json (or set DINGBOT_CONFIG); "dingbot config --help" shows its shape.',
      });
    }
    return fromProfile(loaded, flags.profile, flags);
  }
  const envWebhook = env.DINGTALK_WEBHOOK || undefined;
  const envToken = env.DINGTALK_ACCESS_TOKEN || undefined;
  if (envWebhook !== undefined || envToken !== undefined) {
    if (envWebhook !== undefined && envToken !== undefined) {
      out.addSecret(envToken);
      out.addSecret(tokenOf(envWebhook));
      throw new ConfigError('DINGTALK_WEBHOOK and DINGTALK_ACCESS_TOKEN are both set', {
        hint: 'Unset one of them.',
      });
    }
    return {
      webhook: envWebhook,
      accessToken: envToken,
      baseUrl:
        envToken !== undefined ? (flags['base-url'] ?? (env.DINGTALK_BASE_URL || undefined)) : undefined,
      secret: env.DINGTALK_SECRET || undefined,
      keywords: (env.DINGTALK_KEYWORDS ?? '')
        .split(',')
        .map((k) => k.trim())
        .filter((k) => k !== ''),
      source: envWebhook !== undefined ? 'DINGTALK_WEBHOOK' : 'DINGTALK_ACCESS_TOKEN',
      origin: { kind: 'env' },
    };
  }
  const loaded = await loadConfig(env, (line) => out.err(line));
  const fallback =
    loaded && (loaded.config.defaultProfile ?? (loaded.config.profiles.default ? 'default' : undefined));
  if (loaded && fallback !== undefined) return fromProfile(loaded, fallback, flags);
  throw new ConfigError('no robot configured', {
    hint: `Pass --webhook <url> (or --token <token>), set DINGTALK_WEBHOOK, or add a profile to ${loaded?.path ?? 'the config file'} ("dingbot config --help").`,
  });
}

function fromProfile(loaded: LoadedConfig, name: string, flags: RobotFlags): ResolvedTarget {
  const profiles = loaded.config.profiles;
  const profile: Profile | undefined = Object.hasOwn(profiles, name) ? profiles[name] : undefined;
  if (!profile) {
    const names = Object.keys(profiles);
    throw new ConfigError(`no profile named ${JSON.stringify(name)} in ${loaded.path}`, {
      hint: names.length > 0 ? `Profiles: ${names.join(', ')}.` : 'The file has no profiles yet.',
    });
  }
  return {
    webhook: profile.webhook,
    accessToken: profile.token,
    baseUrl: profile.token !== undefined ? (flags['base-url'] ?? profile.baseUrl) : undefined,
    secret: profile.secret,
    keywords: profile.keywords ?? [],
    source: `profile "${name}" of ${loaded.path}`,
    origin: { kind: 'profile', name, path: loaded.path },
  };
}

/** The robot settings the SDK validates, by its option names. */
export type RobotSetting = 'webhook' | 'accessToken' | 'baseUrl' | 'secret' | 'keywords';

/** What each robot setting is called where the user gave it: `subject` starts a sentence, `word` goes in a hint. */
export type SettingNames = Record<RobotSetting, { subject: string; word: string }>;

const FLAG_OF: Record<RobotSetting, string> = {
  webhook: '--webhook',
  accessToken: '--token',
  baseUrl: '--base-url',
  secret: '--secret',
  keywords: '--keyword',
};
const ENV_OF: Record<RobotSetting, string> = {
  webhook: 'DINGTALK_WEBHOOK',
  accessToken: 'DINGTALK_ACCESS_TOKEN',
  baseUrl: 'DINGTALK_BASE_URL',
  secret: 'DINGTALK_SECRET',
  keywords: 'DINGTALK_KEYWORDS',
};
const FIELD_OF: Record<RobotSetting, string> = {
  webhook: 'webhook',
  accessToken: 'token',
  baseUrl: 'baseUrl',
  secret: 'secret',
  keywords: 'keywords',
};

/**
 * What each SDK option is called where the user set it: a flag, an environment variable, or a field of
 * a config-file profile. `subject` starts an error message; `word` goes into its hint.
 * @example settingNames(target, flags).accessToken // { subject: 'DINGTALK_ACCESS_TOKEN', word: 'DINGTALK_ACCESS_TOKEN' }
 */
export function settingNames(target: ResolvedTarget, flags: RobotFlags): SettingNames {
  const given: Record<RobotSetting, boolean> = {
    webhook: flags.webhook !== undefined,
    accessToken: flags.token !== undefined,
    baseUrl: flags['base-url'] !== undefined,
    secret: flags.secret !== undefined,
    keywords: (flags.keyword?.length ?? 0) > 0,
  };
  const origin = target.origin;
  const name = (setting: RobotSetting) => {
    if (given[setting] || origin.kind === 'flags') {
      // --token without --base-url takes DINGTALK_BASE_URL.
      const word = setting === 'baseUrl' && !given.baseUrl ? ENV_OF.baseUrl : FLAG_OF[setting];
      return { subject: word, word };
    }
    if (origin.kind === 'env') return { subject: ENV_OF[setting], word: ENV_OF[setting] };
    return {
      subject: `profiles.${origin.name}.${FIELD_OF[setting]} (in ${origin.path})`,
      word: `profiles.${origin.name}.${FIELD_OF[setting]}`,
    };
  };
  return {
    webhook: name('webhook'),
    accessToken: name('accessToken'),
    baseUrl: name('baseUrl'),
    secret: name('secret'),
    keywords: name('keywords'),
  };
}

/**
 * The SDK names its options (`accessToken`); say instead what the user set: `--token`,
 * `DINGTALK_ACCESS_TOKEN` or `profiles.ops.token`. Other errors pass through.
 */
export function robotOptionsError(error: unknown, names: SettingNames): unknown {
  const sdk = error as { code?: unknown; option?: unknown; message?: unknown; hint?: unknown };
  if (sdk?.code !== 'INVALID_OPTIONS' || typeof sdk.option !== 'string' || !Object.hasOwn(names, sdk.option))
    return error;
  const { subject } = names[sdk.option as keyof typeof names];
  const hint = String(sdk.hint ?? '');
  const problem = optionProblem(error as SdkErrorLike);
  const words = (text: string) => inUserWords(text, names);
  return new RobotOptionsError(`${subject} ${words(problem)}`, { hint: words(hint) });
}

/**
 * An SDK hint with its option names (`secret`, `keywords`, `baseUrl`/`webhook`…) replaced by the
 * settings as the user gave them: `DINGTALK_SECRET`, `profiles.ops.secret` or `--secret`.
 * @example inUserWords('Check `secret` is …', names) // 'Check DINGTALK_SECRET is …'
 */
export function inUserWords(text: string, names: SettingNames, target?: { webhook?: string }): string {
  return text
    .replace(/`baseUrl`\/`webhook`/g, () =>
      target === undefined
        ? `${names.baseUrl.word}/${names.webhook.word}`
        : target.webhook !== undefined
          ? names.webhook.word
          : names.baseUrl.word,
    )
    .replace(/`([a-zA-Z]+)`/g, (word, name: string) =>
      Object.hasOwn(names, name)
        ? names[name as RobotSetting].word
        : name === 'timeoutMs'
          ? '--timeout'
          : word,
    );
}

/** A robot setting the SDK refused; keeps the SDK's `code` for `--json` readers. */
export class RobotOptionsError extends ConfigError {
  override name = 'RobotOptionsError';
  override readonly code = 'INVALID_OPTIONS';
}
