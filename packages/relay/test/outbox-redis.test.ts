import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { text } from '@dingbot/sdk';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import type { OutgoingMessage } from '../src/model.js';
import { RobotLeases } from '../src/outbox/lease.js';
import type { Outbox } from '../src/outbox/outbox.js';
import { RedisOutbox, type RedisOutboxOptions } from '../src/outbox/redis.js';
import { SqliteOutbox } from '../src/outbox/sqlite.js';
import { until } from './helpers.js';
import { outboxContract } from './outbox-contract.js';
import { type RelayTestRedis, redisSkipReason, startRelayRedis } from './redis-server.js';

const skip = redisSkipReason();
const out = (robot: string, content: string): OutgoingMessage => ({
  robot,
  route: null,
  message: text(content),
});

let redis: RelayTestRedis;
let admin: Redis;
let prefixes = 0;
const opened: RedisOutbox[] = [];

/** An outbox on the test Redis, under a prefix of its own unless one is given (a second replica). */
function outbox(options: Partial<RedisOutboxOptions> = {}): RedisOutbox {
  const made = new RedisOutbox({
    redis: redis.url,
    keyPrefix: `t${++prefixes}:`,
    replica: `replica-${prefixes}`,
    ...options,
  });
  opened.push(made);
  return made;
}

/** Resolves once the outbox's connection is ready (no deadline: a loaded machine may be slow). */
async function ready(o: RedisOutbox): Promise<RedisOutbox> {
  await until(() => o.redis.status === 'ready', 'the Redis connection');
  return o;
}

before(async () => {
  if (skip) return;
  redis = await startRelayRedis({ appendonly: true });
  admin = new Redis(redis.url);
});
after(async () => {
  for (const o of opened) await o.close();
  admin?.disconnect();
  await redis?.stop();
});

