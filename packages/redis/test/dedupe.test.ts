// RedisDedupeStore against a real redis-server: the bot's replicas share one record of the msgIds taken.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Bot, type DedupeStore } from '@dingbot/bot';
import { Redis } from 'ioredis';
import { RedisDedupeStore, type RedisStoreError } from '../src/index.js';
import { freePort, redisSkipReason, startRedis, type TestRedis } from './fixtures/redis-server.js';

const skip = redisSkipReason();

describe('RedisDedupeStore', { skip }, () => {
  let redis: TestRedis;
  let raw: Redis;
  const stores: RedisDedupeStore[] = [];
  const store = (options: ConstructorParameters<typeof RedisDedupeStore>[0] = {}) => {
    const s = new RedisDedupeStore({ redis: redis.url, ...options });
    stores.push(s);
    return s;
  };
  before(async () => {
    redis = await startRedis();
    raw = new Redis(redis.url);
  });
  after(async () => {
    await Promise.all(stores.map((s) => s.close()));
    raw?.disconnect();
    await redis?.stop();
  });

  it('is a DedupeStore: one claim per key across replicas, kept for the TTL (SET NX PX)', async () => {
    const a: DedupeStore = store({ prefix: 'test:' });
    const b: DedupeStore = store({ prefix: 'test:' });
    assert.equal(await a.claim('msg1', 600_000), true);
    assert.equal(await b.claim('msg1', 600_000), false);
    assert.equal(await a.claim('msg1', 600_000), false);
    assert.equal(await b.claim('msg2', 600_000), true);
    const ttl = await raw.pttl('test:msg1');
    assert.ok(ttl > 0 && ttl <= 600_000, `PTTL ${ttl}`);
    // Once the key is gone (its TTL over), the message may be taken again.
    await raw.del('test:msg1');
    assert.equal(await b.claim('msg1', 600_000), true);
  });

  it('two bot replicas given one message (a push to each) run the handlers once', async () => {
    const runs: string[] = [];
    const replica = (name: string) => {
      const bot = new Bot({ clientId: 'dingreplicas', clientSecret: 'replica-secret', dedupe: store() });
      bot.use((ctx) => {
        runs.push(`${name}:${ctx.message.msgId}`);
      });
      return bot;
    };
    const [one, two] = [replica('one'), replica('two')];
    const payload = (msgId: string) => ({
      msgId,
      msgtype: 'text',
      text: { content: ' ping' },
      conversationId: 'cidR',
      conversationType: '2',
      senderId: '$:LWCP_v1:$r',
      senderNick: 'R',
      sessionWebhook: 'http://127.0.0.1:9/robot/sendBySession?session=r',
    });
    for (let i = 0; i < 20; i++)
      await Promise.all([one.handle(payload(`m${i}`)), two.handle(payload(`m${i}`))]);
    assert.equal(runs.length, 20);
    assert.deepEqual(new Set(runs.map((run) => run.split(':')[1])).size, 20);
    assert.ok(await raw.exists('dingbot:bot:dingreplicas:m0'));
  });

  it('without Redis, a replica still drops its own duplicates and says so once, without the password', async () => {
    const port = await freePort();
    const told: RedisStoreError[] = [];
    const s = store({
      redis: `redis://:hunter2-password@127.0.0.1:${port}`,
      onFallback: (error) => told.push(error),
      onRecover: () => assert.fail('no Redis to recover'),
    });
    assert.equal(await s.claim('k', 60_000), true);
    assert.equal(await s.claim('k', 60_000), false);
    assert.equal(await s.claim('other', 60_000), true);
    assert.equal(told.length, 1);
    assert.equal(s.degraded, true);
    assert.match(told[0]!.message, /unreachable|did not answer/i);
    assert.doesNotMatch(told[0]!.message, /hunter2/);
  });

  it('comes back to Redis when it answers again', async () => {
    const events: string[] = [];
    let server = await startRedis();
    try {
      const s = new RedisDedupeStore({
        redis: server.url,
        onFallback: () => events.push('fallback'),
        onRecover: () => events.push('recover'),
      });
      stores.push(s);
      assert.equal(await s.claim('x', 60_000), true);
      await server.stop();
      assert.equal(await s.claim('y', 60_000), true);
      assert.equal(await s.claim('y', 60_000), false);
      assert.deepEqual(events, ['fallback']);
      server = await startRedis({ port: server.port });
      // ioredis reconnects on its own schedule: claim until a claim goes to Redis again.
      let n = 0;
      while (!events.includes('recover')) {
        await s.claim(`probe${n++}`, 60_000);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.equal(s.degraded, false);
      assert.equal(await s.claim('z', 60_000), true);
      const check = new Redis(server.url);
      try {
        assert.equal(await check.exists('z'), 1, 'the claim is in Redis');
      } finally {
        check.disconnect();
      }
    } finally {
      await server.stop();
    }
  });

  it('checks timeoutMs', () => {
    assert.throws(() => new RedisDedupeStore({ redis: redis.url, timeoutMs: 0 }), /timeoutMs.*positive/);
  });
});
