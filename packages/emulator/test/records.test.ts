import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createEmulatorApp, type MessageRecord } from '../src/index.js';
import { fakeClock, send, text } from './helpers.js';

const path = '/robot/send?access_token=tok';
const robots = [
  { token: 'tok', name: 'ops' },
  { token: 'tok2', name: 'dev' },
];

describe('message records', () => {
  test('an accepted message is recorded with id, robot, time, type, payload and bytes', async () => {
    const clock = fakeClock();
    const { app, state } = createEmulatorApp({ robots, now: clock.now });
    const body = text('你好', { msgUuid: 'u-1' });
    await send(app, path, body);
    const [record] = state.messages();
    assert.ok(record);
    assert.equal(record.robot, 'ops');
    assert.equal(record.receivedAt, clock.now());
    assert.equal(record.msgtype, 'text');
    assert.deepEqual(record.payload, body);
    assert.equal(record.bytes, Buffer.byteLength(JSON.stringify(body)));
    assert.equal(typeof record.id, 'number');
  });

  test('ids increase', async () => {
    const { app, state } = createEmulatorApp({ robots });
    for (let i = 0; i < 5; i++) await send(app, path, text(`${i}`));
    const ids = state.messages().map((m) => m.id);
    assert.deepEqual(
      [...ids].sort((a, b) => a - b),
      ids,
    );
    assert.equal(new Set(ids).size, 5);
  });

  test('maxRecords keeps the newest, oldest first', async () => {
    const { app, state } = createEmulatorApp({ robots, maxRecords: 3, rateLimit: false });
    for (let i = 0; i < 7; i++) await send(app, path, text(`m${i}`));
    assert.deepEqual(
      state.messages().map((m) => (m.payload['text'] as { content: string }).content),
      ['m4', 'm5', 'm6'],
    );
    for (let i = 0; i < 5; i++) await send(app, '/robot/send', text('x'));
    assert.equal(state.attempts().length, 3);
  });

  test('a refused attempt is recorded with errcode, errmsg and an explanation sentence', async () => {
    const { app, state } = createEmulatorApp({ robots });
    await send(app, path, { msgtype: 'image', image: {} });
    const [attempt] = state.attempts();
    assert.ok(attempt);
    assert.equal(attempt.robot, 'ops');
    assert.equal(attempt.errcode, 400105);
    assert.equal(attempt.errmsg, '不支持的消息类型');
    assert.equal(attempt.msgtype, 'image');
    assert.deepEqual(attempt.payload, { msgtype: 'image', image: {} });
    assert.match(attempt.explanation, /^[A-Z].*\.$/);
  });

  test('every refusal has its own explanation', async () => {
    const { app, state } = createEmulatorApp({ robots: [...robots, { token: 'off', state: 'disabled' }] });
    await send(app, path, text('x'), { method: 'PUT' });
    await send(app, path, text('x'), { headers: { 'content-type': 'text/plain' } });
    await send(app, '/robot/send', text('x'));
    await send(app, '/robot/send?access_token=nope', text('x'));
    await send(app, '/robot/send?access_token=off', text('x'));
    await send(app, path, '{');
    const explanations = state.attempts().map((a) => a.explanation);
    assert.equal(explanations.length, 6);
    assert.equal(new Set(explanations).size, 6);
  });
});

