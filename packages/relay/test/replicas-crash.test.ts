/**
 * Three relay processes on one real redis-server (AOF, fsync always) and the emulator throttling at a
 * scaled-down limit. A burst of alerts is spread over the three; the replica sending for the robot is
 * killed with SIGKILL mid-burst; later Redis itself is killed and started again mid-burst. Then every
 * alert answered 2xx is in the emulator exactly once, no window held more than the limit, and DingTalk
 * never answered 130101.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startEmulator } from '@dingbot/emulator';
import { maxInWindow } from '../../sdk/test/helpers/window.js';
import { messagesWith, notification, occurrences, type RelayProcess, spawnRelay, until } from './helpers.js';
import { redisSkipReason, startRelayRedis } from './redis-server.js';

const skip = redisSkipReason();
const LIMIT = 5;
const WINDOW_MS = 1000;

interface RobotView {
  queued: number;
  sending: number;
  inEngine: number;
  lease?: { holder: string };
}

test('three replicas, one killed and Redis restarted mid-burst: every answered alert exactly once, within the limit, no 130101', {
  skip,
  timeout: 900_000,
}, async (t) => {
  const redis = await startRelayRedis({ appendonly: true });
  const emulator = await startEmulator({
    robots: [{ token: 'replicas-token', name: 'ops', secret: 'SECreplicas' }],
    rateLimit: { limit: LIMIT, windowMs: WINDOW_MS },
    penaltyMs: 5000,
    maxRecords: 100_000,
  });
  const dir = mkdtempSync(join(tmpdir(), 'relay-replicas-crash-'));
  const replicas = new Map<string, RelayProcess>();
  try {
    for (const name of ['r0', 'r1', 'r2']) {
      const configPath = join(dir, `${name}.yml`);
      writeFileSync(
        configPath,
        [
          'robots:',
          '  ops:',
          '    token: replicas-token',
          `    baseUrl: ${emulator.url}`,
          '    secret: SECreplicas',
          // Paced at half DingTalk's rate: a send may stall between its slot and its arrival on a loaded machine.
          `    rateLimit: { limit: ${LIMIT}, window: ${2 * WINDOW_MS}ms }`,
          '    penalty: 5s',
          'outbox:',
          // A short lease: the killed replica's robot waits for it to expire (a condition, not a deadline).
          `  redis: { url: "${redis.url}", keyPrefix: "crash:", replica: ${name}, lease: 3s }`,
          'locale: en',
        ].join('\n'),
      );
      replicas.set(name, await spawnRelay(configPath));
    }
    const alive = () =>
      [...replicas.values()].filter((r) => r.child.exitCode === null && r.child.signalCode === null);
    const robots = async (relay: RelayProcess) =>
      (await (await fetch(`${relay.url}/api/robots`)).json()) as RobotView[];

    const answered: string[] = [];
    const refused503: string[] = [];
    const total = 360;
    let turn = 0;
    const postOne = async (i: number): Promise<void> => {
      const live = alive();
      const relay = live[turn++ % live.length]!;
      const token = `rep${String(i).padStart(4, '0')}z`;
      try {
        const res =
          i % 10 === 0
            ? await fetch(`${relay.url}/alertmanager`, {
                method: 'POST',
                headers: { 'content-type': 'application/json' },
                body: JSON.stringify(notification(token)),
              })
            : await fetch(`${relay.url}/robot/send?access_token=ops`, {
                method: 'POST',
                headers: { 'content-type': 'application/json' },
                body: JSON.stringify({ msgtype: 'text', text: { content: token } }),
              });
        const body = (await res.json()) as { errcode?: number; status?: string };
        if (res.status === 200 && (body.errcode === 0 || body.status === 'stored')) answered.push(token);
        if (res.status === 503) refused503.push(token);
      } catch {
        // The replica was killed while this request was in flight: not answered, so not promised.
      }
    };
    /** Posts in chunks of 15; `paced`: after each chunk, waits for the next delivery, so many sends span the burst. */
    const wave = async (from: number, to: number, paced = false) => {
      for (let i = from; i < to; i += 15) {
        const delivered = emulator.messages().length;
        await Promise.all(Array.from({ length: Math.min(15, to - i) }, (_, k) => postOne(i + k)));
        if (paced) await until(() => emulator.messages().length > delivered, 'a delivery during the burst');
      }
    };

    // First third; then, once delivery has begun, SIGKILL the replica holding the robot's lease.
    await wave(0, total / 3, true);
    // Killed while it has rows claimed and not yet delivered: its pending entries must be taken over.
    // Posts go on in unpaced chunks until the holder has some (its window is full by now).
    let next = total / 3;
    while (((await robots(alive()[0]!))[0]?.sending ?? 0) === 0) {
      assert.ok(next < total / 2, 'the holder claimed rows it could not send at once');
      await wave(next, next + 15);
      next += 15;
    }
    const holderName = (await robots(alive()[0]!))[0]?.lease?.holder;
    assert.ok(holderName && replicas.has(holderName), `a replica holds the lease (${holderName})`);
    const holder = replicas.get(holderName)!;
    holder.child.kill('SIGKILL');
    assert.equal(await holder.exited, 'SIGKILL');
    const beforeKill = emulator.messages().length;

    // Second third, to the two others; then Redis is killed (SIGKILL) and started again mid-burst.
    await wave(next, (2 * total) / 3, true);
    await redis.kill();
    const whileDown = answered.length;
    await wave((2 * total) / 3, (2 * total) / 3 + 15);
    assert.equal(answered.length, whileDown, 'nothing is answered 2xx while Redis is down');
    assert.ok(refused503.length >= 15, `posts got 503 while Redis was down (${refused503.length})`);
    for (const relay of alive()) assert.equal((await fetch(`${relay.url}/readyz`)).status, 503);
    await redis.start();
    for (const relay of alive()) {
      await until(
        async () => (await fetch(`${relay.url}/readyz`)).status === 200,
        'every replica ready again',
      );
    }
    await wave((2 * total) / 3 + 15, total, true);
    assert.ok(answered.length >= total / 2, `most posts were answered (${answered.length})`);

    await until(
      () => answered.every((token) => messagesWith(emulator, token) >= 1),
      'every answered alert in the emulator',
      600_000,
    );
    for (const relay of alive()) {
      await until(
        async () => (await robots(relay)).every((r) => r.queued === 0 && r.sending === 0 && r.inEngine === 0),
        'an empty outbox on every replica',
      );
    }

    const twice = answered.filter(
      (token) =>
        messagesWith(emulator, token) !== 1 || (!token.endsWith('0z') && occurrences(emulator, token) !== 1),
    );
    assert.deepEqual(twice, [], 'no content was posted twice');
    assert.deepEqual(
      emulator.attempts().filter((a) => a.errcode === 130101 || a.errcode === 410100),
      [],
      'DingTalk never throttled the replicas',
    );
    const arrivals = emulator.messages().map((m) => m.receivedAt);
    assert.ok(maxInWindow(arrivals, WINDOW_MS) <= LIMIT, `at most ${LIMIT} in any ${WINDOW_MS} ms`);
    assert.ok(emulator.messages().length > beforeKill, 'delivery went on after the kill');
    t.diagnostic(
      `answered ${answered.length}, 503 ${refused503.length}, messages ${emulator.messages().length} (${beforeKill} before the kill), killed ${holderName}`,
    );
    const survivors = alive().map((r) => r.logs());
    assert.ok(
      survivors.some((logs) => /lease acquired/.test(logs)),
      'a surviving replica took the robot over',
    );
  } finally {
    for (const relay of replicas.values()) {
      if (relay.child.exitCode === null && relay.child.signalCode === null) {
        relay.child.kill('SIGTERM');
        await relay.exited;
      }
    }
    await emulator.close();
    await redis.stop();
  }
});
