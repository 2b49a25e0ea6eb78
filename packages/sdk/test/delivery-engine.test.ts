import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeliveryEngine, type EngineConfig, type PostFunction } from '../src/delivery/engine.js';
import { MemoryStore } from '../src/delivery/limiter.js';
import { PART_LABEL } from '../src/delivery/split.js';
import { isDingbotError } from '../src/errors/base.js';
import { KeywordError, RateLimitedError } from '../src/errors/dingtalk.js';
import { link, text } from '../src/messages/builders.js';
import type { Message } from '../src/messages/types.js';
import { maxInWindow } from './helpers/window.js';

interface Posted {
  at: number;
  message: Message & { msgUuid: string };
}

/** A fake DingTalk: records what it accepted and when; `fail` decides per call whether to throw. */
function fakeDingTalk(fail?: (n: number, m: Message) => unknown, latencyMs = 1) {
  const posted: Posted[] = [];
  let calls = 0;
  const post: PostFunction = async (message) => {
    const n = ++calls;
    // When the post reached "DingTalk", not when its answer came back: a timer late on a loaded
    // machine must not shift a send into the next window.
    const at = performance.now();
    await new Promise((r) => setTimeout(r, latencyMs));
    const error = fail?.(n, message);
    if (error) throw error;
    posted.push({ at, message });
    return { attempts: 1 };
  };
  return { post, posted, calls: () => calls };
}

function engine(post: PostFunction, options: Partial<EngineConfig> = {}) {
  return new DeliveryEngine({ key: `k${Math.random()}`, post, store: new MemoryStore(), ...options });
}

const bodyOf = (m: Message) =>
  m.msgtype === 'text' ? m.text.content : m.msgtype === 'markdown' ? m.markdown.text : '';

/** The most sends inside any window of `windowMs`. */

