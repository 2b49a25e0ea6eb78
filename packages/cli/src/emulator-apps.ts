/**
 * The app robots (企业内部应用机器人) of `dingbot emulator`'s command line: `--app-key` starts one, like
 * `--token` starts a webhook robot, and the app flags after it describe it. Loaded only with the
 * emulator command.
 */
import type { AppRobotConfig, AppRobotInfo } from '@dingbot/emulator';
import type { ParsedToken } from './args.js';
import { CLIError, ConfigError, OptionValueError } from './errors.js';

const command = 'emulator';

/** The `parseArgs` options of the app robots, spread into the emulator command's table. */
export const APP_OPTIONS = {
  'app-key': { type: 'string' },
  'app-secret': { type: 'string' },
  'robot-code': { type: 'string' },
  'app-name': { type: 'string' },
  callback: { type: 'string' },
} as const;

/** The flag that sets each field of an app robot, for messages in the user's words. */
const FLAG_OF_FIELD: Record<string, string> = {
  clientId: '--app-key',
  clientSecret: '--app-secret',
  robotCode: '--robot-code',
  name: '--app-name',
  callbackUrl: '--callback',
};

/** The app flags that describe the robot of the `--app-key` before them, and the field each sets. */
const DESCRIBING_FLAGS = {
  'app-secret': 'clientSecret',
  'robot-code': 'robotCode',
  'app-name': 'name',
  callback: 'callbackUrl',
} as const satisfies Record<string, keyof AppRobotConfig>;

type DescribingFlag = keyof typeof DESCRIBING_FLAGS;

const APPS_HINT =
  'Each --app-key starts an app robot; the --app-secret, --robot-code, --app-name and --callback after it describe that robot.';

/**
 * The app robots of the command line, in order: each `--app-key` starts one, and `--app-secret`
 * (required), `--robot-code`, `--app-name` and `--callback` after it describe it, until the next
 * `--app-key`. Webhook robot flags (`--token`, `--name`…) in between do not end it.
 *
 * @throws CLIError (exit code 2) for an app flag before any `--app-key`, one given twice for a robot,
 *   an AppKey given twice or a robot without `--app-secret`; OptionValueError (exit code 3) for a
 *   `--callback` that is not an http(s) URL.
 * @example appsFromFlags(tokens) // [{ clientId: 'dingabc', clientSecret: '…', callbackUrl: 'http://127.0.0.1:3000/' }]
 */
export function appsFromFlags(tokens: readonly ParsedToken[]): AppRobotConfig[] {
  const apps: Partial<AppRobotConfig>[] = [];
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const value = token.value ?? '';
    if (token.name === 'app-key') {
      if (apps.some((app) => app.clientId === value)) {
        throw new CLIError(`emulator: --app-key ${JSON.stringify(value)} is given twice`, {
          hint: 'Each --app-key starts another app robot; give each robot its own AppKey.',
          command,
        });
      }
      apps.push({ clientId: value });
      continue;
    }
    if (!Object.hasOwn(DESCRIBING_FLAGS, token.name)) continue;
    const flag = token.name as DescribingFlag;
    const app = apps.at(-1);
    if (!app) {
      throw new CLIError(`emulator: --${flag} describes an app robot: give its --app-key first`, {
        hint: APPS_HINT,
        command,
      });
    }
    const field = DESCRIBING_FLAGS[flag];
    if (app[field] !== undefined) {
      throw new CLIError(
        `emulator: --${flag} is given twice for the app robot of --app-key ${app.clientId}`,
        {
          hint: 'Start another app robot with --app-key before describing it.',
          command,
        },
      );
    }
    if (flag === 'callback' && !isHttpUrl(value)) {
      throw new OptionValueError(
        `--callback ${JSON.stringify(value)} (app robot --app-key ${app.clientId}) is not an http:// or https:// URL`,
        {
          hint: 'Give the URL where your robot takes DingTalk callbacks, e.g. --callback http://127.0.0.1:3000/dingtalk; without --callback the robot uses Stream mode.',
          command,
        },
      );
    }
    app[field] = value;
  }
  for (const app of apps) {
    if (app.clientSecret === undefined) {
      throw new CLIError(`emulator: the app robot of --app-key ${app.clientId} has no --app-secret`, {
        hint: 'Give each --app-key its --app-secret (any text: the emulator checks that your robot sends the same one), e.g. --app-key dingabc --app-secret not-a-real-secret.',
        command,
      });
    }
  }
  return apps as AppRobotConfig[];
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * The secrets of app robots: each AppSecret, and the password of a callback URL that carries one.
 * @example for (const secret of appSecrets(apps)) out.addSecret(secret);
 */
