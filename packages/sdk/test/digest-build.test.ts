import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type MessageRecord, startEmulator } from '@dingbot/emulator';
import { DeliveryEngine, type EngineConfig, type PostFunction } from '../src/delivery/engine.js';
import { MemoryStore } from '../src/delivery/limiter.js';
import { bodyBytes } from '../src/delivery/size.js';
import { KeywordError } from '../src/errors/dingtalk.js';
import { type DigestContext, type SendItem, ValidationError } from '../src/index.js';
import { markdown, text } from '../src/messages/builders.js';
import type { Message } from '../src/messages/types.js';
import { Robot } from '../src/robot/robot.js';

/** A fake DingTalk that accepts everything (or throws what `fail` returns) and logs what it saw. */
function fakeDingTalk(log: string[] = [], fail?: (m: Message) => unknown) {
  const posted: (Message & { msgUuid: string })[] = [];
  const post: PostFunction = async (message) => {
    log.push(`post ${message.msgUuid}`);
    await new Promise((r) => setTimeout(r, 1));
    const error = fail?.(message);
    if (error) throw error;
    posted.push(message);
    return { attempts: 1 };
  };
  return { post, posted };
}

/** One send a window: a burst queued at once goes out as one digest (more if it must be cut). */
function engine(post: PostFunction, options: Partial<EngineConfig> = {}) {
  return new DeliveryEngine({
    key: `k${Math.random()}`,
    post,
    store: new MemoryStore(),
    rateLimit: { limit: 1, windowMs: 20 },
    ...options,
  });
}

const bodyOf = (m: Message | MessageRecord['payload']) => {
  const p = m as { text?: { content?: string }; markdown?: { text?: string } };
  return p.text?.content ?? p.markdown?.text ?? '';
};

const burst = (n: number, prefix = 'm') =>
  Array.from({ length: n }, (_, i) => ({ ...text(`alert ${prefix}${i}`), msgUuid: `${prefix}${i}` }));

