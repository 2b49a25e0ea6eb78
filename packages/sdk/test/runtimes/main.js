// Entry for Node, Deno and Bun: the probe's parameters as one JSON argument, its result as JSON on stdout.
import { runProbe } from './probe.js';

const args = globalThis.Deno ? globalThis.Deno.args : globalThis.process.argv.slice(2);
const result = await runProbe(JSON.parse(args[0]));
console.log(JSON.stringify(result));
