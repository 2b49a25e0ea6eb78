import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import { Redis } from 'ioredis';
import { RedisStore, RedisStoreError } from '../src/index.js';
import { redisSkipReason, startRedis, type TestRedis } from './fixtures/redis-server.js';

const skip = redisSkipReason();
const PASSWORD = 'right-secret-7f3a';
const WRONG = 'wrong-secret-91bc';

describe('RedisStore: the real cause when Redis refuses the credentials', { skip }, () => {
  let redis: TestRedis;
  const stores: RedisStore[] = [];
  before(async () => {
    redis = await startRedis({ password: PASSWORD });
  });
  after(async () => {
    for (const store of stores) await store.close();
    await redis?.stop();
  });

  /** Falls back on the first acquire and returns what onFallback was told. */
  async function toldFor(redisOption: ConstructorParameters<typeof RedisStore>[0]): Promise<unknown[]> {
    const told: unknown[] = [];
    // A long timeout: the answer must come from Redis's refusal, not from waiting it out.
    const store = new RedisStore({ ...redisOption, timeoutMs: 600_000, onFallback: (e) => told.push(e) });
    stores.push(store);
    const slot = await store.acquire('auth', 20, 60_000);
    assert.equal(slot.ok, true, 'the local fallback still gives a slot');
    assert.equal(store.degraded, true);
    return told;
  }

  function assertAuth(told: unknown[], reply: RegExp): RedisStoreError {
    assert.equal(told.length, 1);
    const error = told[0];
    assert.ok(error instanceof RedisStoreError, String(error));
    assert.equal(error.code, 'AUTH');
    assert.match(error.message, reply);
    assert.match(error.message, /refused the credentials/);
    assert.doesNotMatch(error.message, /unreachable|not connected within/);
    for (const text of [error.message, inspect(error, { depth: 10 }), JSON.stringify(error)]) {
      assert.ok(!text.includes(WRONG) && !text.includes(PASSWORD), `a password leaked: ${text}`);
    }
    return error;
  }

  it('a wrong password in the URL: WRONGPASS, without the password', async () => {
    const url = new URL(redis.url);
    url.password = WRONG;
    assertAuth(await toldFor({ redis: url.href }), /WRONGPASS/);
  });

  it('a wrong password in the options: WRONGPASS', async () => {
    assertAuth(
      await toldFor({ redis: { port: redis.port, host: '127.0.0.1', password: WRONG } }),
      /WRONGPASS/,
    );
  });

  it('no password where Redis needs one: NOAUTH', async () => {
    assertAuth(await toldFor({ redis: redis.url }), /NOAUTH/);
  });

  it('the default warning names the cause too', async (t) => {
    const warned: string[] = [];
    t.mock.method(console, 'warn', (line: string) => warned.push(line));
    const store = new RedisStore({ redis: { port: redis.port, password: WRONG }, timeoutMs: 600_000 });
    stores.push(store);
    await store.acquire('auth-warn', 20, 60_000);
    assert.equal(warned.length, 1);
    assert.match(warned[0]!, /^@dingbot\/redis: Redis refused the credentials \(WRONGPASS/);
    assert.ok(!warned[0]!.includes(WRONG));
  });

  it('the right password works', async () => {
    const store = new RedisStore({
      redis: { port: redis.port, password: PASSWORD },
      onFallback: (error) => assert.fail(`fell back: ${String(error)}`),
    });
    stores.push(store);
    const slot = await store.acquire('auth-ok', 20, 60_000);
    assert.equal(slot.ok, true);
    assert.equal(store.degraded, false);
  });
});

describe('RedisStore: hysteresis near the timeout', { skip }, () => {
  let redis: TestRedis;
  let admin: Redis;
  before(async () => {
    redis = await startRedis();
    admin = new Redis(redis.url);
  });
  after(async () => {
    await admin?.call('CLIENT', 'UNPAUSE').catch(() => {});
    admin?.disconnect();
    await redis?.stop();
  });

  /** Makes every script wait until `resume()`: Redis is up, but slower than any timeout. */
  async function stall(): Promise<() => Promise<void>> {
    await admin.call('CLIENT', 'PAUSE', '600000', 'WRITE');
    return async () => {
      await admin.call('CLIENT', 'UNPAUSE');
    };
  }

  it('stays on the fallback for fallbackHoldMs (by its clock) however often Redis answers meanwhile', async () => {
    let now = 1_000_000;
    const told: string[] = [];
    const store = new RedisStore({
      redis: redis.url,
      timeoutMs: 200,
      fallbackHoldMs: 10_000,
      now: () => now,
      onFallback: (error) => told.push(`fallback ${(error as RedisStoreError).code}`),
      onRecover: () => told.push('recover'),
    });
    try {
      const key = 'hold';
      const windowKey = `dingbot:{${key}}:w`;
      const send = async () => {
        const slot = await store.acquire(key, 1000, 60_000);
        assert.ok(slot.ok);
        await store.settle(key, slot.ticket);
      };
      await send();
      assert.equal(store.degraded, false);
      assert.equal(await admin.zcard(windowKey), 1);

      const resume = await stall();
      await send(); // times out: the fallback answers
      await resume();
      assert.deepEqual(told, ['fallback TIMEOUT']);
      // The script that timed out still runs once Redis resumes (its slot counts: the safe side);
      // wait for it, so it is not mistaken below for a try during the hold.
      while ((await admin.zcard(windowKey)) < 2) await new Promise((r) => setTimeout(r, 10));
      const before = await admin.zcard(windowKey);

      // Redis answers at once again, but the hold is not over: 30 sends stay local, and none of them
      // even tries Redis (today's code flipped back and forth here).
      for (let i = 0; i < 30; i++) await send();
      assert.equal(store.degraded, true);
      assert.deepEqual(told, ['fallback TIMEOUT']);
      assert.equal(await admin.zcard(windowKey), before, 'Redis was tried during the hold');

      // A stall and a recovery inside the hold change nothing either.
      now += 9_999;
      await send();
      assert.deepEqual(told, ['fallback TIMEOUT']);

      // The hold is over: the next send goes to Redis, which also learns of the 32 local sends.
      now += 1;
      await send();
      assert.equal(store.degraded, false);
      assert.deepEqual(told, ['fallback TIMEOUT', 'recover']);
      assert.equal(await admin.zcard(windowKey), before + 32 + 1);

      // A failure when the hold is over starts a new hold: one fallback, not one per send.
      const again = await stall();
      await send();
      await again();
      for (let i = 0; i < 10; i++) await send();
      assert.deepEqual(told, ['fallback TIMEOUT', 'recover', 'fallback TIMEOUT']);
    } finally {
      await store.close();
    }
  });

  it('a penalty is still written to Redis during the hold (it matters to every process)', async () => {
    let now = 5_000_000;
    const store = new RedisStore({
      redis: redis.url,
      timeoutMs: 200,
      fallbackHoldMs: 60_000,
      now: () => now,
      onFallback: () => {},
      onRecover: () => assert.fail('recovered during the hold'),
    });
    try {
      await store.acquire('held-penalty', 20, 60_000);
      const resume = await stall();
      await store.acquire('held-penalty', 20, 60_000);
      await resume();
      assert.equal(store.degraded, true);
      now += 1;
      await store.penalize('held-penalty', 30_000);
      assert.ok((await admin.pttl('dingbot:{held-penalty}:p')) > 0, 'the penalty reached Redis');
      assert.equal(store.degraded, true, 'a write during the hold does not end it');
    } finally {
      await store.close();
    }
  });

  it('fallbackHoldMs must be a number of milliseconds', () => {
    assert.throws(
      () => new RedisStore({ redis: redis.url, fallbackHoldMs: -1 }),
      /fallbackHoldMs is -1; give a number of milliseconds/,
    );
  });
});
