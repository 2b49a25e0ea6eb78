import type { EmulatorOptions, RobotConfig, RobotState } from '@dingbot/emulator';
import { type ParsedToken, parseCommand } from '../args.js';
import { parseDuration, parseRate } from '../duration.js';
import {
  APP_OPTIONS,
  appLine,
  appListing,
  appSecrets,
  appsFromFlags,
  flagAppError,
} from '../emulator-apps.js';
import { CLIError, ConfigError, OptionValueError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import type { CommandContext } from '../run.js';

const OPTIONS = {
  host: { type: 'string' },
  port: { type: 'string' },
  config: { type: 'string' },
  token: { type: 'string' },
  name: { type: 'string' },
  secret: { type: 'string' },
  keyword: { type: 'string', multiple: true },
  'ip-allow': { type: 'string', multiple: true },
  state: { type: 'string' },
  'rate-limit': { type: 'string' },
  penalty: { type: 'string' },
  wording: { type: 'string' },
  ...APP_OPTIONS,
  quiet: { type: 'boolean', short: 'q' },
  json: { type: 'boolean' },
} as const;

const DEFAULT_PORT = 8787;
const STATES: readonly RobotState[] = ['active', 'disabled', 'dissolved', 'gone'];

/**
 * `dingbot emulator`: runs `@dingbot/emulator` until SIGINT/SIGTERM (or the io's signal), printing the
 * preview URL, each webhook robot's URL and each app robot's AppKey, mode and gateway or callback URL.
 * Robot secrets and AppSecrets are never printed.
 */
export default async function emulator(args: string[], { io, out }: CommandContext): Promise<number> {
  const command = 'emulator';
  const { values, positionals, tokens } = parseCommand(command, args, OPTIONS);
  if (positionals.length > 0)
    throw new CLIError(`emulator: unexpected argument ${JSON.stringify(positionals[0])}`, { command });
  const flagRobots = robotsFromFlags(tokens);
  for (const robot of flagRobots) out.addSecret(robot.secret);
  const flagApps = appsFromFlags(tokens);
  for (const secret of appSecrets(flagApps)) out.addSecret(secret);
  const { loadEmulatorConfig, startEmulator } = await import('@dingbot/emulator');
  const options: EmulatorOptions = values.config === undefined ? {} : await loadEmulatorConfig(values.config);
  for (const robot of options.robots ?? []) out.addSecret(robot.secret);
  for (const secret of appSecrets(options.apps ?? [])) out.addSecret(secret);
  if (values.host !== undefined) options.host = values.host;
  options.port = values.port === undefined ? (options.port ?? DEFAULT_PORT) : parsePort(values.port);
  if (flagRobots.length > 0) options.robots = [...(options.robots ?? []), ...flagRobots];
  // The config file's app robots come first; with none anywhere the emulator offers its default one.
  const firstFlagApp = options.apps?.length ?? 0;
  if (flagApps.length > 0) options.apps = [...(options.apps ?? []), ...flagApps];
  const defaultApp = options.apps === undefined;
  if (values['rate-limit'] !== undefined) {
    options.rateLimit =
      values['rate-limit'] === 'off' ? false : parseRate(values['rate-limit'], '--rate-limit');
  }
  if (values.penalty !== undefined) options.penaltyMs = parseDuration(values.penalty, '--penalty');
  if (values.wording !== undefined) {
    if (values.wording !== 'legacy' && values.wording !== 'modern') {
      throw new OptionValueError(`--wording ${JSON.stringify(values.wording)} is not legacy or modern`, {
        command,
      });
    }
    options.wording = values.wording;
  }
  if (!values.quiet && !out.json) options.log = (line) => out.err(out.style('dim', line));

  const handle = await startEmulator(options).catch((error: unknown) => {
    throw listenError(
      flagAppError(error, flagApps, firstFlagApp),
      options.host ?? '127.0.0.1',
      options.port ?? DEFAULT_PORT,
    );
  });
  const robots = handle.robots();
  const apps = handle.apps();
  if (out.json) {
    out.printJson({
      url: handle.url,
      preview: `${handle.url}/`,
      port: handle.port,
      open: robots.length === 0,
      robots: robots.map((r) => ({
        name: r.name,
        webhookUrl: r.webhookUrl,
        signed: r.signed,
        keywords: r.keywords,
        state: r.state,
      })),
      apps: apps.map((app) => appListing(app, handle.url, defaultApp)),
      chatUrl: `${handle.url}/api/chat`,
    });
  } else {
    out.out(`${out.style('green', 'dingbot emulator', 'out')} listening on ${handle.url}`);
    out.out(`preview:  ${handle.url}/`);
    if (robots.length === 0) {
      out.out(
        `webhook:  ${handle.url}/robot/send?access_token=<any token>   (open mode: every token is accepted)`,
      );
    }
    for (const robot of robots) {
      const notes = [
        robot.signed ? 'signed' : undefined,
        robot.keywords.length > 0 ? `keywords: ${robot.keywords.join(', ')}` : undefined,
        robot.state !== 'active' ? robot.state : undefined,
      ].filter(Boolean);
      out.out(
        `webhook:  ${robot.webhookUrl}   (${robot.name}${notes.length > 0 ? `; ${notes.join('; ')}` : ''})`,
      );
    }
    for (const app of apps) out.out(appLine(app, handle.url, defaultApp));
    const first = apps[0];
    if (first) {
      const body = JSON.stringify({ robot: first.name, text: `@${first.name} ping` });
      out.out(
        `chat:     curl -s ${handle.url}/api/chat -H 'content-type: application/json' -d '${body.replaceAll("'", "'\\''")}'`,
      );
    }
    out.out('Press Ctrl+C to stop.');
  }
  await stopped(io.signal);
  await handle.close();
  return EXIT.OK;
}

/** The flags that describe one robot; each applies to the `--token` before it. */
const ROBOT_FLAGS = new Set(['name', 'secret', 'keyword', 'ip-allow', 'state']);

/**
 * The robots of the command line, in order: each `--token` starts one, and the robot flags after it
 * (`--name`, `--secret`, `--keyword`, `--ip-allow`, `--state`) describe it, until the next `--token`.
 */
function robotsFromFlags(tokens: readonly ParsedToken[]): RobotConfig[] {
  const command = 'emulator';
  const robots: RobotConfig[] = [];
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const value = token.value ?? '';
    if (token.name === 'token') {
      if (robots.some((robot) => robot.token === value)) {
        throw new CLIError(`emulator: --token ${JSON.stringify(value)} is given twice`, {
          hint: 'Each --token starts another robot; give each robot its own token.',
          command,
        });
      }
      robots.push({ token: value });
      continue;
    }
    if (!ROBOT_FLAGS.has(token.name)) continue;
    const robot = robots.at(-1);
    if (!robot) {
      throw new CLIError(`emulator: --${token.name} describes a robot: give its --token first`, {
        hint: 'Each --token starts a robot; the --name, --secret, --keyword, --ip-allow and --state after it describe that robot.',
        command,
      });
    }
    const once = (field: 'name' | 'secret' | 'state') => {
      if (robot[field] !== undefined) {
        throw new CLIError(
          `emulator: --${token.name} is given twice for the robot of --token ${robot.token}`,
          {
            hint: 'Start another robot with --token before describing it.',
            command,
          },
        );
      }
    };
    switch (token.name) {
      case 'name':
        once('name');
        robot.name = value;
        break;
      case 'secret':
        once('secret');
        robot.secret = value;
        break;
      case 'keyword':
        robot.keywords = [...(robot.keywords ?? []), value];
        break;
      case 'ip-allow':
        robot.ipAllowList = [...(robot.ipAllowList ?? []), value];
        break;
      case 'state':
        once('state');
        if (!(STATES as readonly string[]).includes(value)) {
          throw new OptionValueError(`--state ${JSON.stringify(value)} is not one of ${STATES.join(', ')}`);
        }
        robot.state = value as RobotState;
        break;
    }
  }
  return robots;
}

const LISTEN_PROBLEMS: Record<string, string> = {
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'the host name cannot be resolved now',
  EADDRNOTAVAIL: 'this machine has no such address',
  EACCES: 'permission denied (ports below 1024 need privileges)',
};

/** A bad --host or a privileged --port is the user's to fix, not a bug: no stack trace. */
function listenError(error: unknown, host: string, port: number): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !Object.hasOwn(LISTEN_PROBLEMS, code)) return error;
  return new ConfigError(`cannot listen on ${host} port ${port}: ${LISTEN_PROBLEMS[code]} (${code})`, {
    hint: 'Use --host 127.0.0.1 (this machine only) or 0.0.0.0 (every interface), and --port 0 for any free port.',
  });
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) {
    throw new OptionValueError(`--port ${JSON.stringify(value)} is not a port (0–65535)`, {
      command: 'emulator',
    });
  }
  return port;
}

/** Resolves on SIGINT, SIGTERM or when `signal` aborts. */
function stopped(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    if (signal?.aborted) done();
    else signal?.addEventListener('abort', done, { once: true });
  });
}
