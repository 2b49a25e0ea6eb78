// RedisDedupeStore against a real redis-server: the bot's replicas share one record of the msgIds taken.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Bot, type DedupeStore } from '@dingbot/bot';
import { startEmulator } from '@dingbot/emulator';
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

  it('two replicas on Stream: the message pushed again to the other connection runs once', async () => {
    // The emulator's timers by hand: the 60 s redelivery happens when the test says so.
    let now = Date.UTC(2026, 0, 1);
    const pending = new Set<{ due: number; run: () => void }>();
    const timers = {
      setTimeout: (run: () => void, ms: number) => {
        const timer = { due: now + ms, run };
        pending.add(timer);
        return timer;
      },
      clearTimeout: (timer: unknown) => void pending.delete(timer as { due: number; run: () => void }),
    };
    const advance = (ms: number) => {
      now += ms;
      for (const timer of [...pending].filter((t) => t.due <= now)) {
        pending.delete(timer);
        timer.run();
      }
    };
    const app = { clientId: 'dingreplicastream', clientSecret: 'replica-stream-secret', name: 'bot' };
    const emulator = await startEmulator({ apps: [app], now: () => now, timers, streamPingMs: 0 });
    const replicas: Bot[] = [];
    try {
      const runs: string[] = [];
      replicas.push(
        ...['one', 'two'].map((name) => {
          const bot = new Bot({
            clientId: app.clientId,
            clientSecret: app.clientSecret,
            baseUrl: emulator.url,
            dedupe: store({ prefix: 'stream:' }),
            replyOptions: { retry: 'none', rateLimit: false },
          });
          bot.hears(/^deploy (\w+)$/, async (ctx) => {
            runs.push(name);
            await ctx.reply(`deploying ${ctx.match[1]}…`);
          });
          return bot;
        }),
      );
      const settle = async (done: () => boolean) => {
        while (!done() || replicas.some((bot) => bot.resources.handlers > 0)) {
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      };
      for (const bot of replicas) await bot.start();
      assert.equal(emulator.apps()[0]?.connections.length, 2);
      emulator.chaos('bot', { action: 'withholdAcks', on: true });
      const { msgId } = await emulator.chat({ robot: 'bot', text: '@bot deploy api' });
      const chat = () => emulator.chats('bot').find((c) => c.msgId === msgId)!;
      await settle(() => chat().acks.length === 1 && chat().replies.length === 1);
      advance(60_000); // no ack counted: DingTalk pushes it again, to the next connection
      await settle(() => chat().acks.length === 2);
      const [first, again] = chat().deliveries;
      assert.deepEqual([first?.reason, again?.reason], ['first', 'redelivery']);
      assert.notEqual(first?.connectionId, again?.connectionId, 'pushed again to the other replica');
      assert.equal(runs.length, 1, `handled by ${runs.join(' and ')}`);
      assert.equal(chat().replies.length, 1);
    } finally {
      for (const bot of replicas) await bot.stop();
      await emulator.close();
    }
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
