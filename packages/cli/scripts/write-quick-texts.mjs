// Build step: writes dist/quick.json, the `--help` and `--version` texts the CommonJS launcher
// (bin/dingbot.cjs) prints without loading the ES module CLI. They come from dist/help.js, the same
// module the CLI itself answers from, so the two cannot drift apart.
import { writeFileSync } from 'node:fs';

const { quickAnswer } = await import(new URL('../dist/help.js', import.meta.url).href);
const texts = { help: quickAnswer(['--help']).text, version: quickAnswer(['--version']).text };
writeFileSync(new URL('../dist/quick.json', import.meta.url), `${JSON.stringify(texts)}\n`);
