import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { text } from '@dingbot/sdk';
import fc from 'fast-check';
import type { OutgoingMessage } from '../src/model.js';
import { SqliteLimiterStore } from '../src/outbox/limiter.js';
import { SqliteOutbox } from '../src/outbox/sqlite.js';
import { outboxContract } from './outbox-contract.js';

const dbPath = () => join(mkdtempSync(join(tmpdir(), 'relay-outbox-')), 'relay.db');
const out = (robot: string, content: string): OutgoingMessage => ({
  robot,
  route: null,
  message: text(content),
});

describe('the Outbox contract', () => {
  outboxContract('SqliteOutbox', async (now) => new SqliteOutbox({ path: dbPath(), now }));
});

describe('SqliteOutbox', () => {
  test('WAL with synchronous=FULL', async () => {
    const outbox = new SqliteOutbox({ path: dbPath() });
    assert.equal(outbox.db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(outbox.db.pragma('synchronous', { simple: true }), 2); // FULL
    await outbox.close();
  });

  test('concurrent appends share one transaction (group commit), and each row has its own msgUuid', async () => {
    const outbox = new SqliteOutbox({ path: dbPath() });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        outbox.append({ messages: [out('ops', `m${i}`)], source: 'test' }),
      ),
    );
    assert.equal(outbox.commits, 1);
    const ids = results.flatMap((r) => r.ids);
    assert.equal(new Set(ids).size, 50);
    const rows = await outbox.claim('ops', 100);
    assert.deepEqual(
      rows.map((r) => (r.message as { text: { content: string } }).text.content),
      Array.from({ length: 50 }, (_, i) => `m${i}`),
    );
    assert.equal(new Set(rows.map((r) => r.message.msgUuid)).size, 50);
    await outbox.close();
  });

  test('rows survive a reopen with the same msgUuid; sending rows go back to queued in order', async () => {
    const path = dbPath();
    const first = new SqliteOutbox({ path });
    await first.append({ messages: [out('ops', 'a'), out('ops', 'b'), out('dev', 'c')], source: 'test' });
    const claimed = await first.claim('ops', 1);
    await first.close();
    const second = new SqliteOutbox({ path });
    assert.equal(await second.resetSending('ops'), 1);
    const again = await second.claim('ops', 10);
    assert.deepEqual(
      again.map((r) => r.id),
      [claimed[0]!.id, claimed[0]!.id + 1],
    );
    assert.equal(again[0]!.message.msgUuid, claimed[0]!.message.msgUuid);
    assert.equal(again[0]!.attempts, 2);
    await second.close();
  });

  test('dedupe keys drop a second append within the window, not after it', async () => {
    let now = 1_000_000;
    const outbox = new SqliteOutbox({ path: dbPath(), now: () => now });
    const request = { messages: [out('ops', 'x')], source: 'am', dedupeKey: 'k', dedupeWindowMs: 60_000 };
    assert.equal((await outbox.append(request)).duplicate, false);
    assert.equal((await outbox.append(request)).duplicate, true);
    now += 60_001;
    assert.equal((await outbox.append(request)).duplicate, false);
    await outbox.close();
  });

  test('dead rows keep their reason and errcode, and replay moves them back to queued', async () => {
    const outbox = new SqliteOutbox({ path: dbPath() });
    const { ids } = await outbox.append({ messages: [out('ops', 'x')], source: 'test' });
    await outbox.claim('ops', 1);
    await outbox.markDead(ids, 'keywords not in content', 310000);
    const [dead] = await outbox.dead();
    assert.equal(dead!.reason, 'keywords not in content');
    assert.equal(dead!.errcode, 310000);
    assert.equal((await outbox.depth())['ops']!.dead, 1);
    assert.equal(await outbox.replay(ids[0]), 1);
    assert.equal((await outbox.claim('ops', 1))[0]!.id, ids[0]);
    await outbox.close();
  });

  test('retryLater delays a row; depth reports the oldest waiting row', async () => {
    let now = 5_000;
    const outbox = new SqliteOutbox({ path: dbPath(), now: () => now });
    const { ids } = await outbox.append({ messages: [out('ops', 'x')], source: 'test' });
    await outbox.claim('ops', 1);
    await outbox.retryLater(ids, 'busy', 1000);
    assert.deepEqual(await outbox.claim('ops', 1), []);
    assert.equal(outbox.nextDueIn('ops'), 1000);
    assert.deepEqual((await outbox.depth())['ops'], { queued: 1, sending: 0, dead: 0, oldestAt: 5_000 });
    now += 1000;
    assert.equal((await outbox.claim('ops', 1)).length, 1);
    await outbox.close();
  });

  test('recorded sends: the first record wins, confirm delivers rows atomically, pending ones are listed', async () => {
    const outbox = new SqliteOutbox({ path: dbPath() });
    const { ids } = await outbox.append({ messages: [out('ops', 'a'), out('ops', 'b')], source: 'test' });
    const message = { ...text('digest'), msgUuid: 'd-1' };
    const members = ids.map((id) => ({ id, part: 0, parts: 1 }));
    await outbox.recordSend({ msgUuid: 'd-1', robot: 'ops', message, members });
    await outbox.recordSend({ msgUuid: 'd-1', robot: 'ops', message, members: [] });
    assert.deepEqual(await outbox.pendingSends('ops'), [{ msgUuid: 'd-1', robot: 'ops', message, members }]);
    await outbox.confirmSend('d-1', ids);
    assert.deepEqual(await outbox.pendingSends('ops'), []);
    assert.equal((await outbox.get(ids[1]!))!.state, 'delivered');
    await outbox.close();
  });

  test('property: any interleaving of appends keeps per-robot order and loses nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.string({ maxLength: 20 })), { maxLength: 40 }),
        async (items) => {
          // A blank text is not a message (the SDK's builders refuse it): stand a dot in for it.
          const content = (c: string) => (c.trim() === '' ? '.' : c);
          const outbox = new SqliteOutbox({ path: ':memory:' });
          await Promise.all(
            items.map(([robot, text]) =>
              outbox.append({ messages: [out(robot, content(text))], source: 't' }),
            ),
          );
          for (const robot of ['a', 'b', 'c']) {
            const rows = await outbox.claim(robot, 1000);
            const expected = items.filter(([r]) => r === robot).map(([, c]) => content(c));
            assert.deepEqual(
              rows.map((r) => (r.message as { text: { content: string } }).text.content),
              expected,
            );
          }
          await outbox.close();
        },
      ),
      { numRuns: 30 },
    );
  });
});

