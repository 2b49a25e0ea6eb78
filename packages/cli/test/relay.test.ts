// `dingbot relay`: the CLI hands the command to @dingbot/relay, connected to its own streams.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { type EmulatorHandle, startEmulator } from '@dingbot/emulator';
import { run } from '../src/run.js';
import { assertNoSecrets, cli, collector, tempHome, until } from './helpers.js';

const SECRET = `SEC${'7c1e'.repeat(16)}`;

describe('dingbot relay', () => {
  const { home, cleanup } = tempHome();
  let emulator: EmulatorHandle;
  let config: string;
  before(async () => {
    emulator = await startEmulator({ robots: [{ token: 'relay-ops', name: 'relay-ops', secret: SECRET }] });
    config = join(home, 'relay.yml');
    writeFileSync(
      config,
      [
        'robots:',
        '  ops:',
        `    webhook: ${emulator.webhookUrl('relay-ops')}`,
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the relay's own ${ENV} syntax, written into relay.yml
        '    secret: ${OPS_SECRET}',
        `outbox:\n  sqlite:\n    path: ${join(home, 'relay.db')}`,
        '',
      ].join('\n'),
    );
  });
  after(async () => {
    await emulator.close();
    cleanup();
  });

  test('check validates the config and prints what the default route would send, never the secret', async () => {
    const result = await cli(['relay', 'check', config], { home, env: { OPS_SECRET: SECRET } });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /ok \(relay\)/);
    assert.match(result.stdout, /robot ops: robot, signed/);
    assert.match(result.stdout, /route default → robot ops, sample alertmanager-firing: markdown/);
    assertNoSecrets(result, [SECRET]);
  });

  test('a misspelt key is exit 3 with its line and the key meant', async () => {
    const bad = join(home, 'bad.yml');
    writeFileSync(bad, 'robots:\n  ops:\n    webhok: http://127.0.0.1:9/robot/send?access_token=x\n');
    const result = await cli(['relay', 'check', bad], { home });
    assert.equal(result.code, 3);
    assert.match(result.stderr, /bad\.yml:3:\d+/);
    assert.match(result.stderr, /webhook/);
  });

  test('--help answers without starting anything', async () => {
    const result = await cli(['relay', '--help'], { home });
    assert.equal(result.code, 0);
    assert.match(result.stdout, /dingbot relay check <file>/);
  });

  test('runs until stopped: a DingTalk-shaped post is stored, answered and delivered signed', async () => {
    const stop = new AbortController();
    const stdout = collector();
    const stderr = collector();
    const exited = run(['relay', '--config', config, '--port', '0'], {
      stdout,
      stderr,
      stdin: Readable.from([]),
      env: { HOME: home, OPS_SECRET: SECRET },
      signal: stop.signal,
    });
    await until(() => /listening on (http:\/\/\S+)/.test(stderr.text));
    const url = /listening on (http:\/\/\S+)/.exec(stderr.text)![1]!;
    const answer = await fetch(`${url}/robot/send?access_token=ops`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ msgtype: 'text', text: { content: 'relayed from the CLI' } }),
    });
    assert.deepEqual(await answer.json(), { errcode: 0, errmsg: 'ok' });
    await until(() => emulator.messages().length > 0);
    assert.deepEqual(emulator.messages()[0]!.payload.text, {
      content: 'relayed from the CLI',
    });
    stop.abort();
    assert.equal(await exited, 0);
    assert.ok(!stdout.text.includes(SECRET) && !stderr.text.includes(SECRET));
  });
});
