import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { RedisStore } from '@dingbot/redis';
import { RefusingLimiterStore } from '../src/outbox/limiter.js';

/** A loopback port nothing listens on: taken, then closed. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('RefusingLimiterStore grants no slot and keeps no state', async () => {
  const store = new RefusingLimiterStore(250);
  assert.deepEqual(await store.acquire(), { ok: false, retryInMs: 250, reason: 'rate' });
  await store.penalize();
  await store.settle();
  assert.equal(await store.penaltyRemaining(), 0);
});

test("the replicas' shared limiter grants nothing while Redis is away (no local count on top of the window)", async () => {
  const fallbacks: unknown[] = [];
  const store = new RedisStore({
    redis: `redis://127.0.0.1:${await deadPort()}`,
    timeoutMs: 200,
    fallback: new RefusingLimiterStore(),
    onFallback: (error) => fallbacks.push(error),
  });
  try {
    for (let i = 0; i < 30; i++) {
      const slot = await store.acquire('dingbot:robot', 20, 60_000);
      assert.equal(slot.ok, false, `acquire ${i} was granted without Redis`);
    }
    assert.equal(fallbacks.length, 1, 'the outage is reported once');
  } finally {
    await store.close();
  }
});
