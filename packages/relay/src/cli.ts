import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { bodyBytes } from '@dingbot/sdk';
import { isConfigError } from './config/errors.js';
import { loadConfig } from './config/load.js';
import { relayDefaults } from './config/schema.js';
import { parseAlertmanager } from './inputs/alertmanager.js';
import { parseGrafana } from './inputs/grafana.js';
import { resolveMentions } from './people/people.js';
import { samplePayloads } from './render/samples.js';
import { compileRuntime } from './server/runtime.js';
import { type RunningRelay, startRelay } from './server/start.js';

/** Where {@link runRelayCli} writes, and the process hooks it uses (replaceable in tests). */
export interface RelayCliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env?: Readonly<Record<string, string | undefined>>;
  /** Called once the relay listens (tests). */
  onStart?: (relay: RunningRelay) => void;
  /** Installs signal handlers. @default process.on */
  onSignal?: (signal: 'SIGHUP' | 'SIGTERM' | 'SIGINT', handler: () => void) => void;
}

const USAGE = `Usage:
  dingbot relay --config relay.yml [--host 127.0.0.1] [--port 8060] [--dry-run]
  dingbot relay check <config>

The config is relay.yml or a prometheus-webhook-dingtalk config file (used unchanged).
Signals: SIGHUP reloads the config (a bad one is refused, the running one stays); SIGTERM stops gracefully.`;

/**
 * The `dingbot relay` command. Resolves with the exit code once a check is done, or once a started
 * relay has stopped (SIGTERM/SIGINT): 0 ok, 2 usage error, 3 bad config.
 * @example process.exitCode = await runRelayCli(process.argv.slice(2), { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) });
 */
export async function runRelayCli(argv: readonly string[], io: RelayCliIo): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    io.stderr(`dingbot relay: ${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  if (positionals[0] === 'check') {
    const path = positionals[1] ?? values.config;
    if (!path) {
      io.stderr(`dingbot relay check: give the config file\n\n${USAGE}\n`);
      return 2;
    }
    return check(path, io);
  }
  if (positionals.length > 0) {
    io.stderr(`dingbot relay: unknown argument "${positionals[0]}"\n\n${USAGE}\n`);
    return 2;
  }
  if (!values.config) {
    io.stderr(`dingbot relay: --config is required\n\n${USAGE}\n`);
    return 2;
  }
  let port: number | undefined;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      io.stderr(`dingbot relay: --port must be a number from 0 to 65535, got "${values.port}"\n`);
      return 2;
    }
  }
  // Handlers first: a signal arriving while the relay starts must not kill it (SIGHUP's default).
  const on = io.onSignal ?? ((signal, handler) => process.on(signal, handler));
  let relay: RunningRelay | undefined;
  let stopRequested = false;
  let stopped: (code: number) => void = () => {};
  const finished = new Promise<number>((resolve) => {
    stopped = resolve;
  });
  const stop = () => {
    stopRequested = true;
    if (relay) void relay.close().then(() => stopped(0));
  };
  on('SIGHUP', () => void relay?.reload());
  on('SIGTERM', stop);
  on('SIGINT', stop);
  try {
    relay = await startRelay({
      configPath: values.config,
      ...(values.host ? { host: values.host } : {}),
      ...(port !== undefined ? { port } : {}),
      dryRun: values['dry-run'] ?? false,
      ...(io.env ? { env: io.env } : {}),
    });
  } catch (error) {
    if (isConfigError(error)) {
      io.stderr(`${error.message}\n`);
      return 3;
    }
    io.stderr(`dingbot relay: ${(error as Error).message}\n`);
    return 1;
  }
  io.stderr(
    `dingbot relay: listening on ${relay.url}${values['dry-run'] ? ' (dry run: posts nothing)' : ''}\n`,
  );
  io.onStart?.(relay);
  if (stopRequested) stop();
  return finished;
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      host: { type: 'string' },
      port: { type: 'string', short: 'p' },
      'dry-run': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

async function check(path: string, io: RelayCliIo): Promise<number> {
  try {
    const { config, format, warnings } = loadConfig(path, io.env ? { env: io.env } : {});
    const lines = [`${path}: ok (${format})`, `  listen: ${config.listen.host}:${config.listen.port}`];
    const { sqlite, redis } = config.outbox;
    lines.push(
      sqlite
        ? `  outbox: ${sqlite.path}`
        : `  outbox: redis ${redisDisplay(redis!.url)}, keys ${redis!.keyPrefix}{relay}:…, lease ${redis!.lease / 1000}s`,
    );
    for (const [name, robot] of Object.entries(config.robots)) {
      const kind = robot.webhooks ? `pool of ${robot.webhooks.length}` : 'robot';
      lines.push(
        `  robot ${name}: ${kind}${robot.secret ? ', signed' : ''}${robot.keywords ? `, keywords ${robot.keywords.join('/')}` : ''}`,
      );
    }
    for (const route of config.routes) lines.push(`  route ${route.name} → ${route.robot}`);
    if (config.defaultRoute) lines.push(`  default route → ${config.defaultRoute.robot}`);
    for (const warning of warnings) lines.push(`  warning: ${warning}`);
    // What each route would send for the built-in sample payloads.
    const runtime = compileRuntime(config, {
      baseDir: dirname(resolve(path)),
      dedupeWindowMs: relayDefaults.dedupeWindowMs,
      maxBodyBytes: relayDefaults.maxBodyBytes,
    });
    for (const route of runtime.routesByName.values()) {
      for (const [name, sample] of Object.entries(samplePayloads)) {
        const n =
          sample.source === 'alertmanager' ? parseAlertmanager(sample.body) : parseGrafana(sample.body);
        const mentions = resolveMentions(
          { people: config.people, ...(config.mentions ? { mentions: config.mentions } : {}) },
          n.alerts.map((a) => a.labels),
          route,
          new Date(),
        );
        const rendered = await runtime.renderer.renderAlerts(n, route, mentions);
        const m = rendered.message as {
          msgtype: string;
          markdown?: { title: string; text: string };
          text?: { content: string };
          actionCard?: { title: string; text: string };
        };
        const body = m.markdown?.text ?? m.text?.content ?? m.actionCard?.text ?? '';
        const title = m.markdown?.title ?? m.actionCard?.title ?? '';
        lines.push(
          '',
          `route ${route.name} → robot ${route.robot}, sample ${name}: ${m.msgtype}${title ? ` "${title}"` : ''} (${bodyBytes(rendered.message)} bytes)`,
        );
        if (rendered.fallback) lines.push(`  template failed, built-in used: ${rendered.fallback.reason}`);
        for (const warning of [...rendered.warnings, ...mentions.warnings])
          lines.push(`  warning: ${warning}`);
        lines.push(...body.split('\n').map((line) => `  | ${line}`));
      }
    }
    io.stdout(`${lines.join('\n')}\n`);
    return 0;
  } catch (error) {
    if (isConfigError(error)) {
      io.stderr(`${error.message}\n`);
      return 3;
    }
    throw error;
  }
}

/** A Redis URL fit to print: scheme, host, port and database, never the user or password. */
export function redisDisplay(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return '(an unparsable URL)';
  }
}
