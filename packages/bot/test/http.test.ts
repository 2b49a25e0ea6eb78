// The HTTP-callback receiver: the emulator posts signed callbacks to a bot served by
// @dingbot/bot/node, and the handler alone is checked against hand-made requests.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { type EmulatorHandle, startEmulator } from '@dingbot/emulator';
import fc from 'fast-check';
import { Bot, type BotOptions, type CallbackHandler, type CallbackOptions } from '../src/index.js';
import { type CallbackServer, startCallbackServer } from '../src/node/index.js';
import { APP, deferred, GROUP, until } from './helpers.js';

const WRONG_SECRET = 'not-the-app-secret-at-all';

/** What DingTalk computes: base64(HmacSHA256(key = appSecret, timestamp + "\n" + appSecret)). */
const signOf = (secret: string, timestamp: string) =>
  createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');

/**
 * The reply to `msgId`, already posted or still to come. Over HTTP, `emulator.chat()` resolves once the
 * callback was answered, and the handler may have replied by then; `nextReply` only sees later ones.
 */
function replyTo(emulator: EmulatorHandle, msgId: string) {
  const posted = emulator.messages().find((m) => m.inReplyTo === msgId);
  return posted ? Promise.resolve(posted) : emulator.nextReply(msgId);
}

function quietBot(options: Partial<BotOptions> = {}) {
  const logged: string[] = [];
  const bot = new Bot({
    clientId: APP.clientId,
    clientSecret: APP.clientSecret,
    replyOptions: { retry: 'none', rateLimit: false },
    logger: {
      warn: (line) => logged.push(line),
      error: (line, error) => logged.push(`${line} ${String(error)}`),
    },
    ...options,
  });
  return { bot, logged };
}

/** A bot served on a free port, and an emulator whose app robots post to it. */
async function served(setup: (bot: Bot) => void, apps: { clientSecret: string; name: string }[] = [APP]) {
  const { bot, logged } = quietBot();
  setup(bot);
  const server = await startCallbackServer(bot, { port: 0, path: '/dingtalk' });
  const emulator = await startEmulator({
    apps: apps.map((app, i) => ({
      clientId: i === 0 ? APP.clientId : `other${i}`,
      clientSecret: app.clientSecret,
      name: app.name,
      callbackUrl: server.callbackUrl,
    })),
    groups: [GROUP],
  });
  return { bot, logged, server, emulator };
}

