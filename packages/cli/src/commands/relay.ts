import type { CommandContext } from '../run.js';

/**
 * `dingbot relay`: runs `@dingbot/relay` (the gateway Alertmanager, Grafana and CI post to) or checks a
 * config. The relay parses its own options and prints its own usage; this command only connects it to
 * the CLI's streams and, in tests, to the CLI's abort signal instead of the process's signals.
 */
export default async function relayCommand(args: string[], { io, out }: CommandContext): Promise<number> {
  const { runRelayCli } = await import('@dingbot/relay');
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
