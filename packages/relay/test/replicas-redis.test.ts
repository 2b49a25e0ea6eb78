/**
 * Two relays in one process sharing one Redis outbox: the inbound dedupe, the leases shown by
 * `/api/robots`, the queues every replica sees, a graceful hand-over, and Redis going away (503,
 * `/readyz`). The crash test with three processes is replicas-crash.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type EmulatorHandle, startEmulator } from '@dingbot/emulator';
import { SqliteLimiterStore } from '../src/outbox/limiter.js';
import type { Outbox } from '../src/outbox/outbox.js';
import { SqliteOutbox } from '../src/outbox/sqlite.js';
import { RobotSender } from '../src/sender/sender.js';
import { type RunningRelay, startRelay } from '../src/server/start.js';
import { messagesWith, notification, until } from './helpers.js';
import { type RelayTestRedis, redisSkipReason, startRelayRedis } from './redis-server.js';

const skip = redisSkipReason();
const quiet = { info() {}, warn() {}, error() {} };
interface RobotView {
  name: string;
  queued: number;
  sending: number;
  dead: number;
  inEngine: number;
  lease?: { holder: string; until: number };
  replica?: string;
}

const robotsOf = async (relay: RunningRelay): Promise<RobotView[]> =>
  (await (await fetch(`${relay.url}/api/robots`)).json()) as RobotView[];

const post = (relay: RunningRelay, body: unknown) =>
  fetch(`${relay.url}/alertmanager`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('relay replicas on one Redis (in one process)', { skip }, () => {
  let redis: RelayTestRedis;
  let emulator: EmulatorHandle;
  let dir: string;
  const relays: RunningRelay[] = [];
  /** The replica still running after the hand-over. */
  let survivor: RunningRelay | undefined;

  /** A replica named `replica`; its lease lasts 10 minutes, so only a release or a test ends it. */
  const writeConfig = (name: string, kwKeywords = '') => {
    const configPath = join(dir, `${name}.yml`);
    writeFileSync(
      configPath,
      [
        'robots:',
        `  ops: { token: ops-token, baseUrl: "${emulator.url}", rateLimit: { limit: 20, window: 1s } }`,
        `  kw: { token: kw-token, baseUrl: "${emulator.url}"${kwKeywords} }`,
        'defaultRoute: { robot: ops }',
        'outbox:',
        `  redis: { url: "${redis.url}", keyPrefix: "inproc:", replica: ${name}, lease: 10m }`,
        'locale: en',
      ].join('\n'),
    );
    return configPath;
  };
  async function replica(name: string): Promise<RunningRelay> {
    const configPath = writeConfig(name);
    const relay = await startRelay({ configPath, port: 0, log: quiet, robotOptions: { retry: 'fast' } });
    relays.push(relay);
    return relay;
  }

  before(async () => {
    redis = await startRelayRedis({ appendonly: true });
    emulator = await startEmulator({
      robots: [
        { token: 'ops-token', name: 'ops' },
        { token: 'kw-token', name: 'kw', keywords: ['alert'] },
      ],
      rateLimit: false,
    });
    dir = mkdtempSync(join(tmpdir(), 'relay-replicas-'));
  });
  after(async () => {
    for (const relay of relays) await relay.close();
    await emulator?.close();
    await redis?.stop();
  });

  test('duplicates posted to two replicas are delivered once; every replica shows the lease and the shared queues', async () => {
    const a = await replica('a');
    const b = await replica('b');
    await until(async () => (await robotsOf(b))[0]?.lease !== undefined, 'a lease holder');
    const [viewA] = await robotsOf(a);
    const [viewB] = await robotsOf(b);
    assert.equal(viewA?.replica, 'a');
    assert.equal(viewB?.replica, 'b');
    assert.equal(viewA?.lease?.holder, viewB?.lease?.holder);
    assert.ok(['a', 'b'].includes(viewA!.lease!.holder));
    assert.ok(viewA!.lease!.until > Date.now() + 60_000, 'the lease runs 10 minutes unless renewed');
    const held = async (relay: RunningRelay) =>
      /dingbot_relay_lease_held\{robot="ops"\} 1/.test(await (await fetch(`${relay.url}/metrics`)).text());
    assert.deepEqual(
      [await held(a), await held(b)],
      [viewA!.lease!.holder === 'a', viewA!.lease!.holder === 'b'],
      'dingbot_relay_lease_held is 1 on the holder only',
    );

    // Alertmanager in HA mode: each of its replicas sends the same notification, here to a different relay.
    const same = notification('HaDuplicate');
    const answers = await Promise.all([post(a, same), post(b, same), post(a, same)]);
    const statuses = await Promise.all(
      answers.map(async (r) => [r.status, ((await r.json()) as { status: string }).status]),
    );
    assert.deepEqual(statuses.map(([code]) => code).sort(), [200, 200, 200]);
    assert.deepEqual(statuses.map(([, s]) => s).sort(), ['duplicate', 'duplicate', 'stored']);
    await until(() => messagesWith(emulator, 'HaDuplicate') >= 1, 'the notification delivered');
    await until(
      async () => (await robotsOf(a)).every((r) => r.queued === 0 && r.sending === 0),
      'an empty outbox',
    );
    assert.equal(messagesWith(emulator, 'HaDuplicate'), 1);
    // The delivery is in "recent" whichever replica is asked.
    for (const relay of [a, b]) {
      const recent = (await (await fetch(`${relay.url}/api/recent`)).json()) as { source: string }[];
      assert.equal(recent.length, 1);
      assert.equal(recent[0]!.source, 'alertmanager');
    }
  });

  test('a dead letter made by the holder is listed and replayed through the other replica, after both reloaded the fixed config', async () => {
    const [a, b] = relays as [RunningRelay, RunningRelay];
    await until(async () => (await robotsOf(a)).every((r) => r.lease !== undefined), 'every robot leased');
    const holderName = (await robotsOf(a)).find((r) => r.name === 'kw')!.lease!.holder;
    const other = holderName === 'a' ? b : a;
    const stored = await fetch(`${other.url}/robot/send?access_token=kw`, {
      method: 'POST',
      body: '{"msgtype":"text","text":{"content":"DeadThenReplayed"}}',
    });
    assert.deepEqual(await stored.json(), { errcode: 0, errmsg: 'ok' });
    type Dead = { id: number; robot: string; errcode?: number };
    let dead: Dead[] = [];
    await until(async () => {
      dead = (await (await fetch(`${other.url}/api/dead`)).json()) as Dead[];
      return dead.length === 1;
    }, 'the dead letter listed by the replica that does not send');
    assert.equal(dead[0]!.robot, 'kw');
    assert.equal(dead[0]!.errcode, 310000, "DingTalk's keyword refusal");
    // The config is fixed and reloaded on each replica (a rollout), then the letter is replayed.
    for (const [name, relay] of [
      ['a', a],
      ['b', b],
    ] as const) {
      writeConfig(name, ', keywords: [alert]');
      assert.deepEqual(await relay.reload(), { ok: true });
    }
    const replay = await fetch(`${other.url}/api/dead/${dead[0]!.id}/replay`, { method: 'POST' });
    assert.equal(replay.status, 200);
    await until(() => messagesWith(emulator, 'DeadThenReplayed') === 1, 'the replayed letter delivered');
    assert.deepEqual(await (await fetch(`${a.url}/api/dead`)).json(), []);
    const metrics = await (await fetch(`${other.url}/metrics`)).text();
    assert.match(metrics, /dingbot_relay_outbox_depth\{robot="kw",state="dead"\} 0/);
  });

  test('a replica stopping hands its robot over at once: the other delivers what was queued', async () => {
    const [a, b] = relays as [RunningRelay, RunningRelay];
    const holder = (await robotsOf(a)).find((r) => r.name === 'ops')!.lease!.holder === 'a' ? a : b;
    const other = holder === a ? b : a;
    const otherName = holder === a ? 'b' : 'a';
    await holder.close();
    survivor = other;
    await until(
      async () => (await robotsOf(other)).every((r) => r.lease?.holder === otherName),
      'the other replica holding every lease',
    );
    const res = await post(other, notification('AfterHandOver'));
    assert.equal(res.status, 200);
    await until(() => messagesWith(emulator, 'AfterHandOver') === 1, 'delivery by the new holder');
  });

  test('Redis down: posts answer 503 and /readyz is unready; Redis back: both recover', async () => {
    const relay = survivor ?? (await replica('c'));
    assert.equal((await fetch(`${relay.url}/readyz`)).status, 200);
    await redis.kill();
    const down = await post(relay, notification('WhileDown'));
    assert.equal(down.status, 503);
    assert.match(((await down.json()) as { error: string }).error, /retry/);
    assert.equal((await fetch(`${relay.url}/readyz`)).status, 503);
    const dingtalk = await fetch(`${relay.url}/robot/send?access_token=ops`, {
      method: 'POST',
      body: '{"msgtype":"text","text":{"content":"WhileDown too"}}',
    });
    assert.equal(dingtalk.status, 503, 'the DingTalk-compatible input answers 503 too');
    await dingtalk.body?.cancel();
    await redis.start();
    await until(async () => (await fetch(`${relay.url}/readyz`)).status === 200, '/readyz ready again');
    assert.equal((await post(relay, notification('AfterRedis'))).status, 200);
    await until(() => messagesWith(emulator, 'AfterRedis') === 1, 'delivery after Redis came back');
    assert.equal(messagesWith(emulator, 'WhileDown'), 0, 'what was refused with 503 was not stored');
  });
});

