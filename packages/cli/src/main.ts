import { quickAnswer } from './help.js';

/**
 * The `dingbot` process: answers help and version from one small module, and loads everything else on
 * demand. Used by `bin.ts` (from source) and by the bundle the installed launcher loads
 * (`dist/dingbot.cjs`). Sets `process.exitCode`; never calls `process.exit` but on a closed pipe.
 */
export async function main(args: readonly string[]): Promise<void> {
  // A reader that stops early (`dingbot send --help | head -3`) is not an error: stop quietly.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      process.exit(process.exitCode ?? 0);
    });
  }
  const quick = quickAnswer(args);
  if (quick) {
    (quick.stream === 'out' ? process.stdout : process.stderr).write(`${quick.text}\n`);
    process.exitCode = quick.exitCode;
    return;
  }
  const { run } = await import('./run.js');
  process.exitCode = await run(args);
}
