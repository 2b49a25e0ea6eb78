import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startEmulator } from '@dingbot/emulator';
import { messagesWith, notification, occurrences, type RelayProcess, spawnRelay, until } from './helpers.js';

test('kill -9 mid-way: every message answered 2xx reaches DingTalk exactly once, and no 130101', {
  timeout: 600_000,
}, async () => {
  const emulator = await startEmulator({
    robots: [{ token: 'crash-token', name: 'ops', secret: 'SECcrash' }],
    rateLimit: { limit: 5, windowMs: 1000 },
    penaltyMs: 5000,
    maxRecords: 100_000,
  });
  const dir = mkdtempSync(join(tmpdir(), 'relay-crash-'));
  const configPath = join(dir, 'relay.yml');
  writeFileSync(
    configPath,
    [
      'robots:',
      '  ops:',
      '    token: crash-token',
      `    baseUrl: ${emulator.url}`,
      '    secret: SECcrash',
      '    rateLimit: { limit: 5, window: 1s }',
      '    penalty: 5s',
      'outbox:',
      `  sqlite: { path: ${join(dir, 'relay.db')} }`,
      'locale: en',
    ].join('\n'),
  );
  let relay: RelayProcess | undefined;
  try {
    relay = await spawnRelay(configPath);
    const answered: string[] = [];
    const total = 300;
    const alertsEvery = 10;
    let killed = false;
    const postOne = async (base: string, i: number): Promise<void> => {
      const token = `crash${String(i).padStart(4, '0')}z`;
      try {
        if (i % alertsEvery === 0) {
          const res = await fetch(`${base}/alertmanager`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(notification(token)),
          });
          if (res.status === 200) answered.push(token);
          else await res.body?.cancel();
        } else {
          const res = await fetch(`${base}/robot/send?access_token=ops`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ msgtype: 'text', text: { content: token } }),
          });
          const answer = (await res.json()) as { errcode?: number };
          if (res.status === 200 && answer.errcode === 0) answered.push(token);
        }
      } catch {
        // The relay was killed while this request was in flight: not answered, so not promised.
      }
    };
    // First half, in concurrent waves; kill -9 once some of them are already being delivered.
    let next = 0;
    while (next < total / 2) {
      const wave = Array.from({ length: 15 }, (_, k) => next + k).filter((i) => i < total / 2);
      next += wave.length;
      const posting = Promise.all(wave.map((i) => postOne(relay!.url, i)));
      if (!killed && next >= total / 3 && emulator.messages().length > 0) {
        relay.child.kill('SIGKILL');
        killed = true;
      }
      await posting;
      if (killed) break;
    }
    if (!killed) {
      // Posting outran delivery: kill as soon as delivery has begun.
      await until(() => emulator.messages().length > 0, 'the first delivery', 300_000);
      relay.child.kill('SIGKILL');
      killed = true;
    }
    assert.equal(await relay.exited, 'SIGKILL');
    const beforeRestart = emulator.messages().length;

    relay = await spawnRelay(configPath);
    for (let i = next; i < total; i += 15) {
      await Promise.all(
        Array.from({ length: Math.min(15, total - i) }, (_, k) => postOne(relay!.url, i + k)),
      );
    }
    assert.ok(answered.length >= total / 2, `most posts were answered (${answered.length})`);

    const robots = async () =>
      (await (await fetch(`${relay!.url}/api/robots`)).json()) as {
        queued: number;
        sending: number;
        inEngine: number;
      }[];
    await until(
      async () => answered.every((token) => messagesWith(emulator, token) >= 1),
      'every answered message in the emulator',
      300_000,
    );
    await until(
      async () => (await robots()).every((r) => r.queued === 0 && r.sending === 0 && r.inEngine === 0),
      'an empty outbox',
    );

    const twice = answered.filter(
      (token) =>
        messagesWith(emulator, token) !== 1 || (!token.endsWith('0z') && occurrences(emulator, token) !== 1),
    );
    assert.deepEqual(twice, [], 'no content was posted twice');
    const throttled = emulator.attempts().filter((a) => a.errcode === 130101 || a.errcode === 410100);
    assert.deepEqual(throttled, [], 'DingTalk never throttled the relay');
    assert.ok(beforeRestart > 0 && emulator.messages().length > beforeRestart, 'delivery spanned the crash');
  } finally {
    if (relay && relay.child.exitCode === null && relay.child.signalCode === null) {
      relay.child.kill('SIGTERM');
      await relay.exited;
    }
    await emulator.close();
  }
});

test('signals: SIGHUP reloads (a bad config is refused, the relay keeps running), SIGTERM stops gracefully', {
  timeout: 300_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'relay-signals-'));
  const configPath = join(dir, 'relay.yml');
  const good = `robots:\n  ops: { token: t, baseUrl: "http://127.0.0.1:9" }\noutbox: { sqlite: { path: ${join(dir, 'r.db')} } }\n`;
  writeFileSync(configPath, good);
  const relay = await spawnRelay(configPath);
  try {
    writeFileSync(configPath, `${good}bogus: 1\n`);
    relay.child.kill('SIGHUP');
    await until(() => relay.logs().includes('reload refused'), 'the refused reload in the log');
    assert.match(relay.logs(), /unknown key `bogus`/);
    assert.equal((await fetch(`${relay.url}/readyz`)).status, 200);
    writeFileSync(configPath, good.replace('ops:', 'dev:'));
    relay.child.kill('SIGHUP');
    await until(() => relay.logs().includes('config reloaded'), 'the reload in the log');
    const answer = await (
      await fetch(`${relay.url}/robot/send?access_token=dev`, {
        method: 'POST',
        body: '{"msgtype":"text","text":{"content":"kept"}}',
      })
    ).json();
    assert.deepEqual(answer, { errcode: 0, errmsg: 'ok' });
  } finally {
    relay.child.kill('SIGTERM');
  }
  assert.equal(await relay.exited, 0);
  assert.match(relay.logs(), /relay stopped/);
});