export function appSecrets(apps: readonly AppRobotConfig[]): string[] {
  const secrets: string[] = [];
  for (const app of apps) {
    secrets.push(app.clientSecret);
    if (app.callbackUrl === undefined) continue;
    try {
      const { password } = new URL(app.callbackUrl);
      if (password !== '') secrets.push(password, decodeURIComponent(password));
    } catch {}
  }
  return secrets;
}

const NAMES_HINT =
  'Each robot needs its own name: an app robot\'s defaults to "bot" for the first one and to its robotCode (the AppKey) for the others; set one with --app-name.';

/**
 * The emulator names an app robot's field by its place in `options.apps` (`apps[2].name`); for robots
 * that came from flags this says which flag of which `--app-key` instead. `firstFlagApp` is the index
 * of the first of them (the config file's app robots come first). Anything else is returned as is.
 */
export function flagAppError(error: unknown, apps: readonly AppRobotConfig[], firstFlagApp: number): unknown {
  if (!(error instanceof Error) || error.name !== 'EmulatorConfigError') return error;
  let rewritten = false;
  const message = error.message.replace(/\bapps\[(\d+)\]\.(\w+)/g, (whole, index: string, field: string) => {
    const app = apps[Number(index) - firstFlagApp];
    const flag = FLAG_OF_FIELD[field];
    if (Number(index) < firstFlagApp || app === undefined || flag === undefined) return whole;
    rewritten = true;
    return flag === '--app-key'
      ? `--app-key ${JSON.stringify(app.clientId)}`
      : `${flag} of --app-key ${JSON.stringify(app.clientId)}`;
  });
  if (!rewritten) return error;
  const names = /same name|also named/.test(message);
  return new ConfigError(message.replace(/^@dingbot\/emulator: invalid options: /, 'emulator: '), {
    ...(names ? { hint: NAMES_HINT } : {}),
    command,
  });
}

/**
 * The Stream gateway an app robot's client opens connections at (`POST`, then the WebSocket it names).
 * @example gatewayUrl('http://127.0.0.1:8787') // 'http://127.0.0.1:8787/v1.0/gateway/connections/open'
 */
export function gatewayUrl(emulatorUrl: string): string {
  return `${emulatorUrl}/v1.0/gateway/connections/open`;
}

/** How `dingbot emulator --json` lists an app robot (never its secret). */
export interface AppRobotListing {
  name: string;
  /** The AppKey. */
  clientId: string;
  robotCode: string;
  mode: 'stream' | 'http';
  /** Stream mode: where the robot's client opens its connection. */
  gatewayUrl?: string;
  /** HTTP mode: where the emulator POSTs messages. */
  callbackUrl?: string;
  /** The groups the robot is in, by id. */
  groups: string[];
  /** The robot the emulator offers when none is configured. */
  default: boolean;
}

/**
 * An app robot as `--json` lists it.
 * @example appListing(handle.apps()[0], handle.url, true)
 */
export function appListing(app: AppRobotInfo, emulatorUrl: string, isDefault: boolean): AppRobotListing {
  return {
    name: app.name,
    clientId: app.clientId,
    robotCode: app.robotCode,
    mode: app.mode,
    ...(app.mode === 'stream' ? { gatewayUrl: gatewayUrl(emulatorUrl) } : {}),
    ...(app.callbackUrl === undefined ? {} : { callbackUrl: app.callbackUrl }),
    groups: app.groups,
    default: isDefault,
  };
}

/**
 * The line the emulator prints for an app robot: name, AppKey, mode, and where messages go.
 * @example appLine(app, url, false) // 'app:      deploy-bot (AppKey dingabc, Stream mode)   gateway: http://…/v1.0/gateway/connections/open'
 */
export function appLine(app: AppRobotInfo, emulatorUrl: string, isDefault: boolean): string {
  const notes = [
    `AppKey ${app.clientId}`,
    app.robotCode !== app.clientId ? `robotCode ${app.robotCode}` : undefined,
    app.mode === 'stream' ? 'Stream mode' : 'HTTP mode',
  ].filter(Boolean);
  const where =
    app.mode === 'stream' ? `gateway: ${gatewayUrl(emulatorUrl)}` : `callback: ${app.callbackUrl ?? ''}`;
  const suffix = isDefault ? '   (the default app robot; its AppSecret is in "dingbot emulator --help")' : '';
  return `app:      ${app.name} (${notes.join(', ')})   ${where}${suffix}`;
}
