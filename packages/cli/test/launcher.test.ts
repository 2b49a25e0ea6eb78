// The installed `dingbot` command is the committed launcher in bin/, which loads the built CLI; npm
// links it on install before `prepare` builds dist/, so it must exist in the repository and work.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { test } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
  bin: { dingbot: string };
};
const launcher = new URL(`../${pkg.bin.dingbot}`, import.meta.url);

test('package.json points the dingbot bin at an executable launcher outside dist/', () => {
  assert.ok(!pkg.bin.dingbot.includes('dist/'), pkg.bin.dingbot);
  assert.ok(statSync(launcher).mode & 0o111, 'the launcher is not executable');
});

test('the launcher runs the built CLI', async () => {
  const { stdout } = await run(launcher.pathname, ['--version']);
  assert.equal(stdout.trim(), pkg.version);
});
