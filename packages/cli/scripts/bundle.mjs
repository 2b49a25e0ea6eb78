// Build step: bundles the CLI and the SDK into one CommonJS file, dist/dingbot.cjs, which the launcher
// (bin/dingbot.cjs) requires. One file compiled once, instead of resolving and loading some forty ES
// modules of two packages through the ES module loader on every start. The emulator and undici stay
// outside: they load only for `dingbot emulator` and when a proxy is set.
import { readFileSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const dist = new URL('../dist/', import.meta.url);
await build({
  entryPoints: [new URL('../src/main.ts', import.meta.url).pathname],
  outfile: new URL('dingbot.cjs', dist).pathname,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // The SDK from its sources (the `development` condition), as the tests run it.
  conditions: ['development'],
  external: ['@dingbot/emulator', '@dingbot/relay', 'undici'],
  // import() becomes require(): the launcher compiles the bundle with vm.Script (for its code cache),
  // where import() has no loader. The emulator is an ES module: require(esm) loads it (Node ≥ 20.19).
  supported: { 'dynamic-import': false },
  // help.ts finds package.json next to dist/ through import.meta.url.
  define: { 'import.meta.url': 'importMetaUrl' },
  banner: { js: "const importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
});

// esbuild escapes non-ASCII characters in strings but not in regular expressions (the SDK matches
// DingTalk's Chinese errmsg texts, 关键词, 签名…). One such character makes V8 hold the whole source as
// a two-byte string, twice the memory to read and hash on every start: escape them too. `\uXXXX` means
// the same in a string, a template, a regular expression (with or without the u flag, where a
// surrogate pair of escapes is one code point) and an identifier, and nothing in a comment.
const outfile = new URL('dingbot.cjs', dist);
const source = readFileSync(outfile, 'utf8');
writeFileSync(
  outfile,
  source.replace(/[^\0-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
);
