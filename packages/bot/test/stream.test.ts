import assert from 'node:assert/strict';
import { Socket } from 'node:net';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { EmulatorHandle } from '@dingbot/emulator';
import { markdown } from '@dingbot/sdk';
import { createNodeFetch } from '@dingbot/sdk/node';
import { type Bot, MemoryDedupeStore } from '../src/index.js';
import { APP, botFor, deferred, emulatorFor, manualTime, until } from './helpers.js';

/** Every handle (socket, server, timer) of the process: Node's own accounting, for leak checks. */
const handles = () => (process as unknown as { _getActiveHandles(): object[] })._getActiveHandles();

describe('a Bot in Stream mode against the emulator', () => {
  let emulator: EmulatorHandle;
  let time: ReturnType<typeof manualTime>;
  const bots: Bot[] = [];
  const start = async (options: Parameters<typeof botFor>[1] = {}) => {
    const made = botFor(emulator, options);
    bots.push(made.bot);
    return made;
  };
  const chat = (id: string) => () => emulator.chats().find((c) => c.msgId === id);

  beforeEach(async () => {
    ({ emulator, time } = await emulatorFor());
  });
  afterEach(async () => {
    for (const bot of bots.splice(0)) await bot.stop();
    await emulator.close();
  });

  test('hears, command and middleware route each message; replies go through the sessionWebhook', async () => {
    const { bot } = await start();
    const seen: string[] = [];
    bot.on('message', async (ctx, next) => {
      seen.push(ctx.text);
      await next();
    });
    bot.hears(/^deploy (\w+)$/, (ctx) => ctx.reply(`deploying ${ctx.match[1]}…`));
    bot.command('oncall', (ctx) => ctx.reply(markdown('On call', `### ${ctx.args || 'Alice'} is on call`)));
    bot.hears('ping', (ctx) => ctx.reply('pong'));
    await bot.start();

    const deploy = await emulator.chat({ robot: 'bot', text: '@bot deploy api', sender: 'u2' });
    const reply = await emulator.nextReply(deploy.msgId);
    assert.equal(reply.via, 'sessionWebhook');
    assert.equal(reply.inReplyTo, deploy.msgId);
    const { msgUuid, ...payload } = reply.payload;
    assert.equal(typeof msgUuid, 'string');
    assert.deepEqual(payload, {
      msgtype: 'text',
      text: { content: '@u2 deploying api…' },
      at: { atUserIds: ['u2'] },
    });

    const oncall = await emulator.chat({ robot: 'bot', text: '@bot /oncall Bob' });
    assert.deepEqual((await emulator.nextReply(oncall.msgId)).payload['markdown'], {
      title: 'On call',
      text: '### Bob is on call',
    });
    const bare = await emulator.chat({ robot: 'bot', text: '@bot ONCALL' });
    assert.deepEqual((await emulator.nextReply(bare.msgId)).payload['markdown'], {
      title: 'On call',
      text: '### Alice is on call',
    });

    // A 1:1 chat: the whole text, and no @-mention in the answer.
    const direct = await emulator.chat({ robot: 'bot', text: 'Ping', direct: true, sender: 'u2' });
    const pong = await emulator.nextReply(direct.msgId);
    assert.deepEqual(pong.payload['text'], { content: 'pong' });
    assert.equal(pong.payload['at'], undefined);

    assert.deepEqual(seen, ['deploy api', '/oncall Bob', 'ONCALL', 'Ping']);
  });

  test('the context: sender, conversation, mention', async () => {
    const { bot } = await start();
    const got = deferred<unknown>();
    bot.on('text', (ctx) =>
      got.resolve({
        text: ctx.text,
        sender: ctx.sender,
        conversation: ctx.conversation,
        isMention: ctx.isMention,
        content: ctx.message.text.content,
      }),
    );
    await bot.start();
    await emulator.chat({ robot: 'bot', text: '@bot hello there', sender: 'u1' });
    const seen = (await got.promise) as Record<string, unknown>;
    assert.deepEqual(seen['conversation'], { type: 'group', id: 'cidBotTest', title: 'Bot test' });
    assert.equal(seen['text'], 'hello there');
    assert.equal(seen['content'], ' hello there');
    assert.equal(seen['isMention'], true);
    const sender = seen['sender'] as Record<string, unknown>;
    assert.equal(sender['staffId'], 'u1');
    assert.equal(sender['nick'], 'Alice');
    assert.equal(sender['isAdmin'], true);
  });

  test('SYSTEM pings are echoed, so the emulator keeps the connection', async () => {
    const { bot, events } = await start();
    await bot.start();
    const [app] = emulator.state.apps.apps;
    const outstanding = () => app && emulator.state.apps.gateway.connectionsOf(app)[0]?.outstandingPing;
    for (let i = 0; i < 3; i++) {
      time.advance(30_000);
      assert.notEqual(outstanding(), undefined, 'a ping went out');
      await until(() => outstanding() === undefined);
    }
    assert.equal(emulator.apps()[0]?.connections.length, 1);
    assert.deepEqual(
      events.map((e) => e.type),
      ['open'],
    );
  });

  test('every callback is acked at once, before the handler runs (a slow handler still acks)', async () => {
    const { bot } = await start();
    const release = deferred();
    const entered = deferred();
    bot.hears('slow', async (ctx) => {
      entered.resolve();
      await release.promise;
      await ctx.reply('done at last');
    });
    await bot.start();
    const { msgId } = await emulator.chat({ robot: 'bot', text: '@bot slow' });
    await entered.promise;
    await until(() => chat(msgId)()?.ackedAt !== undefined);
    assert.equal(chat(msgId)()?.replies.length, 0, 'acked while the handler is still running');
    assert.equal(bot.resources.handlers, 1);
    // A minute later DingTalk would push an unacked message again: this one is not.
    time.advance(60_000);
    assert.equal(chat(msgId)()?.deliveries.length, 1);
    const reply = emulator.nextReply(msgId);
    release.resolve();
    assert.deepEqual((await reply).payload['text'], { content: '@u1 done at last' });
  });

  test('a message pushed twice (chaos duplicate) is handled once', async () => {
    const store = new MemoryDedupeStore();
    const claims: boolean[] = [];
    const { bot } = await start({
      dedupe: {
        claim: (key, ttl) => {
          claims.push(store.claim(key, ttl));
          return claims.at(-1) as boolean;
        },
      },
    });
    let calls = 0;
    bot.hears('once', async (ctx) => {
      calls++;
      await ctx.reply('once');
    });
    await bot.start();
    emulator.chaos('bot', { action: 'duplicate', on: true });
    const { msgId } = await emulator.chat({ robot: 'bot', text: '@bot once' });
    await emulator.nextReply(msgId);
    await until(() => claims.length === 2 && bot.resources.handlers === 0);
    assert.deepEqual(
      chat(msgId)()?.deliveries.map((d) => d.reason),
      ['first', 'duplicate'],
    );
    assert.deepEqual(claims, [true, false]);
    assert.equal(calls, 1);
    assert.equal(chat(msgId)()?.replies.length, 1);
  });

  test('a redelivery of a message already taken (ack lost) is handled once', async () => {
    const { bot } = await start();
    let calls = 0;
    bot.hears('again', () => {
      calls++;
    });
    await bot.start();
    emulator.chaos('bot', { action: 'withholdAcks', on: true });
    const { msgId } = await emulator.chat({ robot: 'bot', text: '@bot again' });
    await until(() => calls === 1 && chat(msgId)()?.acks.length === 1);
    time.advance(60_000);
    await until(() => chat(msgId)()?.acks.length === 2);
    assert.deepEqual(
      chat(msgId)()?.deliveries.map((d) => d.reason),
      ['first', 'redelivery'],
    );
    await until(() => bot.resources.handlers === 0);
    assert.equal(calls, 1);
  });

  test('a reply to an expired session lands through the OpenAPI (groupMessages/send)', async () => {
    const { bot } = await start();
    const replied = deferred<unknown>();
    bot.hears('late', async (ctx) => {
      emulator.chaos('bot', { action: 'expireSessions', msgId: ctx.message.msgId });
      replied.resolve(await ctx.reply('too late?'));
    });
    bot.catch((error) => replied.resolve(error));
    await bot.start();
    await emulator.chat({ robot: 'bot', text: '@bot late', sender: 'u2' });
    assert.equal(((await replied.promise) as { via?: string }).via, 'openApi');
    assert.equal(emulator.attempts()[0]?.errcode, 300001);
    const sent = emulator.messages().find((m) => m.via === 'groupMessages/send');
    assert.deepEqual(sent?.openApi, { msgKey: 'sampleText', msgParam: { content: '@u2 too late?' } });
  });

  test('after a dropped connection it reconnects with backoff and gets the message sent meanwhile', async () => {
    const { bot, events } = await start({ timers: time.timers, random: () => 0 });
    bot.hears('still there?', (ctx) => ctx.reply('yes'));
    await bot.start();
    emulator.chaos('bot', { action: 'drop' });
    await until(() => events.some((e) => e.type === 'reconnecting'));
    const { msgId } = await emulator.chat({ robot: 'bot', text: '@bot still there?' });
    assert.equal(chat(msgId)()?.pending, true);
    const reconnecting = events.find((e) => e.type === 'reconnecting');
    assert.equal(reconnecting?.type === 'reconnecting' && reconnecting.delayMs, 500);
    time.advance(500);
    assert.deepEqual((await emulator.nextReply(msgId)).payload['text'], { content: '@u1 yes' });
    assert.deepEqual(
      events.map((e) => e.type),
      ['open', 'close', 'reconnecting', 'open'],
    );
  });

  test('failed attempts in a row wait longer each time; a success resets the delay', async () => {
    let failures = 2;
    const { bot, events } = await start({
      timers: time.timers,
      random: () => 0,
      fetch: (url, init) => {
        if (url.endsWith('/connections/open') && events.length > 0 && failures-- > 0) {
          return Promise.reject(new TypeError('fetch failed'));
        }
        return fetch(url, init);
      },
    });
    await bot.start();
    const delays = () => events.flatMap((e) => (e.type === 'reconnecting' ? [e.delayMs] : []));
    emulator.chaos('bot', { action: 'drop' });
    for (const expected of [[500], [500, 1000], [500, 1000, 2000]]) {
      await until(() => delays().length === expected.length);
      assert.deepEqual(delays(), expected);
      time.advance(expected.at(-1) as number);
    }
    await until(() => events.filter((e) => e.type === 'open').length === 2);
    emulator.chaos('bot', { action: 'drop' });
    await until(() => delays().length === 4);
    assert.equal(delays()[3], 500, 'reset once a connection opened');
  });

  test('disconnect: a new connection opens before the old one closes, and nothing is lost', async () => {
    const { bot, events } = await start({ timers: time.timers });
    bot.hears(/^n(\d)$/, (ctx) => ctx.reply(`got ${ctx.match[1]}`));
    await bot.start();
    emulator.chaos('bot', { action: 'disconnect', reason: 'connection is expired' });
    const during = await emulator.chat({ robot: 'bot', text: '@bot n1' });
    assert.deepEqual((await emulator.nextReply(during.msgId)).payload['text'], { content: '@u1 got 1' });
    await until(() => events.some((e) => e.type === 'close'));
    assert.deepEqual(events, [
      { type: 'open', connection: 1 },
      { type: 'disconnect', connection: 1, reason: 'connection is expired' },
      { type: 'open', connection: 2 },
      { type: 'close', connection: 1, code: 1000 },
    ]);
    const after = await emulator.chat({ robot: 'bot', text: '@bot n2' });
    assert.deepEqual((await emulator.nextReply(after.msgId)).payload['text'], { content: '@u1 got 2' });
    assert.equal(emulator.apps()[0]?.connections.length, 1);
  });

  test('idle watchdog: a connection on which nothing comes is replaced, new before old; any frame resets it', async () => {
    const botTime = manualTime();
    const { bot, events } = await start({ timers: botTime.timers, idleTimeoutMs: 90_000 });
    let calls = 0;
    bot.use(() => {
      calls++;
    });
    await bot.start();
    botTime.advance(60_000);
    // A frame (this message) 60 s in: the watchdog starts again from here.
    await emulator.chat({ robot: 'bot', text: '@bot hello' });
    await until(() => calls === 1);
    botTime.advance(60_000);
    assert.equal(events.filter((e) => e.type === 'idle').length, 0);
    botTime.advance(30_000);
    await until(() => events.some((e) => e.type === 'close'));
    assert.deepEqual(events, [
      { type: 'open', connection: 1 },
      { type: 'idle', connection: 1, ms: 90_000 },
      { type: 'open', connection: 2 },
      { type: 'close', connection: 1, code: 1000 },
    ]);
    const { msgId } = await emulator.chat({ robot: 'bot', text: '@bot after' });
    await until(() => calls === 2);
    assert.equal(chat(msgId)()?.deliveries[0]?.connectionId, emulator.apps()[0]?.connections[0]?.id);
    await bot.stop();
    assert.deepEqual(botTime.pending, [], 'no watchdog left');
  });

  test('stop() leaves no socket, no timer and no handler behind', async () => {
    const before = new Set(handles());
    const resourcesBefore = process.getActiveResourcesInfo();
    // Replies without keep-alive, so the emulator's side of their connection closes too.
    const { bot, events } = await start({ replyOptions: { fetch: createNodeFetch({ keepAlive: false }) } });
    bot.hears('ping', (ctx) => ctx.reply('pong'));
    await bot.start();
    assert.deepEqual(
      bot.resources,
      { sockets: 1, timers: 1, handlers: 0 },
      'the socket and its idle watchdog',
    );
    const { msgId } = await emulator.chat({ robot: 'bot', text: '@bot ping' });
    await emulator.nextReply(msgId);
    emulator.chaos('bot', { action: 'drop' });
    // Stopped while a reconnect is scheduled: its timer must go too.
    await until(() => events.some((e) => e.type === 'reconnecting'));
    assert.deepEqual(bot.resources, { sockets: 0, timers: 1, handlers: 0 });
    await bot.stop();
    assert.deepEqual(bot.resources, { sockets: 0, timers: 0, handlers: 0 });
    await until(() => emulator.apps()[0]?.connections.length === 0);
    // What this process holds now and did not before, apart from the emulator's own side of a
    // connection (it notices a closed connection in its own time): the bot's sockets and timers.
    const port = Number(new URL(emulator.url).port);
    const added = handles().filter((h) => !before.has(h) && !(h instanceof Socket && h.localPort === port));
    assert.deepEqual(added, []);
    const timeouts = (list: string[]) => list.filter((type) => type === 'Timeout').length;
    assert.ok(timeouts(process.getActiveResourcesInfo()) <= timeouts(resourcesBefore));
  });

  test('stop() while connected closes the socket and waits for the handler under way', async () => {
    const { bot } = await start();
    const release = deferred();
    const entered = deferred();
    let replied = false;
    bot.hears('work', async (ctx) => {
      entered.resolve();
      await release.promise;
      await ctx.reply('finished');
      replied = true;
    });
    await bot.start();
    await emulator.chat({ robot: 'bot', text: '@bot work' });
    await entered.promise;
    const stopped = bot.stop();
    await until(() => emulator.apps()[0]?.connections.length === 0);
    release.resolve();
    await stopped;
    assert.equal(replied, true);
    assert.deepEqual(bot.resources, { sockets: 0, timers: 0, handlers: 0 });
  });

  test("stop() during start()'s wait for a retry ends start() and leaves nothing", async () => {
    const botTime = manualTime();
    const { bot, events } = await start({
      timers: botTime.timers,
      fetch: () => Promise.reject(new TypeError('fetch failed')),
    });
    const started = bot.start();
    await until(() => events.some((e) => e.type === 'reconnecting'));
    assert.deepEqual(bot.resources, { sockets: 0, timers: 1, handlers: 0 });
    await bot.stop();
    await started;
    assert.deepEqual(botTime.pending, []);
    assert.deepEqual(bot.resources, { sockets: 0, timers: 0, handlers: 0 });
  });

  test('bad credentials: start() rejects at once with a GatewayError that hides the secret', async () => {
    const { bot } = await start({ clientSecret: 'wrong-secret-value' });
    const error = await bot.start().then(
      () => assert.fail('started'),
      (e: unknown) => e as Error & { status: number; retryable: boolean },
    );
    assert.equal(error.name, 'GatewayError');
    assert.equal(error.status, 401);
    assert.equal(error.retryable, false);
    assert.match(error.message, new RegExp(`clientId "${APP.clientId}"`));
    assert.equal(error.message.includes('wrong-secret-value'), false);
    assert.deepEqual(bot.resources, { sockets: 0, timers: 0, handlers: 0 });
  });
});
