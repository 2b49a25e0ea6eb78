import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DeliveryEngine, type EngineConfig, type PostFunction } from '../src/delivery/engine.js';
import { MemoryStore } from '../src/delivery/limiter.js';
import { bodyBytes } from '../src/delivery/size.js';
import { splitMessage } from '../src/delivery/split.js';
import { ContentRejectedError, RateLimitedError, RobotUnavailableError } from '../src/errors/dingtalk.js';
import { markdown, Robot, text } from '../src/index.js';
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
    const dt = fake((_m, n) =>
      n === 1 ? new RateLimitedError({ errcode: 130101, errmsg: 'too fast' }) : undefined,
    );
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

/** A Robot whose `fetch` is a fake DingTalk that accepts everything and records each body. */
function capturingRobot(options: Partial<ConstructorParameters<typeof Robot>[0]> = {}) {
  const bodies: Outgoing[] = [];
  const robot = new Robot({
    accessToken: `review-${Math.random()}`,
    baseUrl: 'http://127.0.0.1:9',
    retry: 'none',
    store: new MemoryStore(),
    fetch: async (_url, init) => {
      bodies.push(JSON.parse(String(init.body)) as Outgoing);
      return { status: 200, text: async () => '{"errcode":0,"errmsg":"ok"}' };
    },
    ...options,
  });
  return { robot, bodies };
}

const MOBILES = ['13800000001', '13800000002', '13800000003', '13900000004'];
const USERS = ['manager01', 'dev_42'];

/** What DingTalk looks for a keyword in, for text and markdown. */
const searchable = (m: Message) =>
  m.msgtype === 'text'
    ? m.text.content
    : m.msgtype === 'markdown'
      ? `${m.markdown.title}\n${m.markdown.text}`
      : '';

