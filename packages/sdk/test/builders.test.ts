// Builders check their input at run time, in the user's words: plain JavaScript callers get a
// ValidationError naming the field they wrote and the one meant, never a mention silently dropped.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  actionCard,
  feedCard,
  link,
  MemoryStore,
  markdown,
  Robot,
  text,
  ValidationError,
  validateMessage,
} from '../src/index.js';
import { startServer, type TestServer } from './helpers/server.js';

/** Runs `build` and returns the ValidationError it threw. */
function refused(build: () => unknown): ValidationError {
  try {
    build();
  } catch (error) {
    assert.ok(error instanceof ValidationError, String(error));
    assert.equal(error.summary.subject, error.field);
    return error;
  }
  assert.fail('did not throw');
}

// Inputs a plain JavaScript caller may write; the casts stand for the missing compiler.
const js = <T>(value: unknown) => value as T;

describe('mentions in the user`s words', () => {
  test('`at` as a list, DingTalk`s names at the top or inside `at`', () => {
    const list = refused(() => text('hi', js({ at: ['13800000000'] })));
    assert.equal(list.field, 'at');
    assert.match(list.message, /^Invalid text\(\): at is a list\. /);
    assert.match(list.hint, /at: \{ mobiles: \['13800000000'\] \}/);

    const top = refused(() => text('hi', js({ atMobiles: ['13800000000'] })));
    assert.equal(top.field, 'atMobiles');
    assert.equal(top.hint, 'Did you mean `at.mobiles`?');

    const inside = refused(() => text('hi', js({ at: { atMobiles: ['13800000000'] } })));
    assert.equal(inside.field, 'at.atMobiles');
    assert.equal(inside.hint, 'Did you mean `at.mobiles`?');

    assert.equal(
      refused(() => markdown('t', 'b', js({ at: { isAtAll: true } }))).hint,
      'Did you mean `at.all`?',
    );
    assert.equal(
      refused(() => text('hi', js({ at: { userid: ['u1'] } }))).hint,
      'Did you mean `at.userIds`?',
    );
    assert.equal(refused(() => text('hi', js({ at: { mobile: ['1'] } }))).hint, 'Did you mean `at.mobiles`?');
  });

  test('wrong types of mentions', () => {
    assert.equal(refused(() => text('hi', js({ at: { mobiles: '13800000000' } }))).field, 'at.mobiles');
    const number = refused(() => text('hi', js({ at: { mobiles: [13800000000] } })));
    assert.equal(number.field, 'at.mobiles[0]');
    assert.match(number.hint, /as a string/);
    assert.equal(refused(() => text('hi', js({ at: { all: 'true' } }))).field, 'at.all');
    assert.equal(refused(() => text('hi', js('@all'))).field, 'options');
  });

  test('DingTalk`s own JSON given to send() keeps working; a friendly name there is refused', () => {
    validateMessage({
      msgtype: 'text',
      text: { content: 'hi' },
      at: { atMobiles: ['13800000000'], isAtAll: false },
    });
    const error = refused(() =>
      validateMessage({ msgtype: 'text', text: { content: 'hi' }, at: { mobiles: ['13800000000'] } }),
    );
    assert.equal(error.field, 'at.mobiles');
    assert.equal(error.hint, 'Did you mean `at.atMobiles`?');
  });
});