describe('HTTP callbacks from the emulator, served by @dingbot/bot/node', () => {
  let ctx: Awaited<ReturnType<typeof served>>;
  const seen: string[] = [];
  let gate: ReturnType<typeof deferred<void>> | undefined;
  before(async () => {
    ctx = await served(
      (bot) => {
        bot.on('message', async (c, next) => {
          seen.push(c.text);
          await next();
        });
        bot.command('deploy', (c) => c.reply(`deploying ${c.args}…`));
        bot.hears(/^slow$/, async (c) => {
          await gate?.promise;
          await c.reply('done at last');
        });
        bot.hears('ping', (c) => c.reply('pong'));
      },
      [APP, { clientSecret: WRONG_SECRET, name: 'impostor' }],
    );
  });
  after(async () => {
    await ctx.server.close();
    await ctx.emulator.close();
  });

  test('routing: command, hears and middleware run as over Stream, the reply lands in the group', async () => {
    const { emulator } = ctx;
    const { msgId, delivery } = await emulator.chat({ robot: 'bot', text: '@bot deploy api', sender: 'u2' });
    assert.equal(delivery, 'http');
    const { msgUuid: _, ...reply } = (await replyTo(emulator, msgId)).payload;
    assert.deepEqual(reply, {
      msgtype: 'text',
      text: { content: '@u2 deploying api…' },
      at: { atUserIds: ['u2'] },
    });
    const pong = await emulator.chat({ robot: 'bot', text: '@bot ping' });
    assert.equal(
      ((await replyTo(emulator, pong.msgId)).payload as { text: { content: string } }).text.content,
      '@u1 pong',
    );
    assert.deepEqual(seen.slice(-2), ['deploy api', 'ping']);
    const chat = emulator.chats('bot').find((c) => c.msgId === msgId)!;
    assert.deepEqual(
      chat.deliveries.map((d) => [d.transport, d.status, d.body]),
      [['http', 200, '{"msgtype":"empty"}']],
    );
  });

  test('answers before the handler is done (DingTalk is never kept waiting)', async () => {
    const { emulator, bot } = ctx;
    gate = deferred();
    // chat() resolves once the callback was answered: the handler is still waiting on the gate.
    const { msgId } = await emulator.chat({ robot: 'bot', text: '@bot slow' });
    assert.equal(emulator.chats('bot').find((c) => c.msgId === msgId)!.deliveries[0]?.status, 200);
    assert.equal(bot.resources.handlers, 1, 'the handler is still under way');
    gate.resolve();
    const reply = await emulator.nextReply(msgId);
    assert.match(JSON.stringify(reply.payload), /done at last/);
    await until(() => bot.resources.handlers === 0);
  });

  test('a duplicate delivery (two POSTs of one message) runs the handlers once', async () => {
    const { emulator } = ctx;
    emulator.chaos('bot', { action: 'duplicate', on: true });
    try {
      const before = seen.length;
      const { msgId } = await emulator.chat({ robot: 'bot', text: '@bot deploy web' });
      await replyTo(emulator, msgId);
      const chat = emulator.chats('bot').find((c) => c.msgId === msgId)!;
      assert.deepEqual(
        chat.deliveries.map((d) => [d.reason, d.status]),
        [
          ['first', 200],
          ['duplicate', 200],
        ],
      );
      await until(() => ctx.bot.resources.handlers === 0);
      assert.deepEqual(seen.slice(before), ['deploy web']);
      assert.equal(emulator.messages().filter((m) => m.inReplyTo === msgId).length, 1);
    } finally {
      emulator.chaos('bot', { action: 'duplicate', on: false });
    }
  });

  test('a callback signed with another secret is refused with 401, naming neither secret nor sign', async () => {
    const { emulator, logged } = ctx;
    const before = seen.length;
    const { msgId } = await emulator.chat({ robot: 'impostor', text: '@impostor deploy api' });
    const chat = emulator.chats('impostor').find((c) => c.msgId === msgId)!;
    const delivery = chat.deliveries[0]!;
    assert.equal(delivery.status, 401);
    assert.match(delivery.body ?? '', /sign header does not match/);
    const expected = signOf(APP.clientSecret, '0');
    for (const text of [delivery.body ?? '', ...logged]) {
      assert.ok(!text.includes(APP.clientSecret), 'the app secret was shown');
      assert.ok(!text.includes(WRONG_SECRET), 'the sender secret was shown');
      assert.ok(!text.includes(expected.slice(0, 12)));
    }
    assert.equal(seen.length, before, 'no handler ran');
    assert.deepEqual(chat.replies, []);
  });

  test('other paths answer 404; the server closes and leaves the bot idle', async () => {
    const res = await fetch(`${ctx.server.url}/elsewhere`, { method: 'POST', body: '{}' });
    assert.equal(res.status, 404);
    assert.match(await res.text(), /\/dingtalk/);
  });
});

