// The installed `dingbot` command is the committed launcher in bin/, which loads the built CLI; npm
// links it on install before `prepare` builds dist/, so it must exist in the repository and work.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { quickAnswer } from '../src/help.js';

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

test('the launcher answers --version and --help itself, with the texts the CLI answers from', async () => {
  const { stdout: version } = await run(launcher.pathname, ['--version']);
  assert.equal(version, `${pkg.version}\n`);
  const { stdout: help } = await run(launcher.pathname, ['--help']);
  assert.equal(help, `${quickAnswer(['--help'])!.text}\n`);
});

test('the launcher hands everything else to the built CLI', async () => {
  const { stdout } = await run(launcher.pathname, [
    'sign',
    '--secret',
    'SECabc',
    '--timestamp',
    '1700000000000',
  ]);
  assert.equal(stdout, '1700000000000\njcUpW0QmtKduN03n4JqQ0PBosVjqnM8gU7fIIvsDmCM%3D\n');
  await assert.rejects(
    run(launcher.pathname, ['send', 'text']),
    (error: { code?: number }) => error.code === 2,
  );
});
