import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, test } from 'node:test';
import { type EmulatorHandle, startEmulator } from '@dingbot/emulator';
import { createLogger } from '../src/ops/log.js';
import type { Logger } from '../src/sender/sender.js';
import { startRelay } from '../src/server/start.js';
import { until } from './helpers.js';

const quiet: Logger = { info() {}, warn() {}, error() {} };
const firing = readFileSync(
  join(import.meta.dirname, 'fixtures', 'alertmanager', 'alertmanager-firing.json'),
  'utf8',
);
const emulators: EmulatorHandle[] = [];
after(async () => {
  await Promise.all(emulators.map((e) => e.close()));
});

test('a prometheus-webhook-dingtalk config file works unchanged: /dingtalk/<target>/send, mentions, signing', async () => {
  const emulator = await startEmulator({ robots: [{ token: 'pwd-token', name: 'ops', secret: 'SECpwd' }] });
  emulators.push(emulator);
  const dir = mkdtempSync(join(tmpdir(), 'relay-pwd-'));
  const path = join(dir, 'config.yml');
  writeFileSync(
    path,
    [
      'targets:',
      '  webhook1:',
      `    url: ${emulator.webhookUrl('pwd-token')}`,
      '    secret: SECpwd',
      '    mention:',
      "      mobiles: ['13800000000']",
    ].join('\n'),
  );
  const cwd = process.cwd();
  process.chdir(dir); // the outbox goes to dingbot-relay.db in the working directory
  const relay = await startRelay({ configPath: path, port: 0, log: quiet }).finally(() => process.chdir(cwd));
  try {
    const res = await fetch(`${relay.url}/dingtalk/webhook1/send`, { method: 'POST', body: firing });
    assert.equal(res.status, 200);
    await until(() => emulator.messages().length === 1, 'the alert in the emulator');
    const [message] = emulator.messages();
    assert.deepEqual(message!.mentions.mobiles, ['13800000000']);
    assert.match(JSON.stringify(message!.payload), /DiskFull/);
  } finally {
    await relay.close();
  }
});

test('reload: a bad config is refused and the running one stays; a good one takes effect', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'relay-reload-'));
  const path = join(dir, 'relay.yml');
  const good = `robots:\n  ops: { token: t1, baseUrl: "http://127.0.0.1:9" }\noutbox: { sqlite: { path: ${join(dir, 'r.db')} } }\n`;
  writeFileSync(path, good);
  const relay = await startRelay({ configPath: path, port: 0, dryRun: true, log: quiet });
  try {
    writeFileSync(path, `${good}routes:\n  - name: x\n    robot: opz\n`);
    const refused = await fetch(`${relay.url}/-/reload`, { method: 'POST' });
    assert.equal(refused.status, 400);
    assert.match(((await refused.json()) as { error: string }).error, /did you mean "ops"/);
    assert.equal(
      (
        await fetch(`${relay.url}/robot/send?access_token=ops`, {
          method: 'POST',
          body: '{"msgtype":"text","text":{"content":"a"}}',
        })
      ).status,
      200,
    );
    writeFileSync(path, good.replace('ops:', 'dev:'));
    assert.equal((await fetch(`${relay.url}/-/reload`, { method: 'POST' })).status, 200);
    const answer = await (
      await fetch(`${relay.url}/robot/send?access_token=dev`, {
        method: 'POST',
        body: '{"msgtype":"text","text":{"content":"b"}}',
      })
    ).json();
    assert.deepEqual(answer, { errcode: 0, errmsg: 'ok' });
  } finally {
    await relay.close();
  }
});

test('--dry-run posts nothing and logs the body it would post; logs never show the token', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'relay-dry-'));
  const path = join(dir, 'relay.yml');
  writeFileSync(
    path,
    `robots:\n  ops: { webhook: "http://127.0.0.1:9/robot/send?access_token=SUPERSECRETTOKEN", secret: SECsupersecret }\n`,
  );
  let logged = '';
  const log = createLogger({
    destination: new Writable({
      write(chunk, _encoding, done) {
        logged += chunk.toString();
        done();
      },
    }),
  });
  const relay = await startRelay({ configPath: path, port: 0, dryRun: true, log });
  try {
    await fetch(`${relay.url}/robot/send?access_token=ops`, {
      method: 'POST',
      body: '{"msgtype":"text","text":{"content":"dry-run-body"}}',
    });
    await until(() => logged.includes('dry run: would post'), 'the dry-run log line');
    assert.match(logged, /dry-run-body/);
  } finally {
    await relay.close();
  }
  assert.doesNotMatch(logged, /SUPERSECRETTOKEN|SECsupersecret/);
});
