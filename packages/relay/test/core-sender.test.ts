import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { type EmulatorHandle, startEmulator } from '@dingbot/emulator';
import { markdown, text } from '@dingbot/sdk';
import { SqliteLimiterStore } from '../src/outbox/limiter.js';
import { SqliteOutbox } from '../src/outbox/sqlite.js';
import { type Logger, RobotSender, type SenderTarget } from '../src/sender/sender.js';
import { until } from './helpers.js';

const quiet: Logger = { info() {}, warn() {}, error() {} };
const dbPath = () => join(mkdtempSync(join(tmpdir(), 'relay-sender-')), 'relay.db');

/** How many times `token` appears in the bodies the emulator accepted (titles repeat the first item). */
function occurrences(emulator: EmulatorHandle, token: string): number {
  return emulator.messages().reduce((n, m) => {
    const p = m.payload as { text?: { content?: string }; markdown?: { text?: string } };
    const body = p.text?.content ?? p.markdown?.text ?? '';
    return n + body.split(token).length - 1;
  }, 0);
}

const emulators: EmulatorHandle[] = [];
after(async () => {
  await Promise.all(emulators.map((e) => e.close()));
});

async function setup(options: { limit?: number; keywords?: string[]; robotKeywords?: string[] } = {}) {
  const emulator = await startEmulator({
    robots: [{ token: 'ops-token', name: 'ops', secret: 'SECrelay', keywords: options.keywords ?? [] }],
    rateLimit: { limit: options.limit ?? 5, windowMs: 1000 },
    penaltyMs: 2000,
  });
  emulators.push(emulator);
  const outbox = new SqliteOutbox({ path: dbPath() });
  const target: SenderTarget = {
    name: 'ops',
    members: [{ token: 'ops-token', baseUrl: emulator.url, secret: 'SECrelay' }],
    keywords: options.robotKeywords ?? [],
    rateLimit: { limit: options.limit ?? 5, windowMs: 1000 },
    penaltyMs: 2000,
  };
  const sender = new RobotSender({
    target,
    outbox,
    store: new SqliteLimiterStore(outbox.db),
    log: quiet,
    robotOptions: { retry: 'fast' },
  });
  return { emulator, outbox, sender };
}

