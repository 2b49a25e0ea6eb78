#!/usr/bin/env node
// Kept tiny: help and version are answered from one small module; everything else loads on demand.
import { quickAnswer } from './help.js';

const args = process.argv.slice(2);
const quick = quickAnswer(args);
if (quick) {
  (quick.stream === 'out' ? process.stdout : process.stderr).write(`${quick.text}\n`);
  process.exitCode = quick.exitCode;
} else {
  const { run } = await import('./run.js');
  process.exitCode = await run(args);
}
