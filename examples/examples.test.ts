// Every example runs against an embedded emulator and exits 0: the examples cannot rot.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const scripts = readdirSync(here).filter(
  (f) => f.endsWith('.ts') && !f.startsWith('_') && !f.endsWith('.test.ts'),
);

function runExample(script: string, args: string[] = []) {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0' };
  delete env.DINGTALK_WEBHOOK;
  delete env.DINGTALK_SECRET;
  return run(process.execPath, ['--conditions=development', '--import', 'tsx', join(here, script), ...args], {
    env,
    timeout: 30_000,
  });
}

test('every example runs against the embedded emulator', async () => {
  assert.ok(scripts.length >= 5, `found only ${scripts.join(', ')}`);
  await Promise.all(
    scripts
      .filter((s) => s !== 'demo.ts')
      .map(async (script) => {
        const { stdout } = await runExample(script);
        assert.notEqual(stdout.trim(), '', `${script} printed nothing`);
      }),
  );
});

test('npm start (the demo) posts every message type and prints the preview and webhook URLs', async () => {
  const { stdout } = await runExample('demo.ts', ['--once']);
  assert.match(stdout, /posted 6 messages/);
  assert.match(stdout, /preview \(live\): +http:\/\/127\.0\.0\.1:\d+\//);
  assert.match(stdout, /webhook URL: +http:\/\/127\.0\.0\.1:\d+\/robot\/send\?access_token=demo/);
});

test('the errors example shows a classified, redacted signature error', async () => {
  const { stdout } = await runExample('errors.ts');
  assert.match(stdout, /code: +SIGN_MISMATCH/);
  assert.match(stdout, /errcode: 310000/);
  assert.match(stdout, /access_token=\[REDACTED\]/);
  assert.doesNotMatch(stdout, /SECa0wrong/);
});
