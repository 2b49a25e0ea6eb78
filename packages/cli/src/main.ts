import { quickAnswer } from './help.js';
import { exitOnBrokenPipe } from './pipe.js';

/**
 * The `dingbot` process: answers help and version from one small module, and loads everything else on
 * demand. Used by `bin.ts` (from source) and by the bundle the installed launcher loads
 * (`dist/dingbot.cjs`). Sets `process.exitCode`; never calls `process.exit` but on a closed pipe. The
 * process's streams are created when first written to (see `processIO`).
 */
export async function main(args: readonly string[]): Promise<void> {
  const quick = quickAnswer(args);
  if (quick) {
    const stream = quick.stream === 'out' ? process.stdout : process.stderr;
    exitOnBrokenPipe(stream);
    stream.write(`${quick.text}\n`);
    process.exitCode = quick.exitCode;
    return;
  }
  const { run } = await import('./run.js');
  process.exitCode = await run(args);
}
