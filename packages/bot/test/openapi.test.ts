import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { EmulatorHandle } from '@dingbot/emulator';
import {
  actionCard,
  feedCard,
  isDingbotError,
  link,
  MemoryStore,
  markdown,
  OptionsError,
  text,
  ValidationError,
} from '@dingbot/sdk';
import fc from 'fast-check';
import { Bot, type BotOptions, OpenApiError, type ReplyResult, toOpenApiMessage } from '../src/index.js';
import { APP, deferred, deliveredPayload, emulatorFor, GROUP, type manualTime } from './helpers.js';

/** A fetch that counts the access-token requests going through it. */
function countingFetch() {
  const counts = { token: 0, calls: [] as string[] };
  const fetch = (url: string, init: RequestInit) => {
    const path = new URL(url).pathname;
    counts.calls.push(`${init.method} ${path}`);
    if (path === '/v1.0/oauth2/accessToken') counts.token++;
    return globalThis.fetch(url, init);
  };
  return { fetch, counts };
}

describe('the OpenAPI: access token, bot.send(), ctx.reply() fallback', () => {
  let emulator: EmulatorHandle;
  let time: ReturnType<typeof manualTime>;
  let counts: ReturnType<typeof countingFetch>['counts'];
  const bots: Bot[] = [];

  const makeBot = (options: Partial<BotOptions> = {}) => {
    const counting = countingFetch();
    counts = counting.counts;
    const bot = new Bot({
      clientId: APP.clientId,
      clientSecret: APP.clientSecret,
      baseUrl: emulator.url,
      now: time.now,
      replyOptions: { retry: 'none', rateLimit: false, fetch: counting.fetch as never },
      logger: { warn: () => {}, error: () => {} },
      ...options,
    });
    bots.push(bot);
    return bot;
  };
  const delivered = (input: Parameters<EmulatorHandle['chat']>[0]) => deliveredPayload(emulator, input);
  const openApiSends = () =>
    emulator.messages().filter((m) => m.via === 'groupMessages/send' || m.via === 'oToMessages/batchSend');

  beforeEach(async () => {
    ({ emulator, time } = await emulatorFor());
  });
  afterEach(async () => {
    for (const bot of bots.splice(0)) await bot.stop();
    await emulator.close();
  });

  test('bot.send() posts to a group and to people 1:1, with msgKey/msgParam from SDK messages', async () => {
    const bot = makeBot();
    await bot.send({ conversationId: GROUP.id }, 'deploy of api finished');
    await bot.send({ userIds: ['u1', 'u2'] }, markdown('On call', '### You are on call'));
    const [group, direct] = openApiSends();
    assert.equal(group?.via, 'groupMessages/send');
    assert.equal(group?.conversationId, GROUP.id);
    assert.deepEqual(group?.openApi, {
      msgKey: 'sampleText',
      msgParam: { content: 'deploy of api finished' },
    });
    assert.equal(direct?.via, 'oToMessages/batchSend');
    assert.deepEqual(direct?.userIds, ['u1', 'u2']);
    assert.deepEqual(direct?.openApi, {
      msgKey: 'sampleMarkdown',
      msgParam: { title: 'On call', text: '### You are on call' },
    });
    // One token for both sends.
    assert.equal(counts.token, 1);
  });

  test('every SDK message the OpenAPI can carry maps to a template the emulator accepts', async () => {
    const bot = makeBot();
    const url = 'https://example.com/x';
    const messages = [
      link({ title: 'Runbook', text: 'How to deploy', url, picUrl: 'https://example.com/p.png' }),
      actionCard({ title: 'Deploy', text: 'api 1.4.2', button: { title: 'Open', url } }),
      actionCard({
        title: 'Deploy',
        text: 'api',
        buttons: [
          { title: 'Yes', url },
          { title: 'No', url },
        ],
        orientation: 'horizontal',
      }),
      actionCard({
        title: 'Pick',
        text: 'which',
        buttons: [1, 2, 3].map((n) => ({ title: `#${n}`, url: `${url}${n}` })),
      }),
    ];
    for (const message of messages) await bot.send({ conversationId: GROUP.id }, message);
    assert.deepEqual(
      openApiSends().map((m) => m.openApi?.msgKey),
      ['sampleLink', 'sampleActionCard', 'sampleActionCard6', 'sampleActionCard3'],
    );
    assert.deepEqual(openApiSends()[3]?.openApi?.msgParam, {
      title: 'Pick',
      text: 'which',
      actionTitle1: '#1',
      actionURL1: `${url}1`,
      actionTitle2: '#2',
      actionURL2: `${url}2`,
      actionTitle3: '#3',
      actionURL3: `${url}3`,
    });
    assert.equal(emulator.attempts().length, 0);
  });

  test('toOpenApiMessage keeps every field of text and markdown (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (title, body) => {
        fc.pre(title.trim() !== '' && body.trim() !== '');
        assert.deepEqual(toOpenApiMessage(text(body)), { msgKey: 'sampleText', msgParam: { content: body } });
        assert.deepEqual(toOpenApiMessage(markdown(title, body)), {
          msgKey: 'sampleMarkdown',
          msgParam: { title, text: body },
        });
      }),
    );
  });

  test('bot.send() refuses bad targets and messages the OpenAPI cannot carry, naming the field', async () => {
    const bot = makeBot();
    const refused = async (promise: Promise<unknown>) => {
      try {
        await promise;
      } catch (error) {
        return error as Error;
      }
      assert.fail('did not reject');
    };
    const noId = await refused(bot.send({ conversationId: '' }, 'hi'));
    assert.ok(noId instanceof OptionsError);
    assert.equal(noId.option, 'target.conversationId');
    const many = await refused(bot.send({ userIds: Array.from({ length: 21 }, (_, i) => `u${i}`) }, 'hi'));
    assert.equal((many as OptionsError).option, 'target.userIds');
    const typo = await refused(bot.send({ conversationID: 'cid' } as never, 'hi'));
    assert.equal((typo as OptionsError).option, 'target.conversationID');
    const feed = await refused(
      bot.send(
        { conversationId: GROUP.id },
        feedCard([{ title: 'a', url: 'https://e.com', picUrl: 'https://e.com/p.png' }]),
      ),
    );
    assert.ok(feed instanceof ValidationError);
    assert.equal(feed.field, 'msgtype');
    assert.equal(openApiSends().length, 0);
  });

  test('a long answer is split to fit msgParam (15000 bytes) and every part lands', async () => {
    const bot = makeBot();
    const paragraph = `${'日志'.repeat(500)}\n\n`; // 3002 bytes
    const result = await bot.send({ conversationId: GROUP.id }, markdown('Logs', paragraph.repeat(12)));
    assert.equal(result.delivered, 'split');
    const sent = openApiSends();
    assert.ok(sent.length >= 3, `${sent.length} parts`);
    for (const message of sent) {
      assert.ok(Buffer.byteLength(JSON.stringify(message.openApi?.msgParam)) <= 15_000);
    }
  });

  test('the access token is fetched once for concurrent sends and refreshed before it expires', async () => {
    const bot = makeBot();
    await Promise.all(Array.from({ length: 5 }, (_, i) => bot.send({ conversationId: GROUP.id }, `n${i}`)));
    assert.equal(counts.token, 1);
    // DingTalk says expireIn 7200 s; an hour later the same token is used.
    time.advance(60 * 60_000);
    await bot.send({ conversationId: GROUP.id }, 'later');
    assert.equal(counts.token, 1);
    // Within five minutes of expiry a fresh one is fetched first (the old one still works, so the
    // emulator would accept either: the count shows it).
    time.advance(56 * 60_000);
    await bot.send({ conversationId: GROUP.id }, 'near expiry');
    assert.equal(counts.token, 2);
    assert.equal(openApiSends().length, 7);
    assert.equal(emulator.attempts().length, 0);
  });

  test('a token DingTalk refuses is replaced once, and the send lands', async () => {
    const bot = makeBot();
    await bot.send({ conversationId: GROUP.id }, 'first');
    await emulator.chaos('bot', { action: 'expireAccessToken' });
    await bot.send({ conversationId: GROUP.id }, 'after the token expired');
    assert.equal(counts.token, 2);
    assert.deepEqual(
      counts.calls.filter((call) => call.endsWith('groupMessages/send')).length,
      3, // first, refused, sent again with the new token
    );
    assert.equal(openApiSends().length, 2);
  });

  test('a throttled robot (send.too.fast) is the SDK RATE_LIMITED error, which the delivery engine handles', async () => {
    // Its own limiter store: the penalty it records must not pause the other tests' robots.
    const bot = makeBot({
      replyOptions: { retry: 'none', rateLimit: false, penalty: 'fail', store: new MemoryStore() },
    });
    await emulator.chaos('bot', { action: 'throttleOpenApi' });
    try {
      await bot.send({ conversationId: GROUP.id }, 'hi');
      assert.fail('did not reject');
    } catch (error) {
      assert.ok(error instanceof OpenApiError, String(error));
      assert.equal(error.code, 'RATE_LIMITED');
      assert.equal(error.apiCode, 'send.too.fast');
      assert.equal(error.retryable, true);
    }
  });

  test('wrong credentials: a typed error that never shows the secret', async () => {
    const secret = 'the-wrong-secret-must-not-leak';
    const bot = makeBot({ clientSecret: secret });
    try {
      await bot.send({ conversationId: GROUP.id }, 'hi');
      assert.fail('did not reject');
    } catch (error) {
      assert.ok(error instanceof OpenApiError, String(error));
      assert.equal(error.code, 'UNKNOWN_TOKEN');
      assert.equal(error.apiCode, 'invalidClientIdOrSecret');
      assert.match(error.hint, /clientSecret/);
      for (const shown of [error.message, JSON.stringify(error), String(error.stack)]) {
        assert.equal(shown.includes(secret), false);
      }
    }
  });

  test('ctx.reply() after the sessionWebhook expired lands through groupMessages/send', async () => {
    // The handler takes two hours (on the bot's clock): the session (90 min) has expired by its reply.
    let later = 0;
    const bot = makeBot({ now: () => time.now() + later });
    const results: ReplyResult[] = [];
    bot.hears('status', async (ctx) => {
      later = 2 * 60 * 60_000;
      results.push(await ctx.reply('all green'));
    });
    await bot.handle(await delivered({ robot: 'bot', text: '@bot status', sender: 'u2' }));
    assert.equal(results[0]?.via, 'openApi');
    const [sent] = openApiSends();
    assert.equal(sent?.conversationId, GROUP.id);
    // The @-mention stays in the text; a template cannot ping.
    assert.deepEqual(sent?.openApi, { msgKey: 'sampleText', msgParam: { content: '@u2 all green' } });
    // The expired sessionWebhook was not even tried.
    assert.equal(emulator.attempts().length, 0);
  });

  test('ctx.reply() falls back when DingTalk refuses the sessionWebhook (300001), 1:1 through batchSend', async () => {
    const bot = makeBot();
    const gate = deferred();
    const results: ReplyResult[] = [];
    bot.hears('status', async (ctx) => {
      await gate.promise;
      results.push(await ctx.reply('all green'));
    });
    const handled = bot.handle(await delivered({ robot: 'bot', text: 'status', direct: true, sender: 'u1' }));
    await emulator.chaos('bot', { action: 'expireSessions' });
    gate.resolve();
    await handled;
    assert.equal(results[0]?.via, 'openApi');
    assert.equal(emulator.attempts()[0]?.errcode, 300001);
    const [sent] = openApiSends();
    assert.equal(sent?.via, 'oToMessages/batchSend');
    assert.deepEqual(sent?.userIds, ['u1']);
  });

  test('ctx.reply() uses the sessionWebhook while it is valid', async () => {
    const bot = makeBot();
    const results: ReplyResult[] = [];
    bot.hears('status', async (ctx) => {
      results.push(await ctx.reply('all green'));
    });
    await bot.handle(await delivered({ robot: 'bot', text: '@bot status' }));
    assert.equal(results[0]?.via, 'sessionWebhook');
    assert.equal(openApiSends().length, 0);
    assert.equal(counts.token, 0);
  });

  test('a refusal that is not about the session is not sent again elsewhere', async () => {
    const bot = makeBot();
    const errors: unknown[] = [];
    bot.hears('status', (ctx) => ctx.reply({ msgtype: 'text', text: { content: '' } } as never));
    bot.catch((error) => {
      errors.push(error);
    });
    await bot.handle(await delivered({ robot: 'bot', text: '@bot status' }));
    assert.ok(isDingbotError(errors[0]));
    assert.equal((errors[0] as ValidationError).code, 'VALIDATION');
    assert.equal(openApiSends().length, 0);
  });
});
