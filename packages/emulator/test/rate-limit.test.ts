import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createEmulatorApp } from '../src/index.js';
import { fakeClock, send, text } from './helpers.js';

const THROTTLED = { errcode: 130101, errmsg: 'send too fast, exceed 20 times per minute' };
const path = '/robot/send?access_token=tok';

function setup(options: { limit?: number; windowMs?: number; penaltyMs?: number } = {}) {
  const clock = fakeClock();
  const { app, state } = createEmulatorApp({
    robots: [
      { token: 'tok', name: 'r' },
      { token: 'other', name: 'o' },
    ],
    rateLimit: { limit: options.limit ?? 20, windowMs: options.windowMs ?? 2000 },
    penaltyMs: options.penaltyMs ?? 3000,
    now: clock.now,
  });
  return { app, state, clock };
}

describe('rate limit (130101)', () => {
  test('20 messages in the window pass, the 21st answers 130101', async () => {
    const { app, state } = setup();
    for (let i = 0; i < 20; i++)
      assert.equal((await send(app, path, text(`m${i}`))).json.errcode, 0, `message ${i}`);
    assert.deepEqual(await send(app, path, text('m20')), { status: 200, json: THROTTLED });
    assert.equal(state.messages().length, 20);
    assert.equal(state.attempts()[0]?.errcode, 130101);
  });

  test('the penalty refuses every send until it ends, even after the window slid', async () => {
    const { app, clock } = setup();
    for (let i = 0; i < 21; i++) await send(app, path, text('x'));
    clock.advance(2500); // window (2 s) is over, penalty (3 s) is not
    assert.deepEqual((await send(app, path, text('x'))).json, THROTTLED);
    clock.advance(400); // 2.9 s after the 21st
    assert.deepEqual((await send(app, path, text('x'))).json, THROTTLED);
    clock.advance(200); // 3.1 s after the 21st
    assert.equal((await send(app, path, text('x'))).json.errcode, 0);
  });

  test('the window slides: a message leaves it windowMs after it was accepted', async () => {
    const { app, clock } = setup({ limit: 3 });
    await send(app, path, text('a')); // t = 0
    clock.advance(1000);
    await send(app, path, text('b')); // t = 1000
    await send(app, path, text('c')); // t = 1000
    clock.advance(1000); // t = 2000: 'a' has left the window
    assert.equal((await send(app, path, text('d'))).json.errcode, 0);
    assert.deepEqual((await send(app, path, text('e'))).json, THROTTLED);
  });

  test('refused sends do not count in the window', async () => {
    const { app, clock, state } = setup({ limit: 2, penaltyMs: 100 });
    await send(app, path, text('a'));
    await send(app, path, text('b'));
    await send(app, path, text('c')); // refused, starts the 100 ms penalty
    for (let i = 0; i < 10; i++) await send(app, path, text('refused')); // all during the penalty
    clock.advance(2000); // window over: only the two accepted ones were in it
    assert.equal((await send(app, path, text('d'))).json.errcode, 0);
    assert.equal((await send(app, path, text('e'))).json.errcode, 0);
    assert.equal(state.messages().length, 4);
  });

  test('a penalty shorter than the window leaves an empty window behind, as the real 10 minutes would', async () => {
    const { app, clock } = setup({ limit: 3, windowMs: 60_000, penaltyMs: 20_000 });
    for (let i = 0; i < 3; i++) await send(app, path, text(`m${i}`));
    assert.deepEqual((await send(app, path, text('over'))).json, THROTTLED); // starts the penalty
    clock.advance(20_001); // penalty over, but the 3 messages are still inside the 60 s window
    for (let i = 0; i < 3; i++) assert.equal((await send(app, path, text(`again${i}`))).json.errcode, 0);
    assert.deepEqual((await send(app, path, text('over again'))).json, THROTTLED);
  });

  test('the limit is per robot', async () => {
    const { app } = setup({ limit: 1 });
    assert.equal((await send(app, path, text('a'))).json.errcode, 0);
    assert.equal((await send(app, path, text('b'))).json.errcode, 130101);
    assert.equal((await send(app, '/robot/send?access_token=other', text('c'))).json.errcode, 0);
  });

  test('the rate check comes last: invalid messages are not counted and answer their own errcode', async () => {
    const { app } = setup({ limit: 1 });
    assert.equal((await send(app, path, { msgtype: 'image' })).json.errcode, 400105);
    assert.equal((await send(app, path, text('a'))).json.errcode, 0);
    assert.equal((await send(app, path, { msgtype: 'image' })).json.errcode, 400105);
  });

  test('throttle() forces a penalty now', async () => {
    const { app, state, clock } = setup();
    state.throttle('r', 1000);
    assert.deepEqual((await send(app, path, text('x'))).json, THROTTLED);
    clock.advance(1001);
    assert.equal((await send(app, path, text('x'))).json.errcode, 0);
  });

  test('rateLimit: false turns it off', async () => {
    const { app } = createEmulatorApp({ robots: [{ token: 'tok' }], rateLimit: false });
    for (let i = 0; i < 100; i++) assert.equal((await send(app, path, text('x'))).json.errcode, 0);
  });

  test('the default is 20 per minute with a 10-minute penalty', async () => {
    const clock = fakeClock();
    const { app } = createEmulatorApp({ robots: [{ token: 'tok' }], now: clock.now });
    for (let i = 0; i < 20; i++) {
      clock.advance(2000); // 20 messages over 40 s
      assert.equal((await send(app, path, text('x'))).json.errcode, 0);
    }
    assert.equal((await send(app, path, text('x'))).json.errcode, 130101);
    clock.advance(9 * 60_000);
    assert.equal((await send(app, path, text('x'))).json.errcode, 130101);
    clock.advance(60_000 + 1);
    assert.equal((await send(app, path, text('x'))).json.errcode, 0);
  });
});
