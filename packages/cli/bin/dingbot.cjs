#!/usr/bin/env node
'use strict';
// The installed `dingbot` command. It is committed (npm links bins on install, before `prepare`
// builds dist/) and written in CommonJS on purpose: `dingbot --help` and `dingbot --version`, what
// people run first, are answered here from texts the build wrote, because node starts an ES module
// entry about 10 ms slower than a CommonJS one. Everything else goes to the CLI in dist/.
const QUICK = {
  '--help': 'help',
  '-h': 'help',
  help: 'help',
  '--version': 'version',
  '-v': 'version',
  version: 'version',
};
const args = process.argv.slice(2);
const key = args.length === 1 ? QUICK[args[0]] : undefined;
let texts;
if (key) {
  try {
    texts = require('../dist/quick.json');
  } catch {
    texts = undefined;
  }
}
if (texts) {
  process.stdout.on('error', () => {}); // `dingbot --help | head -1` is not an error
  process.stdout.write(`${texts[key]}\n`);
} else {
  import('../dist/bin.js').catch((error) => {
    console.error(`dingbot: cannot load the CLI (${error.message}); run "npm run build" first.`);
    process.exitCode = 1;
  });
}
