import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { OptionsError } from '@dingbot/sdk';
import fc from 'fast-check';
import { Bot, type BotOptions, type Context, MemoryDedupeStore, parseIncoming } from '../src/index.js';

const SECRET = 'app-secret-that-must-not-show';
const base = {
  conversationId: 'cidG',
  conversationType: '2',
  conversationTitle: 'Ops',
  senderId: '$:LWCP_v1:$abc',
  senderNick: 'Li Lei',
  senderStaffId: 'u1',
  isAdmin: false,
  isInAtList: true,
  createAt: 1_700_000_000_000,
  sessionWebhook: 'http://127.0.0.1:9/robot/sendBySession?session=s',
  sessionWebhookExpiredTime: 1_700_005_400_000,
};
let n = 0;
const message = (fields: Record<string, unknown>) => ({ ...base, msgId: `msg${n++}`, ...fields });
const textMessage = (content: string, fields: Record<string, unknown> = {}) =>
  message({ msgtype: 'text', text: { content }, ...fields });

function quietBot(options: Partial<BotOptions> = {}) {
  const logged: string[] = [];
  const bot = new Bot({
    clientId: 'dingk',
    clientSecret: SECRET,
    logger: { warn: (line) => logged.push(line), error: (line) => logged.push(line) },
    ...options,
  });
  return { bot, logged };
}

function refused(options: unknown): OptionsError {
  try {
    new Bot(options as BotOptions);
  } catch (error) {
    assert.ok(error instanceof OptionsError, String(error));
    assert.equal(JSON.stringify(error).includes(SECRET) || error.message.includes(SECRET), false);
    return error;
  }
  assert.fail('did not throw');
}

describe('new Bot() checks its options', () => {
  test('an unknown option gets the one meant', () => {
    const typo = refused({ clientId: 'k', clientSecret: SECRET, clientSecert: SECRET });
    assert.equal(typo.option, 'clientSecert');
    assert.match(typo.message, /Did you mean `clientSecret`\?/);
    assert.match(refused({ clientId: 'k', clientSecret: SECRET, appKey: 'k' }).message, /`clientId`/);
    assert.match(
      refused({ clientId: 'k', clientSecret: SECRET, reconnect: { delay: 5 } }).message,
      /minDelayMs/,
    );
  });

  test('missing credentials, bad URLs and numbers name the option', () => {
    assert.equal(refused({ clientSecret: SECRET }).option, 'clientId');
    assert.match(refused({ clientId: 'k' }).message, /AppSecret/);
    assert.equal(refused({ clientId: 'k', clientSecret: SECRET, baseUrl: 'nope' }).option, 'baseUrl');
    assert.equal(refused({ clientId: 'k', clientSecret: SECRET, dedupeTtlMs: -1 }).option, 'dedupeTtlMs');
    assert.equal(
      refused({ clientId: 'k', clientSecret: SECRET, reconnect: { minDelayMs: 10, maxDelayMs: 5 } }).option,
      'reconnect.maxDelayMs',
    );
    assert.equal(refused(undefined).option, 'options');
  });

  test('routes refuse what cannot work', () => {
    const { bot } = quietBot();
    assert.throws(() => bot.command('two words', () => {}), /letters, digits/);
    assert.throws(() => bot.hears('', () => {}), /RegExp/);
    assert.throws(() => bot.on('txt' as 'text', () => {}), /'message' or a msgtype/);
  });
});

