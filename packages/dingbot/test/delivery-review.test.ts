import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DeliveryEngine, type EngineConfig, type PostFunction } from '../src/delivery/engine.js';
import { MemoryStore } from '../src/delivery/limiter.js';
import { bodyBytes } from '../src/delivery/size.js';
import { splitMessage } from '../src/delivery/split.js';
import { ContentRejectedError, RateLimitedError, RobotUnavailableError } from '../src/errors/dingtalk.js';
import { markdown, Robot, RobotPool, text } from '../src/index.js';
import type { Message } from '../src/messages/types.js';

type Outgoing = Message & { msgUuid: string };

/** A fake DingTalk behind a `post` function: `answer` may throw per call. */
function fake(answer?: (m: Outgoing, n: number) => unknown, latencyMs = 1) {
  const posted: Outgoing[] = [];
  let calls = 0;
  const post: PostFunction = async (message) => {
    const n = ++calls;
    await new Promise((r) => setTimeout(r, latencyMs));
    const error = answer?.(message, n);
    if (error) throw error;
    posted.push(message);
    return { attempts: 1 };
  };
  return { post, posted, calls: () => calls };
}

const engine = (post: PostFunction, options: Partial<EngineConfig> = {}) =>
  new DeliveryEngine({ key: `review-${Math.random()}`, post, store: new MemoryStore(), ...options });

const bodyOf = (m: Message) =>
  m.msgtype === 'text' ? m.text.content : m.msgtype === 'markdown' ? m.markdown.text : '';

const within = <T>(p: Promise<T>, ms: number, what: string) =>
  Promise.race([
    p,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`${what}: not settled within ${ms} ms`)), ms).unref(),
    ),
  ]);

describe('delivery review: failures inside digests and split messages', () => {
  it('one refused message inside a digest does not take the other messages down with it', async () => {
    const refused = new ContentRejectedError({ errcode: 430101, errmsg: 'content flagged' });
    const dt = fake((m) => (bodyOf(m).includes('POISON') ? refused : undefined));
    const e = engine(dt.post, { rateLimit: { limit: 1, windowMs: 30 } });
    const sends = Array.from({ length: 9 }, (_, i) => e.send(text(i === 5 ? `m${i} POISON` : `m${i} ok`)));
    const settled = await within(Promise.allSettled(sends), 5000, 'the burst');
    settled.forEach((s, i) => {
      if (i === 5) assert.equal(s.status, 'rejected', 'the refused message rejects');
      else assert.equal(s.status, 'fulfilled', `message ${i} was rejected with the refused one`);
    });
    const all = dt.posted.map(bodyOf).join('\n');
    for (let i = 0; i < 9; i++) if (i !== 5) assert.ok(all.includes(`m${i} ok`), `m${i} never arrived`);
  });

  it('when a part of a split message fails for good, its later parts are not sent any more', async () => {
    const gone = new RobotUnavailableError('disabled', { errcode: 400102, errmsg: 'disabled' });
    const dt = fake((_m, n) => (n === 1 ? gone : undefined));
    const e = engine(dt.post, { maxBytes: 2000, digest: false });
    const long = e.send(text(Array.from({ length: 300 }, (_, i) => `line ${i} of the log`).join('\n')));
    const after = e.send(text('next message'));
    await assert.rejects(long, { code: 'ROBOT_DISABLED' });
    await after;
    assert.deepEqual(
      dt.posted.map(bodyOf).filter((b) => b.startsWith('[')),
      [],
      'parts of a rejected message were still sent',
    );
    assert.equal(e.stats().queued, 0);
  });
});

describe('delivery review: abort and close', () => {
  it('abort() during a send that gets throttled: nothing is sent again, nothing waits out the penalty', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let calls = 0;
    const post: PostFunction = async () => {
      calls++;
      await gate;
      throw new RateLimitedError({ errcode: 130101, errmsg: 'send too fast' });
    };
    const e = engine(post, { penaltyMs: 60_000 });
    const first = e.send(text('in flight'));
    const queued = e.send(text('queued'));
    await new Promise((r) => setTimeout(r, 10));
    e.abort();
    await assert.rejects(queued, { code: 'ROBOT_CLOSED' });
    release();
    await within(
      assert.rejects(first, (error: { code?: string }) => error.code !== undefined),
      1000,
      'the throttled in-flight message',
    );
    await within(e.flush(), 1000, 'flush after abort');
    assert.equal(calls, 1, 'posted again after abort()');
  });

  it('close() during a penalty waits; abort() then ends it at once and flush() with nothing queued resolves', async () => {
    const dt = fake((_m, n) => (n === 1 ? new RateLimitedError({ errcode: 130101, errmsg: 'too fast' }) : undefined));
    const e = engine(dt.post, { penaltyMs: 60_000 });
    const a = e.send(text('a'));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(e.paused, true);
    const closing = e.close();
    await assert.rejects(e.send(text('late')), { code: 'ROBOT_CLOSED' });
    e.abort();
    await assert.rejects(a, { code: 'ROBOT_CLOSED' });
    await within(closing, 500, 'close() after abort()');
    await within(e.flush(), 100, 'flush() with nothing queued');
    assert.equal(dt.calls(), 1);
  });
});