test('a sender whose outbox fails as it starts (Redis away) tries again rather than leave its robot without a sender', async () => {
  const emulator = await startEmulator({
    robots: [{ token: 'flaky-token', name: 'flaky' }],
    rateLimit: false,
  });
  const inner = new SqliteOutbox({ path: ':memory:' });
  let failures = 2;
  const flaky = new Proxy(inner, {
    get(target, prop) {
      if (prop === 'pendingSends' && failures > 0) {
        failures--;
        return async () => {
          throw new Error('Redis is unreachable');
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as Outbox;
  const errors: string[] = [];
  const sender = new RobotSender({
    target: { name: 'flaky', members: [{ token: 'flaky-token', baseUrl: emulator.url }], rateLimit: false },
    outbox: flaky,
    store: new SqliteLimiterStore(inner.db),
    log: { info() {}, warn() {}, error: (o) => errors.push(JSON.stringify(o)) },
  });
  try {
    await inner.append({
      messages: [
        { robot: 'flaky', route: null, message: { msgtype: 'text', text: { content: 'AfterRetry' } } },
      ],
      source: 't',
    });
    sender.start();
    await until(
      () => messagesWith(emulator, 'AfterRetry') === 1,
      'the message delivered once the outbox answers',
    );
    assert.equal(failures, 0);
    assert.match(errors.join('\n'), /Redis is unreachable/, 'the failure was logged');
  } finally {
    await sender.stop();
    await inner.close();
    await emulator.close();
  }
});

test('a reload that changes outbox: says it takes a restart, and keeps the outbox it has', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'relay-outbox-reload-'));
  const configPath = join(dir, 'relay.yml');
  const config = (db: string) =>
    `robots:\n  ops: { token: t, baseUrl: "http://127.0.0.1:9" }\noutbox: { sqlite: { path: ${join(dir, db)} } }\n`;
  writeFileSync(configPath, config('first.db'));
  const warnings: string[] = [];
  const relay = await startRelay({
    configPath,
    port: 0,
    log: { info() {}, warn: (_o, message) => warnings.push(String(message)), error() {} },
  });
  try {
    writeFileSync(configPath, config('second.db'));
    assert.deepEqual(await relay.reload(), { ok: true });
    assert.ok(
      warnings.some((w) => /outbox: settings changed.*restart this replica/.test(w)),
      warnings.join('\n'),
    );
    const answer = await fetch(`${relay.url}/robot/send?access_token=ops`, {
      method: 'POST',
      body: '{"msgtype":"text","text":{"content":"kept"}}',
    });
    assert.deepEqual(await answer.json(), { errcode: 0, errmsg: 'ok' });
  } finally {
    await relay.close();
  }
});