describe('routing (bot.handle, no receiver)', () => {
  test('middleware runs in order, koa-style; a route stops the chain unless it calls next()', async () => {
    const { bot } = quietBot();
    const trail: string[] = [];
    bot.use(async (ctx, next) => {
      trail.push(`in:${ctx.text}`);
      await next();
      trail.push('out');
    });
    bot.command('deploy', (ctx, next) => {
      trail.push(`deploy:${ctx.args}`);
      return ctx.args === 'pass' ? next() : undefined;
    });
    bot.hears(/deploy (.+)$/, (ctx) => {
      trail.push(`hears:${ctx.match[1]}`);
    });
    await bot.handle(textMessage(' deploy api  2 '));
    await bot.handle(textMessage(' /deploy pass'));
    assert.deepEqual(trail, [
      'in:deploy api  2',
      'deploy:api  2',
      'out',
      'in:/deploy pass',
      'deploy:pass',
      'hears:pass',
      'out',
    ]);
  });

  test('a command needs the whole word: "deployment" is not "deploy"', async () => {
    const { bot } = quietBot();
    const seen: string[] = [];
    bot.command('/deploy', (ctx) => {
      seen.push(ctx.command ?? '');
    });
    await bot.handle(textMessage('deployment'));
    await bot.handle(textMessage('Deploy'));
    assert.deepEqual(seen, ['deploy']);
  });

  test('errors go to bot.catch with the context; without it they are logged', async () => {
    const { bot, logged } = quietBot();
    bot.hears('boom', () => {
      throw new Error('boom');
    });
    await bot.handle(textMessage('boom'));
    assert.match(logged[0] ?? '', /a handler failed/);
    const caught: [unknown, Context][] = [];
    bot.catch((error, ctx) => {
      caught.push([error, ctx]);
    });
    await bot.handle(textMessage('boom'));
    assert.equal(String(caught[0]?.[0]), 'Error: boom');
    assert.equal(caught[0]?.[1].text, 'boom');
  });

  test('next() twice in one middleware is an error', async () => {
    const { bot } = quietBot();
    const caught: unknown[] = [];
    bot.use(async (_ctx, next) => {
      await next();
      await next();
    });
    bot.catch((error) => {
      caught.push(error);
    });
    await bot.handle(textMessage('x'));
    assert.match(String(caught[0]), /more than once/);
  });

  test('the same msgId is handled once', async () => {
    const { bot } = quietBot();
    let calls = 0;
    bot.use(() => {
      calls++;
    });
    const once = textMessage('hi');
    await bot.handle(once);
    await bot.handle({ ...once });
    assert.equal(calls, 1);
  });

  test('every documented msgtype is typed; bot.on(msgtype) narrows; ctx.text reads the words', async () => {
    const { bot } = quietBot();
    const seen: string[] = [];
    bot.on('audio', (ctx, next) => {
      seen.push(`audio:${ctx.message.content.recognition}`);
      return next();
    });
    bot.on('picture', (ctx) => {
      seen.push(`picture:${ctx.message.content.downloadCode}`);
    });
    bot.on('message', (ctx) => {
      seen.push(`${ctx.message.msgtype}:${ctx.text}`);
    });
    await bot.handle(
      message({ msgtype: 'audio', content: { downloadCode: 'd1', recognition: ' deploy api ' } }),
    );
    await bot.handle(
      message({ msgtype: 'picture', content: { downloadCode: 'd2', pictureDownloadCode: 'p2' } }),
    );
    await bot.handle(
      message({
        msgtype: 'richText',
        content: { richText: [{ text: 'look ' }, { type: 'picture', downloadCode: 'd3' }, { text: 'here' }] },
      }),
    );
    await bot.handle(
      message({ msgtype: 'video', content: { downloadCode: 'd4', duration: '5', videoType: 'mp4' } }),
    );
    await bot.handle(message({ msgtype: 'file', content: { downloadCode: 'd5', fileName: 'a.zip' } }));
    await bot.handle(message({ msgtype: 'unknownMsgType', content: { unknownMsgType: '暂不支持' } }));
    await bot.handle(message({ msgtype: 'hologram', content: {} }));
    assert.deepEqual(seen, [
      'audio: deploy api ',
      'audio:deploy api',
      'picture:d2',
      'richText:look here',
      'video:',
      'file:',
      'unknownMsgType:',
      'unknownMsgType:',
    ]);
  });

  test('a 1:1 chat: direct conversation, no title, not a mention', async () => {
    const { bot } = quietBot();
    let got: Context | undefined;
    bot.use((ctx) => {
      got = ctx;
    });
    await bot.handle(textMessage('hi', { conversationType: '1', isInAtList: undefined, isAdmin: undefined }));
    assert.deepEqual(got?.conversation, { type: 'direct', id: 'cidG', title: undefined });
    assert.equal(got?.isMention, false);
    assert.equal(got?.sender.isAdmin, false);
  });

  test('a malformed payload is logged and skipped, naming the field', async () => {
    const { bot, logged } = quietBot();
    let calls = 0;
    bot.use(() => {
      calls++;
    });
    await bot.handle({ ...textMessage('x'), sessionWebhook: undefined });
    await bot.handle({ ...textMessage('x'), conversationType: 2 });
    await bot.handle('not an object');
    assert.equal(calls, 0);
    assert.match(logged[0] ?? '', /sessionWebhook is missing/);
    assert.match(logged[1] ?? '', /conversationType/);
    assert.throws(() => parseIncoming(message({ msgtype: 'text' })), /text\.content/);
  });
});

test('a failing dedupe store is logged and the message handled anyway', async () => {
  const { bot, logged } = quietBot({
    dedupe: {
      claim: () => Promise.reject(new Error('redis is down')),
    },
  });
  let calls = 0;
  bot.use(() => {
    calls++;
  });
  await bot.handle(textMessage('hi'));
  assert.equal(calls, 1);
  assert.match(logged[0] ?? '', /dedupe store failed/);
});

describe('MemoryDedupeStore', () => {
  test('a key is claimed once within its TTL, again after it (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 50 })), {
          maxLength: 60,
        }),
        (steps) => {
          let now = 0;
          const store = new MemoryDedupeStore({ now: () => now });
          const model = new Map<number, number>();
          for (const [key, wait] of steps) {
            now += wait;
            const expected = !((model.get(key) ?? -1) > now);
            assert.equal(store.claim(String(key), 100), expected);
            if (expected) model.set(key, now + 100);
          }
        },
      ),
    );
  });

  test('it keeps at most maxKeys, forgetting the oldest', () => {
    const store = new MemoryDedupeStore({ maxKeys: 3, now: () => 0 });
    for (const key of ['a', 'b', 'c', 'd']) assert.equal(store.claim(key, 1000), true);
    assert.equal(store.size, 3);
    assert.equal(store.claim('a', 1000), true, 'a was forgotten');
    assert.equal(store.claim('d', 1000), false);
  });
});
