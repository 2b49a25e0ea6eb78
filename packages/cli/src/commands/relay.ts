import { ConfigError } from '../errors.js';
import type { CommandContext } from '../run.js';

/**
 * `dingbot relay`: runs `@dingbot/relay` (the gateway Alertmanager, Grafana and CI post to) or checks a
 * config. The relay parses its own options and prints its own usage; this command only connects it to
 * the CLI's streams and, in tests, to the CLI's abort signal instead of the process's signals.
 */
export default async function relayCommand(args: string[], { io, out }: CommandContext): Promise<number> {
  // The relay is an optional peer: it brings SQLite (a native module) that `dingbot send` never needs.
  const { runRelayCli } = await import('@dingbot/relay').catch((error: unknown) => {
    // ERR_MODULE_NOT_FOUND from import(); MODULE_NOT_FOUND from the bundled CLI's require().
    if (!/^(ERR_)?MODULE_NOT_FOUND$/.test(String((error as { code?: unknown }).code))) throw error;
    throw new ConfigError('dingbot relay needs the @dingbot/relay package, which is not installed', {
      hint: 'Install it next to the CLI: npm install -g @dingbot/relay, or in a project: npm install @dingbot/relay.',
    });
  });
  const { signal } = io;
  return runRelayCli(args, {
    stdout: (text) => out.write('out', text),
    stderr: (text) => out.write('err', text),
    env: io.env,
    ...(signal && {
      onSignal: (name, handler) => {
        if (name !== 'SIGHUP') signal.addEventListener('abort', handler, { once: true });
      },
    }),
  });
}
