import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RedisStore } from '../src/index.js';
import { freePort, redisSkipReason, startRedis, type TestRedis } from './fixtures/redis-server.js';

const skip = redisSkipReason();

describe('RedisStore', { skip }, () => {
  let redis: TestRedis;
  const stores: RedisStore[] = [];
  const store = (options: ConstructorParameters<typeof RedisStore>[0] = {}) => {
    const s = new RedisStore({ redis: redis.url, ...options });
    stores.push(s);
    return s;
  };
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await redis?.stop();
  });

  it('shares one sliding window between clients, on Redis time', async () => {
    const a = store();
    const b = store();
    const got = [];
    for (let i = 0; i < 6; i++) got.push(await (i % 2 ? a : b).acquire('w1', 5, 400));
    assert.deepEqual(
      got.slice(0, 5).map((g) => g.ok && g.remaining),
      [4, 3, 2, 1, 0],
    );
    const sixth = got[5]!;
    assert.equal(sixth.ok, false);
    assert.ok(!sixth.ok && sixth.reason === 'rate' && sixth.retryInMs > 0 && sixth.retryInMs <= 401);
    await new Promise((r) => setTimeout(r, !sixth.ok ? sixth.retryInMs : 0));
    assert.equal((await a.acquire('w1', 5, 400)).ok, true);
  });

  it('settle() moves a slot to the end of its send', async () => {
    const a = store();
    const first = await a.acquire('w2', 1, 300);
    assert.ok(first.ok);
    await new Promise((r) => setTimeout(r, 200));
    await a.settle('w2', first.ticket);
    const next = await a.acquire('w2', 1, 300);
    assert.ok(!next.ok && next.retryInMs > 200, 'the window counts from the settle');
  });

  it('a penalty is seen by every client at once, and never shortened', async () => {
    const a = store();
    const b = store();
    await a.penalize('w3', 500);
    await a.penalize('w3', 100);
    const seen = await b.acquire('w3', 20, 1000);
    assert.ok(!seen.ok && seen.reason === 'penalty' && seen.retryInMs > 300);
    assert.ok((await b.penaltyRemaining('w3')) > 300);
  });

  it('falls back to a local limiter when Redis is unreachable, and says so', async () => {
    const port = await freePort();
    const told: string[] = [];
    const s = store({
      redis: `redis://127.0.0.1:${port}`,
      onFallback: () => told.push('fallback'),
      onRecover: () => told.push('recover'),
    });
    const got = [];
    for (let i = 0; i < 3; i++) got.push(await s.acquire('w4', 2, 1000));
    assert.deepEqual(
      got.map((g) => g.ok),
      [true, true, false],
    );
    assert.deepEqual(told, ['fallback']);
    assert.equal(s.degraded, true);
    const first = got[0]!;
    if (first.ok) await s.settle('w4', first.ticket);
  });
});
