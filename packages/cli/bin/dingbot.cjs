#!/usr/bin/env node
'use strict';
// The installed `dingbot` command. It is committed (npm links bins on install, before `prepare`
// builds dist/) and written in CommonJS on purpose: node starts a CommonJS entry sooner than an ES
// module one. `dingbot --help` and `dingbot --version`, what people run first, are answered here from
// texts the build wrote. Everything else runs the CLI bundled with the SDK into one CommonJS file
// (dist/dingbot.cjs), compiled with a V8 code cache kept next to it (written after the first run
// when the directory is writable), so a `send` neither resolves forty modules nor compiles them.
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
  let cli;
  try {
    cli = loadBundle(require('node:path').join(__dirname, '..', 'dist', 'dingbot.cjs'));
  } catch (error) {
    console.error(`dingbot: cannot load the CLI (${error.message}); run "npm run build" first.`);
    process.exitCode = 1;
  }
  if (cli) cli.main(args);
}

/**
 * Loads the bundle like `require` does, but through V8's code cache. The bundle has no `import()`
 * (the build turns them into `require()`), which a `vm.Script` could not run.
 */
function loadBundle(file) {
  const vm = require('node:vm');
  const fs = require('node:fs');
  const path = require('node:path');
  const source = fs.readFileSync(file, 'utf8');
  const cacheFile = `${file}.v8-cache`;
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {}
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: file,
    cachedData,
  });
  const module = { exports: {} };
  const localRequire = require('node:module').createRequire(file);
  script.runInThisContext()(module.exports, localRequire, module, file, path.dirname(file));
  if (cachedData === undefined || script.cachedDataRejected) {
    // At exit, so the functions this run compiled are in the cache too. A directory we cannot write
    // to (a system-wide install) only means compiling every time.
    process.once('exit', () => {
      const temporary = `${cacheFile}.${process.pid}`;
      try {
        fs.writeFileSync(temporary, script.createCachedData());
        fs.renameSync(temporary, cacheFile);
      } catch {
        try {
          fs.rmSync(temporary, { force: true });
        } catch {}
      }
    });
  }
  return module.exports;
}