describe('SqliteLimiterStore', () => {
  test('remembers the window and the penalty across a reopen', async () => {
    const path = dbPath();
    let now = 10_000;
    const first = new SqliteOutbox({ path });
    const store = new SqliteLimiterStore(first.db, () => now);
    for (let i = 0; i < 3; i++) assert.equal((await store.acquire('k', 3, 1000)).ok, true);
    await first.close();
    const second = new SqliteOutbox({ path });
    const again = new SqliteLimiterStore(second.db, () => now);
    assert.deepEqual(await again.acquire('k', 3, 1000), { ok: false, retryInMs: 1001, reason: 'rate' });
    now += 1000;
    assert.equal((await again.acquire('k', 3, 1000)).ok, true);
    await again.penalize('k', 5000);
    assert.equal(await again.penaltyRemaining('k'), 5000);
    assert.equal((await again.acquire('k', 3, 1000)).ok, false);
    await second.close();
  });

  test('a slot taken but never settled (the process was killed mid-send) counts from the restart', async () => {
    const path = dbPath();
    let now = 10_000;
    const first = new SqliteOutbox({ path });
    const store = new SqliteLimiterStore(first.db, () => now);
    assert.equal((await store.acquire('k', 1, 1000)).ok, true); // posted, never settled: killed here
    await first.close();
    now += 900;
    const second = new SqliteOutbox({ path });
    const again = new SqliteLimiterStore(second.db, () => now);
    now += 200; // past the original window, inside the one counted from the restart
    assert.equal((await again.acquire('k', 1, 1000)).ok, false);
    now += 800;
    assert.equal((await again.acquire('k', 1, 1000)).ok, true);
    await second.close();
  });
});