test('a stale timestamp is refused (emulator clock 2 hours behind the bot)', async () => {
  const { bot } = quietBot();
  let ran = 0;
  bot.use(() => {
    ran++;
  });
  const server: CallbackServer = await startCallbackServer(bot, { port: 0 });
  const start = Date.now() - 2 * 60 * 60_000;
  const emulator: EmulatorHandle = await startEmulator({
    apps: [{ ...APP, callbackUrl: server.callbackUrl }],
    groups: [GROUP],
    now: () => start,
  });
  try {
    const { msgId } = await emulator.chat({ robot: 'bot', text: '@bot ping' });
    const delivery = emulator.chats('bot').find((c) => c.msgId === msgId)!.deliveries[0]!;
    assert.equal(delivery.status, 401);
    assert.match(delivery.body ?? '', /timestamp header is 120 min old; at most 60 min/);
    assert.equal(ran, 0);
  } finally {
    await server.close();
    await emulator.close();
  }
  assert.deepEqual(bot.resources, { sockets: 0, timers: 0, handlers: 0 });
});

describe('the handler alone (web-standard Request → Response)', () => {
  const NOW = Date.UTC(2026, 5, 1, 12);
  const message = (msgId: string) => ({
    msgId,
    msgtype: 'text',
    text: { content: ' ping' },
    conversationId: 'cidX',
    conversationType: '2',
    conversationTitle: 'X',
    senderId: '$:LWCP_v1:$x',
    senderNick: 'X',
    senderStaffId: 'u1',
    isInAtList: true,
    createAt: NOW,
    sessionWebhook: 'http://127.0.0.1:9/robot/sendBySession?session=s',
    sessionWebhookExpiredTime: NOW + 5_400_000,
  });
  function handlerOf(options: CallbackOptions = {}) {
    const { bot, logged } = quietBot();
    const handled: string[] = [];
    bot.use((ctx) => {
      handled.push(ctx.message.msgId);
    });
    const handler: CallbackHandler = bot.fetchHandler({ now: () => NOW, ...options });
    return { bot, handler, handled, logged };
  }
  const post = (headers: Record<string, string>, body: string, method = 'POST') =>
    new Request('http://bot.local/dingtalk', {
      method,
      headers,
      body: method === 'GET' ? null : body,
    });
  const signed = (timestamp: number, body: unknown, secret = APP.clientSecret) =>
    post({ timestamp: String(timestamp), sign: signOf(secret, String(timestamp)) }, JSON.stringify(body));

  test('property: a correct sign within ±1 h is taken; outside it, or with any other sign, 401', async () => {
    const { handler, handled, bot } = handlerOf();
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: -3 * 3_600_000, max: 3 * 3_600_000 }),
        fc.option(fc.string({ minLength: 1, maxLength: 60 }), { nil: undefined }),
        async (offset, otherSecret) => {
          const msgId = `msg-prop-${n++}`;
          const secret =
            otherSecret === undefined || otherSecret === APP.clientSecret ? APP.clientSecret : otherSecret;
          const res = await handler(signed(NOW + offset, message(msgId), secret));
          const ok = Math.abs(offset) <= 3_600_000 && secret === APP.clientSecret;
          assert.equal(
            res.status,
            ok ? 200 : 401,
            `${offset} ms, ${secret === APP.clientSecret ? 'right' : 'wrong'} secret`,
          );
          const text = await res.text();
          assert.ok(!text.includes(APP.clientSecret));
          if (ok) assert.deepEqual(JSON.parse(text), { msgtype: 'empty' });
          return true;
        },
      ),
      { numRuns: 150 },
    );
    await bot.stop();
    assert.ok(handled.length > 0 && handled.every((id) => id.startsWith('msg-prop-')));
  });

  test('a mutated sign is refused, whatever byte changed', async () => {
    const { handler, handled } = handlerOf();
    const timestamp = String(NOW);
    const good = signOf(APP.clientSecret, timestamp);
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: good.length - 2 }), fc.constantFrom(...'ABCxyz019+/'), async (at, c) => {
        fc.pre(good[at] !== c);
        const bad = good.slice(0, at) + c + good.slice(at + 1);
        const res = await handler(post({ timestamp, sign: bad }, JSON.stringify(message('m'))));
        assert.equal(res.status, 401);
      }),
      { numRuns: 200 },
    );
    // The last character of a 32-byte base64 carries 2 unused bits: "…0=" and "…1=" decode alike.
    const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const twin = `${good.slice(0, 42)}${ALPHABET[ALPHABET.indexOf(good[42]!) ^ 1]}=`;
    assert.notEqual(twin, good);
    assert.deepEqual(Buffer.from(twin, 'base64'), Buffer.from(good, 'base64'), 'the same bytes');
    assert.equal((await handler(post({ timestamp, sign: twin }, JSON.stringify(message('m'))))).status, 401);
    assert.deepEqual(handled, []);
  });

  test('refusals say what is wrong: method, missing headers, a non-number timestamp, size, JSON', async () => {
    const { handler, handled, bot, logged } = handlerOf({ maxBodyBytes: 2048 });
    const get = await handler(post({}, '', 'GET'));
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST');
    const noSign = await handler(post({ timestamp: String(NOW) }, '{}'));
    assert.equal(noSign.status, 401);
    assert.match((await noSign.json()).error, /the sign header is missing/);
    assert.match(
      (await (await handler(post({ sign: 'abc=' }, '{}'))).json()).error,
      /timestamp header is missing/,
    );
    const words = await handler(post({ timestamp: 'yesterday', sign: 'abc=' }, '{}'));
    assert.match((await words.json()).error, /not a number of milliseconds/);
    const notBase64 = await handler(post({ timestamp: String(NOW), sign: '!!!' }, '{}'));
    assert.equal(notBase64.status, 401);
    const big = await handler(signed(NOW, { padding: 'x'.repeat(4000) }));
    assert.equal(big.status, 413);
    const notJson = await handler(
      post({ timestamp: String(NOW), sign: signOf(APP.clientSecret, String(NOW)) }, 'msgtype=text'),
    );
    assert.equal(notJson.status, 400);
    assert.match((await notJson.json()).error, /not JSON/);
    const list = await handler(signed(NOW, [1, 2]));
    assert.equal(list.status, 400);
    await bot.stop();
    assert.deepEqual(handled, []);
    assert.ok(logged.every((line) => !line.includes(APP.clientSecret)));
    assert.ok(logged.some((line) => /refused \(413\)/.test(line)));
  });

  test('the same message twice runs once; stop() waits for the handlers started after the answer', async () => {
    const { handler, handled, bot } = handlerOf();
    const a = await handler(signed(NOW, message('msg-twice')));
    assert.deepEqual(handled, [], 'handlers start after the answer, not during it');
    const b = await handler(signed(NOW + 5, message('msg-twice')));
    assert.deepEqual([a.status, b.status], [200, 200]);
    await bot.stop();
    assert.deepEqual(handled, ['msg-twice']);
  });

  test("a Workers-style context's waitUntil receives the work after the answer", async () => {
    const { handler, handled } = handlerOf();
    const kept: Promise<unknown>[] = [];
    const res = await handler(signed(NOW, message('msg-wait')), {}, { waitUntil: (p) => kept.push(p) });
    assert.equal(res.status, 200);
    assert.equal(kept.length, 1);
    await Promise.all(kept);
    assert.deepEqual(handled, ['msg-wait']);
  });

  test('options are checked', async () => {
    const { bot } = quietBot();
    assert.throws(() => bot.fetchHandler({ maxClockSkewMs: -5 }), /`maxClockSkewMs` is -5.*positive/s);
    assert.throws(
      () => bot.fetchHandler({ maxSkew: 5 } as unknown as CallbackOptions),
      /`maxSkew` is not an option.*Did you mean `maxClockSkewMs`\?/s,
    );
    assert.throws(
      () => bot.fetchHandler({ maxBodyByte: 5 } as unknown as CallbackOptions),
      /Did you mean `maxBodyBytes`\?/,
    );
    await assert.rejects(
      startCallbackServer(bot, { port: 0, path: 'dingtalk' }),
      /`path` is "dingtalk".*'\/dingtalk'/s,
    );
  });
});
