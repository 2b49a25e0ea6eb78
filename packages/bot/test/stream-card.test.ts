import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { CardRecord, EmulatorHandle } from '@dingbot/emulator';
import { OptionsError } from '@dingbot/sdk';
import { Bot, type BotOptions, type StreamedCard } from '../src/index.js';
import { APP, deliveredPayload, emulatorFor, GROUP, type manualTime, until } from './helpers.js';

describe('ctx.stream(): an LLM answer streamed into an AI card', () => {
  let emulator: EmulatorHandle;
  let time: ReturnType<typeof manualTime>;
  const bots: Bot[] = [];
  const calls: string[] = [];

  const makeBot = (options: Partial<BotOptions> = {}) => {
    const bot = new Bot({
      clientId: APP.clientId,
      clientSecret: APP.clientSecret,
      baseUrl: emulator.url,
      now: time.now,
      timers: time.timers,
      replyOptions: {
        retry: 'none',
        fetch: ((url: string, init: RequestInit) => {
          calls.push(`${init.method} ${new URL(url).pathname}`);
          return globalThis.fetch(url, init);
        }) as never,
      },
      logger: { warn: () => {}, error: () => {} },
      ...options,
    });
    bots.push(bot);
    return bot;
  };
  const delivered = (input: Parameters<EmulatorHandle['chat']>[0]) => deliveredPayload(emulator, input);
  const card = (): CardRecord => {
    const [only] = emulator.cards();
    assert.ok(only, 'no card was created');
    return only;
  };

  beforeEach(async () => {
    ({ emulator, time } = await emulatorFor());
    calls.length = 0;
  });
  afterEach(async () => {
    for (const bot of bots.splice(0)) await bot.stop();
    await emulator.close();
  });

  test('creates and delivers the card, throttles updates (text in between goes in the next), finalises', async () => {
    const bot = makeBot();
    let result: StreamedCard | undefined;
    bot.hears(/^explain/, async (ctx) => {
      result = await ctx.stream(
        (async function* () {
          yield 'Deploys ';
          // The first update goes at once.
          await until(() => card().updateCount === 1);
          yield 'go ';
          yield 'through ';
          // Within 500 ms of it nothing more is sent: the two chunks wait for the next update.
          assert.equal(card().updateCount, 1);
          time.advance(500);
          await until(() => card().updateCount === 2);
          yield 'CI.';
        })(),
      );
    });
    await bot.handle(await delivered({ robot: 'bot', text: '@bot explain deploys' }));

    assert.deepEqual(calls, [
      'POST /v1.0/oauth2/accessToken',
      'POST /v1.0/card/instances/createAndDeliver',
      'PUT /v1.0/card/streaming',
      'PUT /v1.0/card/streaming',
      'PUT /v1.0/card/streaming',
    ]);
    const made = card();
    assert.equal(made.openSpaceId, `dtv1.card//IM_GROUP.${GROUP.id}`);
    assert.equal(made.cardTemplateId, '382e4302-551d-4880-bf29-a30acfab2e71.schema');
    assert.equal(made.callbackType, 'STREAM');
    assert.deepEqual(
      made.updates.map(({ content, isFull, isFinalize, isError, key }) => ({
        content,
        isFull,
        isFinalize,
        isError,
        key,
      })),
      [
        { content: 'Deploys ', isFull: true, isFinalize: false, isError: false, key: 'msgContent' },
        {
          content: 'Deploys go through ',
          isFull: true,
          isFinalize: false,
          isError: false,
          key: 'msgContent',
        },
        {
          content: 'Deploys go through CI.',
          isFull: true,
          isFinalize: true,
          isError: false,
          key: 'msgContent',
        },
      ],
    );
    // Updates that are not final are at least minIntervalMs apart on the bot's clock.
    assert.ok((made.updates[1]?.at ?? 0) - (made.updates[0]?.at ?? 0) >= 500);
    assert.equal(made.status, 'finished');
    assert.equal(made.params['msgContent'], 'Deploys go through CI.');
    assert.deepEqual(result, {
      outTrackId: made.outTrackId,
      text: 'Deploys go through CI.',
      updates: 3,
      skipped: 0,
    });
    // The preview's timeline shows the card's final text.
    const shown = emulator.messages().find((m) => m.via === 'card');
    assert.deepEqual(shown?.payload, {
      msgtype: 'markdown',
      markdown: { title: 'AI card', text: 'Deploys go through CI.' },
    });
    assert.equal(shown?.card?.status, 'finished');
    assert.equal(time.pending.length, 0, 'a throttle timer was left behind');
  });

  test('a burst of chunks costs two updates: the first and the final', async () => {
    const bot = makeBot();
    const chunks = Array.from({ length: 200 }, (_, i) => `w${i} `);
    bot.hears('long', async (ctx) => {
      await ctx.stream(chunks);
    });
    await bot.handle(await delivered({ robot: 'bot', text: 'long', direct: true, sender: 'u2' }));
    const made = card();
    assert.equal(made.openSpaceId, 'dtv1.card//IM_ROBOT.u2');
    assert.deepEqual(made.space, { type: 'IM_ROBOT', userId: 'u2' });
    assert.equal(made.updateCount, 2);
    assert.equal(made.params['msgContent'], chunks.join(''));
  });

  test('minIntervalMs: 0 sends as fast as updates come back; template and key are configurable', async () => {
    const bot = makeBot({ card: { templateId: 'mine.schema', contentKey: 'content', minIntervalMs: 0 } });
    bot.hears('go', async (ctx) => {
      await ctx.stream(
        (async function* () {
          for (const word of ['a', 'b', 'c']) {
            yield word;
            await until(() => card().params['content']?.endsWith(word) === true);
          }
        })(),
      );
    });
    await bot.handle(await delivered({ robot: 'bot', text: 'go' }));
    const made = card();
    assert.equal(made.cardTemplateId, 'mine.schema');
    assert.deepEqual(
      made.updates.map((u) => u.content),
      ['a', 'ab', 'abc', 'abc'],
    );
  });

  test('a source that throws finalises the card with isError and rejects', async () => {
    const bot = makeBot();
    const errors: unknown[] = [];
    bot.hears('fail', async (ctx) => {
      await ctx.stream(
        (async function* () {
          yield 'thinking';
          throw new Error('the model went away');
        })(),
      );
    });
    bot.catch((error) => {
      errors.push(error);
    });
    await bot.handle(await delivered({ robot: 'bot', text: 'fail' }));
    assert.equal((errors[0] as Error).message, 'the model went away');
    const made = card();
    assert.equal(made.status, 'failed');
    assert.equal(made.updates.at(-1)?.isError, true);
    assert.equal(made.params['msgContent'], 'thinking');
  });

  test('bad card options name the option', () => {
    assert.throws(
      () => makeBot({ card: { minInterval: 5 } as never }),
      (error: unknown) => error instanceof OptionsError && /minIntervalMs/.test(error.message),
    );
    assert.throws(
      () => makeBot({ card: { contentKey: '' } }),
      (error: unknown) => error instanceof OptionsError && error.option === 'card.contentKey',
    );
  });
});
