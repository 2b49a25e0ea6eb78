#!/usr/bin/env node
// Kept tiny: help and version are answered from one small module; everything else loads on demand.
import { quickAnswer } from './help.js';

// A reader that stops early (`dingbot send --help | head -3`) is not an error: stop quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });
}

const args = process.argv.slice(2);
const quick = quickAnswer(args);
if (quick) {
  (quick.stream === 'out' ? process.stdout : process.stderr).write(`${quick.text}\n`);
  process.exitCode = quick.exitCode;
} else {
  const { run } = await import('./run.js');
  process.exitCode = await run(args);
}