describe('RobotSender', () => {
  test('delivers a backlog through the SDK engine: each content once, paced, no 130101', async () => {
    const { emulator, outbox, sender } = await setup();
    const tokens = Array.from({ length: 40 }, (_, i) => `tok${String(i).padStart(3, '0')}x`);
    await Promise.all(
      tokens.map((t) =>
        outbox.append({ messages: [{ robot: 'ops', route: null, message: text(t) }], source: 't' }),
      ),
    );
    sender.start();
    await until(
      async () => ((await outbox.depth())['ops']?.queued ?? 0) === 0 && sender.inEngine === 0,
      'delivery',
    );
    await until(() => tokens.every((t) => occurrences(emulator, t) === 1), 'every token in the emulator');
    assert.deepEqual(
      emulator.attempts().filter((a) => a.errcode === 130101),
      [],
    );
    assert.ok(emulator.messages().length < tokens.length, 'a backlog over the limit is digested');
    await sender.stop();
    const depth = (await outbox.depth())['ops'];
    assert.equal(depth?.sending ?? 0, 0);
    await outbox.close();
  });

  test('a send recorded before a crash is re-posted with its msgUuid: delivered once, rows done', async () => {
    const { emulator, outbox, sender } = await setup();
    const { ids } = await outbox.append({
      messages: [
        { robot: 'ops', route: null, message: text('alpha1x') },
        { robot: 'ops', route: null, message: text('beta2x') },
      ],
      source: 't',
    });
    await outbox.claim('ops', 2);
    // The digest the crashed process posted: DingTalk (the emulator) already has it.
    const digest = { ...markdown('2 messages', '- alpha1x\n- beta2x'), msgUuid: 'digest-before-crash' };
    const posted = await fetch(emulator.webhookUrl('ops-token'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(digest),
    });
    assert.equal(posted.status, 200);
    await outbox.recordSend({
      msgUuid: digest.msgUuid,
      robot: 'ops',
      message: digest,
      members: ids.map((id) => ({ id, part: 0, parts: 1 })),
    });
    sender.start();
    await until(async () => (await outbox.get(ids[1]!))?.state === 'delivered', 'rows delivered');
    assert.equal(occurrences(emulator, 'alpha1x'), 1);
    assert.equal(occurrences(emulator, 'beta2x'), 1);
    await sender.stop();
    await outbox.close();
  });

  test('a permanent refusal is a dead letter with its reason and errcode', async () => {
    const { emulator, outbox, sender } = await setup({ keywords: ['alert'] });
    const { ids } = await outbox.append({
      messages: [{ robot: 'ops', route: null, message: text('no keyword here') }],
      source: 't',
    });
    sender.start();
    await until(async () => (await outbox.get(ids[0]!))?.state === 'dead', 'dead letter');
    const row = await outbox.get(ids[0]!);
    assert.equal(row?.errcode, 310000);
    assert.match(row!.reason!, /KEYWORD_MISSING/);
    assert.equal(emulator.messages().length, 0);
    await sender.stop();
    await outbox.close();
  });

  test('answers lost after DingTalk accepted: the recorded send is re-posted with its msgUuid, content once', async () => {
    const emulator = await startEmulator({ robots: [{ token: 'lossy', name: 'lossy' }], rateLimit: false });
    emulators.push(emulator);
    const outbox = new SqliteOutbox({ path: dbPath() });
    let lost = 0;
    // DingTalk gets every request, but the first answers never come back (a reset connection).
    const lossy = async (url: string, init: Parameters<typeof fetch>[1]) => {
      const response = await fetch(url, init);
      await response.text();
      if (lost < 6) {
        lost++;
        throw new TypeError('fetch failed: socket hang up');
      }
      return fetch(url, init);
    };
    const sender = new RobotSender({
      target: { name: 'lossy', members: [{ token: 'lossy', baseUrl: emulator.url }], rateLimit: false },
      outbox,
      store: new SqliteLimiterStore(outbox.db),
      log: quiet,
      fetch: lossy as never,
      robotOptions: { retry: { retries: 1, minDelayMs: 1, maxDelayMs: 2, factor: 1, jitter: false } },
    });
    const { ids } = await outbox.append({
      messages: [{ robot: 'lossy', route: null, message: text('lost1answerx') }],
      source: 't',
    });
    sender.start();
    await until(
      async () => (await outbox.get(ids[0]!))?.state === 'delivered',
      'delivered after the lost answers',
    );
    assert.ok(lost >= 6);
    assert.equal(occurrences(emulator, 'lost1answerx'), 1);
    await sender.stop();
    await outbox.close();
  });

  test('a pool spreads a backlog over its robots', async () => {
    const emulator = await startEmulator({
      robots: [
        { token: 'p1', name: 'p1' },
        { token: 'p2', name: 'p2' },
      ],
      rateLimit: { limit: 3, windowMs: 1000 },
      penaltyMs: 2000,
    });
    emulators.push(emulator);
    const outbox = new SqliteOutbox({ path: dbPath() });
    const sender = new RobotSender({
      target: {
        name: 'pool',
        members: [
          { token: 'p1', baseUrl: emulator.url },
          { token: 'p2', baseUrl: emulator.url },
        ],
        rateLimit: { limit: 3, windowMs: 1000 },
      },
      outbox,
      store: new SqliteLimiterStore(outbox.db),
      log: quiet,
      robotOptions: { retry: 'fast' },
    });
    const tokens = Array.from({ length: 12 }, (_, i) => `pool${i}x`);
    for (const t of tokens) {
      await outbox.append({ messages: [{ robot: 'pool', route: null, message: text(t) }], source: 't' });
    }
    sender.start();
    await until(() => tokens.every((t) => occurrences(emulator, t) === 1), 'every message once');
    assert.ok(emulator.messages({ robot: 'p1' }).length > 0);
    assert.ok(emulator.messages({ robot: 'p2' }).length > 0);
    assert.deepEqual(
      emulator.attempts().filter((a) => a.errcode === 130101),
      [],
    );
    await sender.stop();
    await outbox.close();
  });
});