describe('digest.build', () => {
  it('makes the one message a digest sends, told which queued message each item is', async () => {
    const log: string[] = [];
    const dt = fakeDingTalk(log);
    const seen: DigestContext[] = [];
    const e = engine(dt.post, {
      digest: {
        build: (messages, context) => {
          seen.push(context);
          return markdown(`${messages.length} alerts`, messages.map(bodyOf).join(' | '));
        },
      },
    });
    const posting: SendItem[][] = [];
    const sent: SendItem[][] = [];
    e.on('posting', (p) => {
      log.push(`posting ${p.msgUuid}`);
      posting.push(p.items);
    });
    e.on('sent', (s) => sent.push(s.items));
    const results = await Promise.all(burst(5).map((m) => e.send(m)));

    assert.equal(dt.posted.length, 1);
    const digest = dt.posted[0]!;
    assert.equal(digest.msgtype, 'markdown');
    assert.equal(bodyOf(digest), 'alert m0 | alert m1 | alert m2 | alert m3 | alert m4');
    const items = ['m0', 'm1', 'm2', 'm3', 'm4'].map((msgUuid) => ({ msgUuid, part: 0, parts: 1 }));
    assert.deepEqual(seen[0]?.items, items);
    assert.equal(seen[0]?.maxBytes, 20_000 - 256);
    assert.equal(seen[0]?.locale, 'en');
    // The listener heard what the body carries before it was posted.
    assert.deepEqual(log, [`posting ${digest.msgUuid}`, `post ${digest.msgUuid}`]);
    assert.deepEqual(posting, [items]);
    assert.deepEqual(sent, [items]);
    assert.deepEqual(
      results.map((r) => [r.delivered, r.digestId, r.position]),
      items.map((_, i) => ['digest', digest.msgUuid, i + 1]),
    );
  });

  it('a message the builder makes too long is made again from fewer: several digests, each message once', async () => {
    const dt = fakeDingTalk();
    const counts: number[] = [];
    const pad = 'x'.repeat(1500);
    const e = engine(dt.post, {
      digest: {
        build: (messages) => {
          counts.push(messages.length);
          return text(messages.map((m) => `${bodyOf(m)} ${pad}`).join('\n'));
        },
      },
    });
    const sent: SendItem[][] = [];
    e.on('sent', (s) => sent.push(s.items));
    const results = await Promise.all(burst(40).map((m) => e.send(m)));

    assert.ok(dt.posted.length >= 3, `${dt.posted.length} sends for 40 × 1.5 kB`);
    for (const m of dt.posted) assert.ok(bodyBytes(m) <= 20_000, `${bodyBytes(m)} bytes`);
    const all = dt.posted.map(bodyOf).join('\n');
    for (let i = 0; i < 40; i++) assert.equal(all.split(new RegExp(`alert m${i}(?!\\d)`)).length, 2, `m${i}`);
    // What each send carried, in order, is every message once.
    assert.deepEqual(
      sent.flat().map((i) => i.msgUuid),
      burst(40).map((m) => m.msgUuid),
    );
    assert.ok(counts[0] === 40 && counts.some((c) => c < 40), `builder called with ${counts.join(', ')}`);
    assert.ok(results.every((r) => r.delivered === 'digest' || r.delivered === 'alone'));
  });

  it('a builder that throws loses nothing: the default list goes instead and buildFailed says why', async () => {
    const dt = fakeDingTalk();
    const boom = new Error('template exploded');
    const e = engine(dt.post, {
      digest: {
        build: () => {
          throw boom;
        },
      },
    });
    const failures: { error: unknown; count: number }[] = [];
    e.on('buildFailed', (f) => failures.push(f));
    const results = await Promise.all(burst(4).map((m) => e.send(m)));
    assert.deepEqual(failures, [{ error: boom, count: 4 }]);
    assert.equal(dt.posted.length, 1);
    assert.match(bodyOf(dt.posted[0]!), /^#### 4 messages/);
    for (let i = 0; i < 4; i++) assert.match(bodyOf(dt.posted[0]!), new RegExp(`alert m${i}`));
    assert.ok(results.every((r) => r.delivered === 'digest'));
  });

  it('returning undefined sends the default list, without a buildFailed', async () => {
    const dt = fakeDingTalk();
    const e = engine(dt.post, { digest: { build: () => undefined } });
    let failed = 0;
    e.on('buildFailed', () => failed++);
    await Promise.all(burst(3).map((m) => e.send(m)));
    assert.equal(failed, 0);
    assert.match(bodyOf(dt.posted[0]!), /^#### 3 messages/);
  });

  it('posting and failed name the parts of a split message and the message that failed', async () => {
    const dt = fakeDingTalk([], (m) =>
      bodyOf(m).includes('refuse me')
        ? new KeywordError([], { errcode: 310000, errmsg: 'keywords not in content' })
        : undefined,
    );
    const e = engine(dt.post, { rateLimit: false });
    const posting: SendItem[][] = [];
    const failed: SendItem[][] = [];
    e.on('posting', (p) => posting.push(p.items));
    e.on('failed', (f) => failed.push(f.items));
    const long = { ...text(Array.from({ length: 9000 }, (_, i) => `line ${i}`).join('\n')), msgUuid: 'long' };
    const result = await e.send(long);
    assert.equal(result.delivered, 'split');
    const parts = result.parts!.length;
    assert.ok(parts >= 4);
    assert.deepEqual(
      posting,
      Array.from({ length: parts }, (_, part) => [{ msgUuid: 'long', part, parts }]),
    );
    await assert.rejects(e.send({ ...text('refuse me'), msgUuid: 'bad' }), KeywordError);
    assert.deepEqual(failed, [[{ msgUuid: 'bad', part: 0, parts: 1 }]]);
  });
});

describe('digest.build through a Robot, against the emulator', () => {
  let emulator: Awaited<ReturnType<typeof startEmulator>>;
  before(async () => {
    emulator = await startEmulator({
      port: 0,
      rateLimit: false,
      robots: [
        { token: 'built', name: 'built', keywords: ['[ops]'] },
        { token: 'invalid', name: 'invalid' },
      ],
    });
  });
  after(() => emulator.close());

  const robot = (token: string, build: NonNullable<EngineConfig['digest']> & object) =>
    new Robot({
      accessToken: token,
      baseUrl: emulator.url,
      retry: 'fast',
      keywords: token === 'built' ? ['[ops]'] : [],
      rateLimit: { limit: 1, windowMs: 60_000 },
      digest: build,
    });

  it("the builder's message is completed like a send: mentions written in, the keyword added", async () => {
    const r = robot('built', {
      build: (messages) => text(`${messages.length} alerts`, { at: { mobiles: ['13800000000'] } }),
    });
    await Promise.all(burst(3).map((m) => r.send(m)));
    const [record] = emulator.messages({ robot: 'built' });
    assert.equal(emulator.messages({ robot: 'built' }).length, 1);
    assert.equal(bodyOf(record!.payload), '3 alerts @13800000000\n[ops]');
    assert.deepEqual(record!.mentions.mobiles, ['13800000000']);
  });

  it('an invalid message from the builder is refused by the checks; the default list goes', async () => {
    // DingTalk's own JSON with a blank title: the builders would refuse it, so would DingTalk.
    const blank = { msgtype: 'markdown', markdown: { title: ' ', text: 'no title' } } as Message;
    const r = robot('invalid', { build: () => blank });
    const failures: unknown[] = [];
    r.on('buildFailed', (f) => failures.push(f.error));
    const results = await Promise.all(burst(3).map((m) => r.send(m)));
    assert.equal(failures.length, 1);
    assert.ok(failures[0] instanceof ValidationError, String(failures[0]));
    const records = emulator.messages({ robot: 'invalid' });
    assert.equal(records.length, 1);
    assert.match(bodyOf(records[0]!.payload), /^#### 3 messages/);
    assert.ok(results.every((x) => x.delivered === 'digest'));
  });
});