describe('RedisOutbox', { skip }, () => {
  outboxContract('RedisOutbox', async (now) => ready(outbox({ now })));

  test('property: any sequence of operations leaves Redis and SQLite in the same observable state', async () => {
    type Op =
      | { kind: 'append'; robot: string; count: number }
      | { kind: 'claim'; robot: string; n: number }
      | { kind: 'deliver' | 'dead' | 'retry'; k: number }
      | { kind: 'reset'; robot: string }
      | { kind: 'replay' };
    const robot = fc.constantFrom('a', 'b');
    const op: fc.Arbitrary<Op> = fc.oneof(
      {
        weight: 3,
        arbitrary: fc.record({
          kind: fc.constant('append' as const),
          robot,
          count: fc.integer({ min: 1, max: 3 }),
        }),
      },
      {
        weight: 3,
        arbitrary: fc.record({
          kind: fc.constant('claim' as const),
          robot,
          n: fc.integer({ min: 1, max: 4 }),
        }),
      },
      {
        weight: 3,
        arbitrary: fc.record({
          kind: fc.constantFrom('deliver' as const, 'dead' as const, 'retry' as const),
          k: fc.integer({ min: 1, max: 3 }),
        }),
      },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('reset' as const), robot }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('replay' as const) }) },
    );
    let content = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 10, maxLength: 40 }), async (ops) => {
        const engines: Outbox[] = [
          new SqliteOutbox({ path: ':memory:', now: () => 1 }),
          await ready(outbox({ now: () => 1 })),
        ];
        // The rows each engine has handed out and not settled, oldest first (the same on both, or the property fails).
        const sending = engines.map(() => [] as number[]);
        try {
          for (const step of ops) {
            const observed: unknown[] = [];
            for (const [e, engine] of engines.entries()) {
              const mine = sending[e]!;
              if (step.kind === 'append') {
                const start = content;
                const messages = Array.from({ length: step.count }, (_, i) =>
                  out(step.robot, `c${start + i}`),
                );
                observed.push((await engine.append({ messages, source: 'p' })).ids);
              } else if (step.kind === 'claim') {
                const rows = await engine.claim(step.robot, step.n);
                mine.push(...rows.map((r) => r.id));
                observed.push(
                  rows.map((r) => [
                    r.id,
                    r.attempts,
                    (r.message as { text: { content: string } }).text.content,
                  ]),
                );
              } else if (step.kind === 'reset') {
                const moved = await engine.resetSending(step.robot);
                const row = await Promise.all(mine.map((id) => engine.get(id)));
                sending[e] = mine.filter((_, i) => row[i]?.state === 'sending');
                observed.push(moved);
              } else if (step.kind === 'replay') {
                observed.push(await engine.replay());
              } else {
                const ids = mine.splice(0, step.k);
                if (step.kind === 'deliver') await engine.markDelivered(ids);
                else if (step.kind === 'dead') await engine.markDead(ids, 'refused', 310000);
                else await engine.retryLater(ids, 'busy', 0);
                observed.push(ids);
              }
              const depth = await engine.depth();
              observed.push(
                ['a', 'b'].map((r) => {
                  const d = depth[r];
                  return [d?.queued ?? 0, d?.sending ?? 0, d?.dead ?? 0];
                }),
              );
            }
            if (step.kind === 'append') content += step.count;
            const [sqlite, redisSide] = [
              observed.slice(0, observed.length / 2),
              observed.slice(observed.length / 2),
            ];
            assert.deepEqual(redisSide, sqlite, `after ${JSON.stringify(step)}`);
          }
          const dead = await Promise.all(
            engines.map(async (e) => (await e.dead()).map((r) => [r.id, r.reason, r.errcode])),
          );
          assert.deepEqual(dead[1], dead[0]);
        } finally {
          for (const engine of engines) await engine.close();
        }
      }),
      { numRuns: 50 },
    );
  });

  test('two replicas share the inbound dedupe window (SET NX PX)', async () => {
    const a = await ready(outbox({ replica: 'a' }));
    const b = await ready(outbox({ keyPrefix: a.base.replace('{relay}:', ''), replica: 'b' }));
    const request = {
      messages: [out('ops', 'x')],
      source: 'am',
      dedupeKey: 'group-1',
      dedupeWindowMs: 600_000,
    };
    assert.equal((await a.append(request)).duplicate, false);
    assert.equal((await b.append(request)).duplicate, true);
    assert.ok((await admin.pttl(`${a.base}dedupe:group-1`)) > 590_000, 'the mark expires with the window');
  });

  test('a dead replica’s claimed rows are taken over with XAUTOCLAIM, same msgUuid, in order', async () => {
    const a = await ready(outbox({ replica: 'a' }));
    const b = await ready(outbox({ keyPrefix: a.base.replace('{relay}:', ''), replica: 'b' }));
    await a.append({ messages: ['1', '2', '3', '4'].map((c) => out('ops', c)), source: 't' });
    const claimed = await a.claim('ops', 3);
    assert.deepEqual(await b.claim('ops', 10).then((rows) => rows.map((r) => r.id)), [claimed[2]!.id + 1]);
    // a dies here: its three rows stay in its pending entries list.
    const pending = (await admin.xpending(`${a.base}stream:ops`, 'relay')) as [
      number,
      string,
      string,
      [string, string][],
    ];
    assert.deepEqual(pending[3], [
      ['a', '3'],
      ['b', '1'],
    ]);
    assert.equal(await b.resetSending('ops'), 4);
    const again = await b.claim('ops', 10);
    assert.deepEqual(
      again.map((r) => [r.id, r.message.msgUuid]),
      [...claimed.map((r) => [r.id, r.message.msgUuid]), [claimed[2]!.id + 1, again[3]!.message.msgUuid]],
    );
    const after = (await admin.xpending(`${a.base}stream:ops`, 'relay')) as [
      number,
      string,
      string,
      [string, string][],
    ];
    assert.deepEqual(after[3], [['b', '4']], 'b owns every pending entry now');
    await b.markDelivered(again.map((r) => r.id));
    assert.equal(await admin.xlen(`${a.base}stream:ops`), 0, 'delivered entries leave the stream');
    assert.equal((await admin.xpending(`${a.base}stream:ops`, 'relay'))[0], 0);
  });

  test('fenced: without the robot’s lease a replica claims nothing, resets nothing and cannot record a send', async () => {
    const a = await ready(outbox({ replica: 'a', fenced: true }));
    const b = await ready(outbox({ keyPrefix: a.base.replace('{relay}:', ''), replica: 'b', fenced: true }));
    await a.append({ messages: [out('ops', 'x'), out('ops', 'y')], source: 't' });
    assert.deepEqual(await a.claim('ops', 1), [], 'nobody holds the lease: nobody claims');
    await admin.set(`${a.base}lease:ops`, 'a');
    const [row] = await a.claim('ops', 1);
    assert.ok(row);
    assert.deepEqual(await b.claim('ops', 5), []);
    assert.equal(await b.resetSending('ops'), 0);
    const send = {
      msgUuid: 'u-1',
      robot: 'ops',
      message: row.message,
      members: [{ id: row.id, part: 0, parts: 1 }],
    };
    await assert.rejects(b.recordSend(send), /LEASE_LOST/);
    await a.recordSend(send);
    // A pool's member robot (`ops#1`) is fenced by the pool's lease.
    await a.recordSend({ ...send, msgUuid: 'u-2', robot: 'ops#1' });
    await assert.rejects(b.recordSend({ ...send, msgUuid: 'u-3', robot: 'ops#1' }), /LEASE_LOST/);
    assert.deepEqual(
      (await a.pendingSends('ops')).map((s) => s.msgUuid),
      ['u-1'],
    );
  });

  test('a replica is woken when another appends or replays for a robot', async () => {
    const a = await ready(outbox({ replica: 'a' }));
    const b = await ready(outbox({ keyPrefix: a.base.replace('{relay}:', ''), replica: 'b' }));
    const woken: string[] = [];
    b.onWake((robot) => woken.push(robot));
    // The subscription is made in the background: append until b hears one.
    await until(async () => {
      await a.append({ messages: [out('dev', 'x')], source: 't' });
      return woken.includes('dev');
    }, 'the wake message');
  });

  test('delivered rows do not pile up: recent keeps the last keepDelivered, the rows hash empties', async () => {
    const o = await ready(outbox({ keepDelivered: 5 }));
    const { ids } = await o.append({
      messages: Array.from({ length: 20 }, (_, i) => out('ops', `m${i}`)),
      source: 't',
    });
    await o.claim('ops', 20);
    await o.markDelivered(ids);
    assert.equal((await o.recent(100)).length, 5);
    assert.equal(await admin.hlen(`${o.base}rows`), 0);
    assert.equal(await admin.xlen(`${o.base}stream:ops`), 0);
  });

  test('serverWarnings: none on a Redis with AOF and noeviction; AOF off and an evicting policy are named', async () => {
    const o = await ready(outbox());
    assert.deepEqual(await o.serverWarnings(), []);
    const plain = await startRelayRedis();
    const other = await ready(outbox({ redis: plain.url }));
    try {
      await other.redis.config('SET', 'maxmemory-policy', 'allkeys-lru');
      const warnings = await other.serverWarnings();
      assert.equal(warnings.length, 2);
      assert.match(
        warnings[0]!,
        /without AOF \(appendonly no\): a Redis crash loses alerts already answered/,
      );
      assert.match(warnings[1]!, /maxmemory-policy is allkeys-lru: .*set it to noeviction/);
    } finally {
      await other.close();
      await plain.stop();
    }
  });

  test('waitReplicas: an append no Redis replica confirms fails (503), and its retry is a duplicate', async () => {
    // The test Redis has no replica: WAIT answers 0 once its timeout is over.
    const o = await ready(outbox({ waitReplicas: 1, waitTimeoutMs: 50 }));
    const request = { messages: [out('ops', 'x')], source: 'am', dedupeKey: 'k', dedupeWindowMs: 600_000 };
    await assert.rejects(
      o.append(request),
      /only 0 of 1 Redis replicas confirmed the write.*outbox\.redis\.waitReplicas/,
    );
    assert.deepEqual(await o.append(request), { ids: [], duplicate: true });
  });

  test('Redis down: appends fail at once and writable() is false; restarted, what was answered is there', async () => {
    const o = await ready(outbox());
    const { ids } = await o.append({ messages: [out('ops', 'before the crash')], source: 't' });
    await redis.kill();
    await assert.rejects(o.append({ messages: [out('ops', 'while down')], source: 't' }));
    assert.equal(await o.writable(), false);
    await redis.start();
    await until(() => o.writable(), 'the outbox writable again');
    const rows = await o.claim('ops', 10);
    assert.deepEqual(
      rows.map((r) => r.id),
      ids,
      'the append answered before the SIGKILL survived (AOF, appendfsync always)',
    );
  });
});

