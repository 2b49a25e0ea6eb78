import type { EmulatorOptions, RobotConfig, RobotState } from '@dingbot/emulator';
import { parseCommand } from '../args.js';
import { parseDuration, parseRate } from '../duration.js';
import { CLIError, ConfigError } from '../errors.js';
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
  quiet: { type: 'boolean', short: 'q' },
  json: { type: 'boolean' },
} as const;

const DEFAULT_PORT = 8787;
const STATES: readonly RobotState[] = ['active', 'disabled', 'dissolved', 'gone'];

/**
 * `dingbot emulator`: runs `@dingbot/emulator` until SIGINT/SIGTERM (or the io's signal), printing the
 * preview URL and each robot's webhook URL. Robot secrets are never printed.
 */
export default async function emulator(args: string[], { io, out }: CommandContext): Promise<number> {
  const command = 'emulator';
  const { values, positionals } = parseCommand(command, args, OPTIONS);
  if (positionals.length > 0)
    throw new CLIError(`emulator: unexpected argument ${JSON.stringify(positionals[0])}`, { command });
  out.addSecret(values.secret);
  const robotFlags = ['name', 'secret', 'keyword', 'ip-allow', 'state'] as const;
  if (values.token === undefined) {
    const stray = robotFlags.find((flag) => values[flag] !== undefined);
    if (stray)
      throw new CLIError(`emulator: --${stray} describes a robot: give its --token too`, { command });
  }
  const { loadEmulatorConfig, startEmulator } = await import('@dingbot/emulator');
  const options: EmulatorOptions = values.config === undefined ? {} : await loadEmulatorConfig(values.config);
  for (const robot of options.robots ?? []) out.addSecret(robot.secret);
  if (values.host !== undefined) options.host = values.host;
  options.port = values.port === undefined ? (options.port ?? DEFAULT_PORT) : parsePort(values.port);
  if (values.token !== undefined) {
    const robot: RobotConfig = { token: values.token };
    if (values.name !== undefined) robot.name = values.name;
    if (values.secret !== undefined) robot.secret = values.secret;
    if (values.keyword !== undefined) robot.keywords = values.keyword;
    if (values['ip-allow'] !== undefined) robot.ipAllowList = values['ip-allow'];
    if (values.state !== undefined) {
      if (!(STATES as readonly string[]).includes(values.state)) {
        throw new CLIError(`--state ${JSON.stringify(values.state)} is not one of ${STATES.join(', ')}`, {
          command,
        });
      }
      robot.state = values.state as RobotState;
    }
    options.robots = [...(options.robots ?? []), robot];
  }
  if (values['rate-limit'] !== undefined) {
    options.rateLimit =
      values['rate-limit'] === 'off' ? false : parseRate(values['rate-limit'], '--rate-limit');
  }
  if (values.penalty !== undefined) options.penaltyMs = parseDuration(values.penalty, '--penalty');
  if (values.wording !== undefined) {
    if (values.wording !== 'legacy' && values.wording !== 'modern') {
      throw new CLIError(`--wording ${JSON.stringify(values.wording)} is not legacy or modern`, { command });
    }
    options.wording = values.wording;
  }
  if (!values.quiet && !out.json) options.log = (line) => out.err(out.style('dim', line));

  const handle = await startEmulator(options).catch((error: unknown) => {
    throw listenError(error, options.host ?? '127.0.0.1', options.port ?? DEFAULT_PORT);
  });
  const robots = handle.robots();
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
    out.out('Press Ctrl+C to stop.');
  }
  await stopped(io.signal);
  await handle.close();
  return EXIT.OK;
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
    throw new CLIError(`--port ${JSON.stringify(value)} is not a port (0–65535)`, { command: 'emulator' });
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