describe('DeliveryEngine', () => {
  it('a burst goes out in digests within the limit, every message delivered once, in order', async () => {
    const dt = fakeDingTalk();
    const e = engine(dt.post, { rateLimit: { limit: 5, windowMs: 300 } });
    const digested: number[] = [];
    e.on('digested', (d) => digested.push(d.count));
    const results = await Promise.all(Array.from({ length: 300 }, (_, i) => e.send(text(`alert #${i}#`))));
    assert.ok(dt.posted.length < 20, `${dt.posted.length} sends`);
    assert.ok(
      maxInWindow(
        dt.posted.map((p) => p.at),
        300,
      ) <= 5,
    );
    const all = dt.posted.map((p) => bodyOf(p.message)).join('\n');
    let last = -1;
    for (let i = 0; i < 300; i++) {
      const at = all.indexOf(`alert #${i}#`);
      assert.ok(at > last, `#${i} missing or out of order`);
      assert.equal(all.split(`alert #${i}#`).length, 2, `#${i} delivered twice`);
      last = at;
    }
    assert.equal(
      results.filter((r) => r.delivered === 'digest').length,
      digested.reduce((a, b) => a + b, 0),
    );
    const r = results[0]!;
    assert.equal(r.delivered, 'digest');
    assert.equal(r.digestId, r.msgUuid);
    assert.equal(r.position, 1);
    assert.deepEqual(e.stats().queued, 0);
  });

  it('sends each message alone while the window has room', async () => {
    const dt = fakeDingTalk();
    const e = engine(dt.post, { rateLimit: { limit: 5, windowMs: 300 } });
    const results = await Promise.all([e.send(text('a')), e.send(text('b')), e.send(text('c'))]);
    assert.deepEqual(
      results.map((r) => r.delivered),
      ['alone', 'alone', 'alone'],
    );
    assert.deepEqual(
      dt.posted.map((p) => bodyOf(p.message)),
      ['a', 'b', 'c'],
    );
    assert.equal(new Set(dt.posted.map((p) => p.message.msgUuid)).size, 3);
  });

  it('waits out a penalty after 130101, keeps the queue, resumes by itself', async () => {
    const throttle = new RateLimitedError({ errcode: 130101, errmsg: 'send too fast' });
    const dt = fakeDingTalk((n) => (n === 2 ? throttle : undefined));
    const e = engine(dt.post, { rateLimit: { limit: 100, windowMs: 1000 }, penaltyMs: 250 });
    const events: string[] = [];
    e.on('throttled', (t) => events.push(`throttled ${t.ms} ${t.source}`));
    e.on('resumed', () => events.push('resumed'));
    const started = performance.now();
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => e.send(text(`m${i}`))));
    assert.equal(results.length, 10);
    assert.deepEqual(events, ['throttled 250 dingtalk', 'resumed']);
    assert.ok(performance.now() - started >= 250);
    const all = dt.posted.map((p) => bodyOf(p.message)).join('\n');
    for (let i = 0; i < 10; i++) assert.ok(all.includes(`m${i}`));
    assert.equal(e.stats().throttles, 1);
  });

  it('rejects only the messages whose send failed for good', async () => {
    const dt = fakeDingTalk((_, m) =>
      bodyOf(m) === 'bad'
        ? new KeywordError([], { errcode: 310000, errmsg: 'keywords not in content' })
        : undefined,
    );
    const e = engine(dt.post, { rateLimit: false });
    const failed: number[] = [];
    e.on('failed', (f) => failed.push(f.count));
    const [a, b, c] = await Promise.allSettled([
      e.send(text('ok1')),
      e.send(text('bad')),
      e.send(text('ok2')),
    ]);
    assert.equal(a.status, 'fulfilled');
    assert.equal(b.status, 'rejected');
    assert.ok(isDingbotError((b as PromiseRejectedResult).reason));
    assert.equal(c.status, 'fulfilled');
    assert.deepEqual(failed, [1]);
  });

  it('splits a long text into numbered parts and resolves once all went', async () => {
    const dt = fakeDingTalk();
    const e = engine(dt.post, { rateLimit: false });
    const content = Array.from({ length: 2000 }, (_, i) => `line ${i} 钉钉机器人`).join('\n');
    const result = await e.send(text(content));
    assert.equal(result.delivered, 'split');
    assert.equal(result.parts?.length, dt.posted.length);
    assert.ok(dt.posted.length >= 3);
    for (const p of dt.posted) assert.ok(Buffer.byteLength(JSON.stringify(p.message)) <= 20_000);
    assert.equal(dt.posted.map((p) => bodyOf(p.message).replace(PART_LABEL, '')).join(''), content);
  });

  it('refuses other types over the limit before sending', async () => {
    const dt = fakeDingTalk();
    const e = engine(dt.post);
    await assert.rejects(e.send(link({ title: 't', text: 'x'.repeat(21_000), url: 'https://e.x' })), {
      code: 'MESSAGE_TOO_LONG',
    });
    assert.equal(dt.calls(), 0);
  });

  it("overflow 'reject' refuses with QUEUE_FULL; 'digest' merges to make room", async () => {
    const store = new MemoryStore();
    await store.penalize('held', 200);
    const dt = fakeDingTalk();
    const strict = engine(dt.post, { key: 'held', store, maxQueue: 3, overflow: 'reject' });
    const kept = [strict.send(text('1')), strict.send(text('2')), strict.send(text('3'))];
    await assert.rejects(strict.send(text('4')), { code: 'QUEUE_FULL' });
    const loose = engine(dt.post, { key: 'held', store, maxQueue: 3 });
    const overflows: number[] = [];
    loose.on('overflow', (o) => overflows.push(o.after));
    const many = Array.from({ length: 50 }, (_, i) => loose.send(text(`n${i}`)));
    assert.ok(loose.stats().slots <= 3);
    assert.equal(loose.stats().queued, 50);
    assert.ok(overflows.length > 0);
    const results = await Promise.all([...kept, ...many]);
    assert.equal(results.length, 53);
    assert.ok(dt.posted.length <= 6, `${dt.posted.length} sends`);
  });

  it('flush() waits for everything; close() refuses new sends', async () => {
    const dt = fakeDingTalk();
    const e = engine(dt.post, { rateLimit: { limit: 2, windowMs: 100 }, digest: false });
    const sends = Array.from({ length: 5 }, (_, i) => e.send(text(`f${i}`)));
    await e.flush();
    assert.equal(dt.posted.length, 5);
    assert.ok(
      maxInWindow(
        dt.posted.map((p) => p.at),
        100,
      ) <= 2,
    );
    await Promise.all(sends);
    await e.close();
    await assert.rejects(e.send(text('late')), { code: 'ROBOT_CLOSED' });
    assert.equal(e.stats().closed, true);
  });

  it('abort() rejects what is queued', async () => {
    const store = new MemoryStore();
    await store.penalize('stuck', 60_000);
    const e = engine(fakeDingTalk().post, { key: 'stuck', store });
    const p = e.send(text('never'));
    e.abort();
    await assert.rejects(p, { code: 'ROBOT_CLOSED' });
    await e.flush();
  });
});

it('a finalise that throws fails that message alone; the others are delivered', async () => {
  const dt = fakeDingTalk();
  const broken = new Error('finalise failed');
  const e = engine(dt.post, {
    rateLimit: false,
    digest: false,
    finalise: (m) => {
      if (m.msgtype === 'text' && m.text.content === 'bad') throw broken;
      return m;
    },
  });
  const sends = [e.send(text('a')), e.send(text('bad')), e.send(text('c'))];
  const outcomes = await Promise.allSettled(sends);
  assert.deepEqual(
    outcomes.map((o) => o.status),
    ['fulfilled', 'rejected', 'fulfilled'],
  );
  assert.equal((outcomes[1] as PromiseRejectedResult).reason, broken);
  assert.deepEqual(
    dt.posted.map((p) => bodyOf(p.message)),
    ['a', 'c'],
  );
});
