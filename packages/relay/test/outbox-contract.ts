/**
 * The behaviour every outbox engine shares (the `Outbox` interface), run against each engine by its
 * own test file: SQLite (outbox-sqlite.test.ts) and Redis Streams (outbox-redis.test.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { text } from '@dingbot/sdk';
import type { AlertSummary, OutgoingMessage } from '../src/model.js';
import type { Outbox, OutboxRow } from '../src/outbox/outbox.js';

/** Makes a fresh, empty outbox on the given clock. */
export type MakeOutbox = (now: () => number) => Promise<Outbox>;

const out = (robot: string, content: string): OutgoingMessage => ({
  robot,
  route: null,
  message: text(content),
});
const contentOf = (row: OutboxRow) => (row.message as { text: { content: string } }).text.content;

/** Registers the shared cases as tests named `<engine>: …`. */
export function outboxContract(engine: string, make: MakeOutbox): void {
  const it = (name: string, body: (clock: { now: number }, outbox: Outbox) => Promise<void>) =>
    test(`${engine}: ${name}`, async () => {
      const clock = { now: 1_000_000 };
      const outbox = await make(() => clock.now);
      try {
        await body(clock, outbox);
      } finally {
        await outbox.close();
      }
    });

  it('appends keep order per robot, each row with its own msgUuid, claimed once', async (_c, outbox) => {
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        outbox.append({ messages: [out(i % 3 === 0 ? 'dev' : 'ops', `m${i}`)], source: 'test' }),
      ),
    );
    assert.equal(new Set(results.flatMap((r) => r.ids)).size, 30);
    const ops = await outbox.claim('ops', 100);
    assert.deepEqual(
      ops.map(contentOf),
      Array.from({ length: 30 }, (_, i) => i)
        .filter((i) => i % 3 !== 0)
        .map((i) => `m${i}`),
    );
    assert.equal(new Set(ops.map((r) => r.message.msgUuid)).size, ops.length);
    assert.ok(ops.every((r) => r.state === 'sending' && r.attempts === 1 && r.source === 'test'));
    assert.deepEqual(await outbox.claim('ops', 100), [], 'a claimed row is not claimed again');
    assert.equal((await outbox.claim('dev', 100)).length, 10);
  });

  it('one append with several messages stores them all, and route is kept', async (_c, outbox) => {
    const { ids, duplicate } = await outbox.append({
      messages: [out('ops', 'a'), { robot: 'dev', route: 'db', message: text('b') }],
      source: 'am',
    });
    assert.equal(duplicate, false);
    assert.equal(ids.length, 2);
    const row = await outbox.get(ids[1]!);
    assert.equal(row?.route, 'db');
    assert.equal(row?.robot, 'dev');
    assert.equal((await outbox.get(ids[0]!))?.route, null);
  });

  it("an alert message's summary is kept with its row; other rows have none", async (_c, outbox) => {
    const summary: AlertSummary = {
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'HighCPU', instance: 'web-1' },
          startsAt: '2026-11-29T10:00:00Z',
          endsAt: '0001-01-01T00:00:00Z',
          fingerprint: 'f1',
        },
      ],
      truncatedAlerts: 0,
      locale: 'zh-CN',
      timeZone: 'Asia/Shanghai',
    };
    const { ids } = await outbox.append({
      messages: [{ ...out('ops', 'alert'), summary }, out('ops', 'plain')],
      source: 'alertmanager',
    });
    assert.deepEqual((await outbox.get(ids[0]!))?.summary, summary);
    assert.equal((await outbox.get(ids[1]!))?.summary, undefined);
    const claimed = await outbox.claim('ops', 2);
    assert.deepEqual(claimed[0]?.summary, summary);
    assert.equal(claimed[1]?.summary, undefined);
  });

  it('a dedupe key seen within its window stores nothing', async (_c, outbox) => {
    const request = { messages: [out('ops', 'x')], source: 'am', dedupeKey: 'k', dedupeWindowMs: 600_000 };
    assert.equal((await outbox.append(request)).duplicate, false);
    assert.deepEqual(await outbox.append(request), { ids: [], duplicate: true });
    assert.equal((await outbox.append({ ...request, dedupeKey: 'other' })).duplicate, false);
    assert.equal((await outbox.depth())['ops']?.queued, 2);
  });

  it('dead rows keep reason and errcode; replay puts one or all back', async (_c, outbox) => {
    const { ids } = await outbox.append({ messages: [out('ops', 'a'), out('ops', 'b')], source: 't' });
    await outbox.claim('ops', 2);
    await outbox.markDead([ids[0]!], 'keywords not in content', 310000);
    await outbox.markDead([ids[1]!], 'too long');
    const dead = await outbox.dead();
    assert.deepEqual(
      dead.map((r) => [r.id, r.state, r.reason, r.errcode]),
      [
        [ids[1], 'dead', 'too long', undefined],
        [ids[0], 'dead', 'keywords not in content', 310000],
      ],
    );
    assert.deepEqual((await outbox.depth())['ops'], {
      queued: 0,
      sending: 0,
      dead: 2,
      oldestAt: undefined,
    });
    assert.equal(await outbox.replay(ids[0]), 1);
    assert.equal(await outbox.replay(ids[0]), 0, 'a row that is not dead is not replayed');
    const again = await outbox.claim('ops', 5);
    assert.deepEqual(
      again.map((r) => [r.id, r.attempts]),
      [[ids[0], 1]],
    );
    assert.equal(await outbox.replay(), 1);
    assert.deepEqual(
      (await outbox.claim('ops', 5)).map((r) => r.id),
      [ids[1]],
    );
    assert.deepEqual(await outbox.dead(), []);
  });

  it('retryLater waits for its delay on the injected clock; depth shows the oldest', async (clock, outbox) => {
    const start = clock.now;
    const { ids } = await outbox.append({ messages: [out('ops', 'x')], source: 't' });
    await outbox.claim('ops', 1);
    await outbox.retryLater(ids, 'busy', 1000);
    assert.deepEqual(await outbox.claim('ops', 1), []);
    assert.deepEqual((await outbox.depth())['ops'], { queued: 1, sending: 0, dead: 0, oldestAt: start });
    assert.equal((await outbox.get(ids[0]!))?.reason, 'busy');
    clock.now += 1000;
    const [row] = await outbox.claim('ops', 1);
    assert.equal(row?.id, ids[0]);
    assert.equal(row?.attempts, 2);
  });

  it('resetSending puts claimed rows back, first in line, with the same msgUuid', async (_c, outbox) => {
    await outbox.append({ messages: [out('ops', 'a'), out('ops', 'b'), out('ops', 'c')], source: 't' });
    const first = await outbox.claim('ops', 2);
    assert.equal(await outbox.resetSending('ops'), 2);
    assert.equal(await outbox.resetSending('ops'), 0);
    const again = await outbox.claim('ops', 10);
    assert.deepEqual(again.map(contentOf), ['a', 'b', 'c']);
    assert.equal(again[0]!.message.msgUuid, first[0]!.message.msgUuid);
    assert.deepEqual(
      again.map((r) => r.attempts),
      [2, 2, 1],
    );
  });

  it('a replayed dead letter, claimed again and then reset (a crash), goes back to the queue', async (_c, outbox) => {
    const { ids } = await outbox.append({ messages: [out('ops', 'a')], source: 't' });
    await outbox.claim('ops', 1);
    await outbox.markDead(ids, 'refused', 310000);
    await outbox.replay();
    assert.deepEqual(
      (await outbox.claim('ops', 1)).map((r) => r.id),
      ids,
    );
    assert.equal(await outbox.resetSending('ops'), 1);
    assert.deepEqual((await outbox.depth())['ops'], { queued: 1, sending: 0, dead: 0, oldestAt: 1_000_000 });
    assert.deepEqual(
      (await outbox.claim('ops', 1)).map((r) => r.id),
      ids,
    );
  });

  it('delivered rows leave the queue and show in recent, newest first', async (clock, outbox) => {
    const { ids } = await outbox.append({ messages: [out('ops', 'a'), out('ops', 'b')], source: 't' });
    await outbox.claim('ops', 2);
    await outbox.markDelivered([ids[0]!]);
    clock.now += 10;
    await outbox.markDelivered([ids[1]!]);
    assert.deepEqual(
      (await outbox.recent()).map((r) => [r.id, r.state]),
      [
        [ids[1], 'delivered'],
        [ids[0], 'delivered'],
      ],
    );
    assert.equal((await outbox.get(ids[0]!))?.state, 'delivered');
    assert.equal((await outbox.depth())['ops']?.queued ?? 0, 0);
    assert.equal((await outbox.depth())['ops']?.sending ?? 0, 0);
    assert.deepEqual(await outbox.claim('ops', 5), []);
  });

  it('recorded sends: the first record wins; confirm delivers; fail settles', async (_c, outbox) => {
    const { ids } = await outbox.append({ messages: [out('ops', 'a'), out('ops', 'b')], source: 't' });
    await outbox.claim('ops', 2);
    const message = { ...text('digest'), msgUuid: 'd-1' };
    const members = ids.map((id) => ({ id, part: 0, parts: 1 }));
    await outbox.recordSend({ msgUuid: 'd-1', robot: 'ops', message, members });
    await outbox.recordSend({ msgUuid: 'd-1', robot: 'ops', message, members: [] });
    await outbox.recordSend({
      msgUuid: 'd-2',
      robot: 'ops',
      message: { ...message, msgUuid: 'd-2' },
      members,
    });
    assert.deepEqual(
      (await outbox.pendingSends('ops')).map((s) => [s.msgUuid, s.members.length]),
      [
        ['d-1', 2],
        ['d-2', 2],
      ],
    );
    assert.deepEqual((await outbox.pendingSends('ops'))[0], {
      msgUuid: 'd-1',
      robot: 'ops',
      message,
      members,
    });
    assert.deepEqual(await outbox.pendingSends('dev'), []);
    await outbox.confirmSend('d-1', ids);
    await outbox.failSend('d-2');
    assert.deepEqual(await outbox.pendingSends('ops'), []);
    assert.equal((await outbox.get(ids[1]!))?.state, 'delivered');
    // A settled send is not recorded again (the SDK retries a post with the same body).
    await outbox.recordSend({ msgUuid: 'd-1', robot: 'ops', message, members });
    assert.deepEqual(await outbox.pendingSends('ops'), []);
  });

  it('writable while open', async (_c, outbox) => {
    assert.equal(await outbox.writable(), true);
  });
}
