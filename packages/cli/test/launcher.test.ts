// The installed `dingbot` command is the committed launcher in bin/, which loads the built CLI; npm
// links it on install before `prepare` builds dist/, so it must exist in the repository and work.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
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

test('the launcher runs the bundled CLI: a send through its code cache, and the emulator (an ES module) until SIGTERM', async () => {
  const bundle = new URL('../dist/dingbot.cjs', import.meta.url);
  const cache = new URL('../dist/dingbot.cjs.v8-cache', import.meta.url);
  assert.ok(existsSync(bundle), 'npm run build writes dist/dingbot.cjs');
  rmSync(cache, { force: true });
  const emulator = spawn(
    process.execPath,
    [launcher.pathname, 'emulator', '--port', '0', '--json', '--quiet'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  emulator.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  const exited = once(emulator, 'close');
  while (!stdout.includes('\n')) {
    if (emulator.exitCode !== null) assert.fail(`the emulator exited early: ${stdout}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const { url } = JSON.parse(stdout) as { url: string };
  const webhook = `${url}/robot/send?access_token=launcher-token-0123`;
  // The first run compiles and writes the cache; the second runs from it.
  for (const round of [1, 2]) {
    const { stdout: sent } = await run(launcher.pathname, [
      'send',
      'text',
      `round ${round}`,
      '--webhook',
      webhook,
    ]);
    assert.match(sent, /delivered text message/);
    assert.ok(existsSync(cache), `the code cache exists after round ${round}`);
  }
  emulator.kill('SIGTERM');
  const [code] = (await exited) as [number | null];
  assert.equal(code, 0);
});