describe('RobotLeases', { skip }, () => {
  let conn: Redis[] = [];
  after(async () => {
    for (const c of conn) c.disconnect();
    conn = [];
  });

  function leases(holder: string, events: string[], prefix: string) {
    const client = new Redis(redis.url);
    client.on('error', () => {});
    conn.push(client);
    return new RobotLeases({
      redis: client,
      key: (robot) => `${prefix}lease:${robot}`,
      holder,
      // Long: nothing here waits for an expiry; leases end by release or by being taken.
      ttlMs: 600_000,
      onAcquired: (robot) => events.push(`+${robot}`),
      onLost: (robot) => events.push(`-${robot}`),
    });
  }

  test('one holder per robot; a stop releases at once and another replica takes it', async () => {
    const prefix = `lease${++prefixes}:`;
    const seenA: string[] = [];
    const seenB: string[] = [];
    const a = leases('a', seenA, prefix);
    const b = leases('b', seenB, prefix);
    a.watch(['ops', 'dev']);
    b.watch(['ops', 'dev']);
    await a.tick();
    await b.tick();
    assert.deepEqual(seenA, ['+ops', '+dev']);
    assert.deepEqual(seenB, []);
    const states = await b.states(['ops', 'dev', 'none']);
    assert.equal(states['ops']?.holder, 'a');
    assert.ok(states['ops']!.until > Date.now() + 500_000);
    assert.equal(states['none'], undefined);
    await a.stop();
    await b.tick();
    assert.deepEqual(seenB, ['+ops', '+dev']);
    assert.equal((await b.states(['ops']))['ops']?.holder, 'b');
  });

  test('a lease taken by another replica is lost at the next renewal; a robot no longer watched is released', async () => {
    const prefix = `lease${++prefixes}:`;
    const seen: string[] = [];
    const a = leases('a', seen, prefix);
    a.watch(['ops', 'dev']);
    await a.tick();
    await admin.set(`${prefix}lease:ops`, 'someone-else', 'PX', 600_000);
    await a.tick();
    assert.deepEqual(seen, ['+ops', '+dev', '-ops']);
    a.watch([]);
    await a.tick();
    assert.deepEqual(seen, ['+ops', '+dev', '-ops', '-dev']);
    assert.equal(await admin.get(`${prefix}lease:dev`), null, 'released');
    await a.stop();
  });

  test('a dropped connection gives the robots up and takes them again (a fresh sender recovers)', async () => {
    const prefix = `lease${++prefixes}:`;
    const seen: string[] = [];
    const a = leases('a', seen, prefix);
    a.watch(['ops']);
    await a.tick();
    const client = conn.at(-1)!;
    const closed = new Promise((resolve) => client.once('close', resolve));
    client.disconnect(true); // reconnects at once
    await closed;
    await until(() => client.status === 'ready', 'the reconnection');
    await a.tick();
    assert.deepEqual(seen, ['+ops', '-ops', '+ops']);
    await a.stop();
  });
});