describe('mentions: DingTalk pings only those also written as @<value> in the text', () => {
  const mentionsFor = async (body: Record<string, unknown>) => {
    const { app, state } = createEmulatorApp({ robots });
    assert.equal((await send(app, path, body)).json.errcode, 0);
    return (state.messages()[0] as MessageRecord).mentions;
  };

  test('atMobiles in the text ping, the others are missing', async () => {
    const mentions = await mentionsFor(
      text('磁盘满了 @13800000001', { at: { atMobiles: ['13800000001', '13800000002'], isAtAll: false } }),
    );
    assert.deepEqual(mentions, {
      mobiles: ['13800000001'],
      userIds: [],
      all: false,
      missing: { mobiles: ['13800000002'], userIds: [] },
    });
  });

  test('atUserIds follow the same rule', async () => {
    const mentions = await mentionsFor(text('hi @user1', { at: { atUserIds: ['user1', 'user2'] } }));
    assert.deepEqual(mentions.userIds, ['user1']);
    assert.deepEqual(mentions.missing.userIds, ['user2']);
  });

  test('a mention counts only when the character after it is not a letter, digit, _ or -', async () => {
    const mentions = await mentionsFor(
      text('@138000000001 @138000000022- @13800000003_x @13800000004. @user1-ops @user2', {
        at: {
          atMobiles: ['13800000000', '13800000002', '13800000003', '13800000004'],
          atUserIds: ['user1', 'user2'],
        },
      }),
    );
    assert.deepEqual(mentions.mobiles, ['13800000004']);
    assert.deepEqual(mentions.missing.mobiles, ['13800000000', '13800000002', '13800000003']);
    assert.deepEqual(mentions.userIds, ['user2']);
    assert.deepEqual(mentions.missing.userIds, ['user1']);
    // The first occurrence may be part of a longer id while a later one stands alone.
    const later = await mentionsFor(
      text('@138000000001 and @13800000000，好', { at: { atMobiles: ['13800000000'] } }),
    );
    assert.deepEqual(later.mobiles, ['13800000000']);
  });

  test('a malformed at is refused (the stricter reading): isAtAll "true", blank or odd ids', async () => {
    const { app, state } = createEmulatorApp({ robots });
    const cases: [unknown, string][] = [
      [{ isAtAll: 'true' }, 'at->isAtAll'],
      [{ isAtAll: 1 }, 'at->isAtAll'],
      [{ atMobiles: '13800000000' }, 'at->atMobiles'],
      [{ atMobiles: ['13800000000', ' '] }, 'at->atMobiles[1]'],
      [{ atUserIds: [''] }, 'at->atUserIds[0]'],
      [{ atUserIds: [true] }, 'at->atUserIds[0]'],
      ['everyone', 'at'],
    ];
    for (const [at, field] of cases) {
      const { json } = await send(app, path, text('everyone', { at }));
      assert.deepEqual(json, { errcode: 400403, errmsg: `miss param : ${field}` }, JSON.stringify(at));
    }
    assert.match(state.attempts().at(-1)?.explanation ?? '', /is malformed: at is an object/);
    // What real clients send and DingTalk takes: null for an empty list (Go), numbers as mobiles.
    const fine = { atMobiles: [13800000001], atUserIds: null, isAtAll: null };
    assert.equal((await send(app, path, text('@13800000001', { at: fine }))).json.errcode, 0);
    assert.deepEqual(state.messages().at(-1)?.mentions.mobiles, ['13800000001']);
    // Only text and markdown read at: on a link it is ignored, malformed or not.
    const link = { msgtype: 'link', link: { title: 't', text: 'x', messageUrl: 'https://a.example' } };
    assert.equal((await send(app, path, { ...link, at: { isAtAll: 'true' } })).json.errcode, 0);
  });

  test('blank required fields are refused like missing ones (the stricter reading)', async () => {
    const { app } = createEmulatorApp({ robots });
    assert.equal((await send(app, path, text(' \n\u3000'))).json.errmsg, 'miss param : text->content');
    const blankTitle = { msgtype: 'markdown', markdown: { title: '\t', text: 'x' } };
    assert.equal((await send(app, path, blankTitle)).json.errmsg, 'miss param : markdown->title');
  });

  test('isAtAll always pings', async () => {
    const mentions = await mentionsFor(text('everyone', { at: { isAtAll: true } }));
    assert.equal(mentions.all, true);
  });

  test('markdown supports at, with @ in the markdown text', async () => {
    const mentions = await mentionsFor({
      msgtype: 'markdown',
      markdown: { title: '@13800000001', text: '### disk\n@13800000002' },
      at: { atMobiles: ['13800000001', '13800000002'] },
    });
    // The title is not the content: only the text counts.
    assert.deepEqual(mentions.mobiles, ['13800000002']);
    assert.deepEqual(mentions.missing.mobiles, ['13800000001']);
  });

  test('link and actionCard do not support at: nobody is pinged, not even isAtAll', async () => {
    const mentions = await mentionsFor({
      msgtype: 'link',
      link: { title: '@13800000001', text: '@13800000001', messageUrl: 'u' },
      at: { atMobiles: ['13800000001'], isAtAll: true },
    });
    assert.deepEqual(mentions.mobiles, []);
    assert.equal(mentions.all, false);
    assert.deepEqual(mentions.missing.mobiles, ['13800000001']);
  });

  test('no at: nobody', async () => {
    const mentions = await mentionsFor(text('@13800000001'));
    assert.deepEqual(mentions, {
      mobiles: [],
      userIds: [],
      all: false,
      missing: { mobiles: [], userIds: [] },
    });
  });
});

describe('msgUuid idempotency', () => {
  test('a resend with the same msgUuid answers ok but is recorded once', async () => {
    const { app, state } = createEmulatorApp({ robots });
    const body = text('deploy done', { msgUuid: 'deploy-42' });
    assert.deepEqual((await send(app, path, body)).json, { errcode: 0, errmsg: 'ok' });
    assert.deepEqual((await send(app, path, body)).json, { errcode: 0, errmsg: 'ok' });
    assert.equal(state.messages().length, 1);
    assert.equal(state.messages()[0]?.payload['msgUuid'], 'deploy-42');
  });

  test('different msgUuids are separate messages', async () => {
    const { app, state } = createEmulatorApp({ robots });
    await send(app, path, text('a', { msgUuid: 'a' }));
    await send(app, path, text('a', { msgUuid: 'b' }));
    assert.equal(state.messages().length, 2);
  });

  test('the same msgUuid on another robot is another message', async () => {
    const { app, state } = createEmulatorApp({ robots });
    await send(app, path, text('a', { msgUuid: 'a' }));
    await send(app, '/robot/send?access_token=tok2', text('a', { msgUuid: 'a' }));
    assert.equal(state.messages().length, 2);
  });

  test('after an hour the same msgUuid posts again', async () => {
    const clock = fakeClock();
    const { app, state } = createEmulatorApp({ robots, now: clock.now });
    await send(app, path, text('a', { msgUuid: 'a' }));
    clock.advance(59 * 60_000);
    await send(app, path, text('a', { msgUuid: 'a' }));
    assert.equal(state.messages().length, 1);
    clock.advance(2 * 60_000);
    await send(app, path, text('a', { msgUuid: 'a' }));
    assert.equal(state.messages().length, 2);
  });

  test('a message refused by the rate limit is not remembered: its resend posts', async () => {
    const clock = fakeClock();
    const { app, state } = createEmulatorApp({
      robots,
      now: clock.now,
      rateLimit: { limit: 1 },
      penaltyMs: 10,
    });
    await send(app, path, text('a'));
    assert.equal((await send(app, path, text('b', { msgUuid: 'b' }))).json.errcode, 130101);
    clock.advance(61_000);
    assert.equal((await send(app, path, text('b', { msgUuid: 'b' }))).json.errcode, 0);
    assert.equal(state.messages().length, 2);
  });
});
