/**
 * The relay as a process: `node --import tsx packages/relay/src/main.ts --config relay.yml` (the
 * built `bin/relay.js` runs the same). The CLI's `dingbot relay` calls {@link runRelayCli} too.
 */
import { runRelayCli } from './cli.js';

process.exitCode = await runRelayCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