describe('delivery review: keywords and mentions survive digests and splitting', () => {
  const item = fc.record({
    kind: fc.constantFrom('text', 'markdown'),
    words: fc.array(
      fc.constantFrom('disk', '磁盘满了', '🚨', 'cpu 99%', '**bold**', '[doc](https://example.com/d)'),
      {
        maxLength: 8,
      },
    ),
    // A long one now and then: split into parts, or too big to join a digest.
    repeat: fc.oneof(
      { weight: 6, arbitrary: fc.constant(0) },
      { weight: 1, arbitrary: fc.integer({ min: 500, max: 3000 }) },
    ),
    mobiles: fc.subarray(MOBILES, { maxLength: 2 }),
    users: fc.subarray(USERS, { maxLength: 1 }),
    atAll: fc.boolean(),
  });

  it('every send carries a keyword and an @ in its text for each mention in its at; every message arrives', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(item, { minLength: 1, maxLength: 30 }),
        fc.constantFrom('start', 'end'),
        async (items, placement) => {
          const { robot, bodies } = capturingRobot({
            keywords: ['告警', 'ALERT'],
            keywordPlacement: placement as 'start' | 'end',
            insertMentions: true,
            rateLimit: { limit: 3, windowMs: 15 },
          });
          const sends = items.map((it, i) => {
            const content = `<m${i}> ${it.words.join(' ')}${it.repeat ? ` ${'磁盘 disk full\n'.repeat(it.repeat)}` : ''}`;
            const mention = { at: { mobiles: it.mobiles, userIds: it.users, all: it.atAll } };
            return it.kind === 'text'
              ? robot.send(text(content, mention))
              : robot.send(markdown(`title ${i}`, content, mention));
          });
          const settled = await Promise.allSettled(sends);
          assert.deepEqual(
            settled.filter((s) => s.status === 'rejected'),
            [],
          );
          for (const body of bodies) {
            const size = bodyBytes(body);
            assert.ok(size <= 20_000, `a send of ${size} bytes`);
            const where = searchable(body);
            assert.ok(
              where.includes('告警') || where.includes('ALERT'),
              `no keyword in ${where.slice(0, 80)}`,
            );
            if (body.msgtype !== 'text' && body.msgtype !== 'markdown') continue;
            for (const id of [...(body.at?.atMobiles ?? []), ...(body.at?.atUserIds ?? [])]) {
              assert.ok(where.includes(`@${id}`), `@${id} is in at but not in the text`);
            }
          }
          const all = bodies.map(searchable).join('\n');
          for (let i = 0; i < items.length; i++)
            assert.ok(all.includes(`<m${i}>`), `message ${i} never arrived`);
          // Each mention of each message reaches a send that lists it in `at`.
          items.forEach((it) => {
            for (const m of it.mobiles)
              assert.ok(bodies.some((b) => 'at' in b && b.at?.atMobiles?.includes(m)));
            if (it.atAll) assert.ok(bodies.some((b) => 'at' in b && b.at?.isAtAll));
          });
          await robot.close();
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe('delivery review: splitting without spaces or newlines', () => {
  it('CJK and emoji-only text over 20000 bytes: parts within the limit, no code point or ZWJ sequence cut', async () => {
    const family = '👨‍👩‍👧‍👦';
    const flag = '🇨🇳';
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom('钉', '钉钉', family, flag, '👍🏽', 'é', '中文'), {
          minLength: 4000,
          maxLength: 9000,
        }),
        async (pieces) => {
          const content = pieces.join('');
          const { robot, bodies } = capturingRobot({ rateLimit: false });
          const result = await robot.send(text(content));
          assert.equal(result.delivered, bodyBytes(text(content)) + 49 > 20_000 ? 'split' : 'alone');
          const chunks = bodies.map((b) =>
            b.msgtype === 'text' ? b.text.content.replace(/^\(part \d+\/\d+\)\n/, '') : '',
          );
          assert.equal(chunks.join(''), content);
          for (const [i, b] of bodies.entries()) {
            assert.ok(bodyBytes(b) <= 20_000);
            const c = chunks[i]!;
            assert.ok(!/^[\udc00-\udfff]|[\ud800-\udbff]$/.test(c), 'a surrogate pair was cut');
            assert.ok(!c.startsWith('\u200d') && !c.endsWith('\u200d'), 'a ZWJ sequence was cut');
            assert.ok(!/^[\u{1f3fb}-\u{1f3ff}]/u.test(c), 'a skin tone was cut from its emoji');
          }
        },
      ),
      { numRuns: 8 },
    );
  });

  it('a markdown link or image straddling the cut goes whole into one part', () => {
    for (let pad = 19_500; pad < 19_800; pad += 37) {
      const link = '[the runbook](https://example.com/runbook?section=disk-full&lang=zh)';
      const image = '![graph](https://example.com/graph.png)';
      const body = `${'a'.repeat(pad)}${link}${image}${'b'.repeat(3000)}`;
      const parts = splitMessage(markdown('long', body));
      assert.ok(parts.length >= 2);
      const texts = parts.map((p) => p.markdown.text);
      assert.ok(
        texts.some((t) => t.includes(link)),
        `link cut at pad ${pad}`,
      );
      assert.ok(
        texts.some((t) => t.includes(image)),
        `image cut at pad ${pad}`,
      );
    }
  });
});

describe('delivery review: flags', () => {
  it('a flag (two regional indicators) is never cut in two, whatever the alignment', () => {
    for (let k = 0; k < 8; k++) {
      const parts = splitMessage(text(`${'a'.repeat(k)}${'🇨🇳'.repeat(3000)}`));
      assert.ok(parts.length >= 2);
      for (const p of parts) {
        const regional = [...p.text.content].filter((ch) => /\p{RI}/u.test(ch)).length;
        assert.equal(regional % 2, 0, `a flag was cut (prefix of ${k})`);
      }
    }
  });
});

describe('delivery review: bounded memory under sustained overflow', () => {
  // How cheap send() stays when full is measured in bench/memory.ts: no test asserts a duration.
  it("overflow 'digest' behind a penalty: slots stay within maxQueue and no message goes missing", async () => {
    const store = new MemoryStore();
    const key = `overflow-${Math.random()}`;
    await store.penalize(key, 60_000);
    const e = new DeliveryEngine({ key, store, maxQueue: 50, post: async () => ({ attempts: 1 }) });
    let full = 0;
    let maxSlots = 0;
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < 18_000; i++) {
      const p = e.send(text(`alert ${i}: disk usage 97% on host web-${i % 50}`));
      sends.push(
        p.catch((error: { code?: string }) => {
          if (error.code === 'QUEUE_FULL') full++;
        }),
      );
      maxSlots = Math.max(maxSlots, e.stats().slots);
    }
    await new Promise((r) => setTimeout(r, 5));
    assert.ok(maxSlots <= 50, `${maxSlots} slots`);
    assert.ok(full > 0, 'the queue never filled up');
    assert.equal(e.stats().queued + full, 18_000, 'a message went missing');
    e.abort();
    await Promise.all(sends);
  });
});