describe('errors name the builder`s fields, not DingTalk`s', () => {
  test('link({ messageUrl }) says `url` is missing... or meant', () => {
    const error = refused(() => link(js({ title: 't', text: 'x', messageUrl: 'https://e.x' })));
    assert.equal(error.field, 'messageUrl');
    assert.equal(error.hint, 'Did you mean `url`?');
    const missing = refused(() => link(js({ title: 't', text: 'x' })));
    assert.equal(missing.field, 'url');
    assert.match(missing.message, /^Invalid link\(\): url is missing/);
    assert.equal(refused(() => link({ title: 't', text: 'x', url: 'ftp://e.x' })).field, 'url');
    assert.equal(
      refused(() => link({ title: 't', text: 'x', url: 'https://e.x', picUrl: 'dingtalk://x' })).field,
      'picUrl',
    );
  });

  test('a feed item without a picture says `picUrl`', () => {
    const error = refused(() => feedCard(js([{ title: 'a', url: 'https://e.x' }])));
    assert.equal(error.field, 'items[0].picUrl');
    assert.match(error.message, /Invalid feedCard\(\): items\[0\]\.picUrl is missing/);
    assert.equal(
      refused(() => feedCard(js([{ title: 'a', url: 'https://e.x', picURL: 'https://e.x/p.png' }]))).hint,
      'Did you mean `items[0].picUrl`?',
    );
    assert.equal(refused(() => feedCard([])).field, 'items');
    assert.equal(refused(() => feedCard(js({ title: 'a' }))).field, 'items');
  });

  test('action cards: button or buttons, in their own words', () => {
    const base = { title: 'Approve?', text: 'Deploy 1.4' };
    assert.equal(refused(() => actionCard(js(base))).field, 'buttons');
    assert.equal(refused(() => actionCard(js({ ...base, btns: [] }))).hint, 'Did you mean `buttons`?');
    const url = refused(() =>
      actionCard(js({ ...base, buttons: [{ title: 'a', actionURL: 'https://e.x' }] })),
    );
    assert.equal(url.field, 'buttons[0].actionURL');
    assert.equal(url.hint, 'Did you mean `buttons[0].url`?');
    assert.equal(refused(() => actionCard(js({ ...base, button: { title: 'a' } }))).field, 'button.url');
    assert.equal(
      refused(() => actionCard(js({ ...base, orientation: '1', button: { title: 'a', url: 'https://e.x' } })))
        .field,
      'orientation',
    );
    assert.equal(
      refused(() => actionCard(js({ ...base, button: { title: 'a', url: 'https://e.x' }, buttons: [] })))
        .field,
      'button',
    );
  });

  test('a whole message given to a builder says so and points at send()', () => {
    const error = refused(() => text(js(markdown('Deploy', '### done'))));
    assert.equal(error.field, 'content');
    assert.match(error.message, /is a whole markdown message/);
    assert.match(error.hint, /robot\.send\(message\)/);
    assert.match(refused(() => link(js(text('hi')))).hint, /robot\.send\(message\)/);
  });

  test('valid input builds DingTalk`s JSON as before', () => {
    assert.deepEqual(text('hi', { at: { mobiles: ['1'], userIds: ['u'], all: true } }), {
      msgtype: 'text',
      text: { content: 'hi' },
      at: { atMobiles: ['1'], atUserIds: ['u'], isAtAll: true },
    });
    assert.deepEqual(link({ title: 't', text: 'x', url: 'https://e.x', picUrl: 'https://e.x/p.png' }).link, {
      title: 't',
      text: 'x',
      messageUrl: 'https://e.x',
      picUrl: 'https://e.x/p.png',
    });
    assert.deepEqual(text('hi', { at: undefined }), { msgtype: 'text', text: { content: 'hi' } });
  });
});

describe('through a robot', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  test('robot.text() with a wrong `at` rejects before anything is sent', async () => {
    const robot = new Robot({ webhook: server.webhook('builders'), store: new MemoryStore() });
    await assert.rejects(robot.text('hi', js({ at: ['13800000000'] })), (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.equal(error.field, 'at');
      return true;
    });
    await assert.rejects(robot.text(js(markdown('Deploy', 'done'))), /robot\.send\(message\)/);
    await assert.rejects(robot.feedCard(js([{ title: 'a', url: 'https://e.x' }])), /items\[0\]\.picUrl/);
    await robot.close();
    assert.equal(server.requests.length, 0);
  });
});
