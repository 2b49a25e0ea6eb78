import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startEmulator } from '@dingbot/emulator';
import { broadcast, link, Robot, RobotPool, text } from '../src/index.js';

type Emulator = Awaited<ReturnType<typeof startEmulator>>;
let emulator: Emulator;
const TOKENS = ['pool-a', 'pool-b', 'pool-c', 'fail-a', 'fail-b', 'thr-a', 'thr-b', 'cast-a', 'cast-b'];

before(async () => {
  emulator = await startEmulator({
    port: 0,
    rateLimit: { limit: 20, windowMs: 2000 },
    penaltyMs: 5000,
    robots: TOKENS.map((token) => ({ token, name: token })),
  });
});
after(() => emulator.close());

const robot = (token: string, extra: Partial<ConstructorParameters<typeof Robot>[0]> = {}) =>
  new Robot({
    accessToken: token,
    baseUrl: emulator.url,
    retry: 'none',
    rateLimit: { limit: 20, windowMs: 2000 },
    ...extra,
  });

describe('RobotPool', () => {
  it('round-robin spreads sends evenly over the robots', async () => {
    const pool = new RobotPool(
      ['pool-a', 'pool-b', 'pool-c'].map((t) => robot(t, { digest: false })),
      { strategy: 'round-robin' },
    );
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => pool.send(text(`rr ${i}`))));
    assert.deepEqual(
      ['pool-a', 'pool-b', 'pool-c'].map((t) => emulator.messages({ robot: t }).length),
      [10, 10, 10],
    );
    assert.deepEqual(
      results.slice(0, 4).map((r) => r.robot),
      [0, 1, 2, 0],
    );
    await pool.close();
  });

  it('fails over from a disabled robot, and refuses a bad message without trying others', async () => {
    emulator.setRobotState('fail-a', 'disabled');
    const pool = new RobotPool([robot('fail-a'), robot('fail-b')], { strategy: 'round-robin' });
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => pool.send(text(`fo ${i}`))));
    assert.ok(results.every((r) => r.robot === 1));
    assert.equal(emulator.messages({ robot: 'fail-b' }).length, 5);
    assert.equal(
      emulator.attempts({ robot: 'fail-a' }).length,
      1,
      'the disabled robot is left out after its failure',
    );
    await assert.rejects(pool.send(link({ title: 't', text: 'x'.repeat(25_000), url: 'https://e.x' })), {
      code: 'MESSAGE_TOO_LONG',
    });
    await pool.close();
  });

  it('moves a throttled robot’s queue to the others instead of waiting out the penalty', async () => {
    // A penalty of an hour: everything arriving at all shows nothing waited for it.
    emulator.throttle('thr-a', 3_600_000);
    const a = robot('thr-a', { penaltyMs: 3_600_000, digest: false });
    const pool = new RobotPool([a, robot('thr-b', { digest: false })], { strategy: 'round-robin' });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => pool.send(text(`thr ${i}`))));
    assert.equal(results.length, 10);
    assert.equal(emulator.messages({ robot: 'thr-b' }).length, 10);
    assert.equal(a.stats().queued, 0);
    a.abort();
    await pool.close();
  });
});

describe('broadcast', () => {
  it('sends one message to every group and reports each outcome', async () => {
    const outcomes = await broadcast([robot('cast-a'), robot('cast-b')], text('maintenance at 22:00'));
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['fulfilled', 'fulfilled'],
    );
    assert.equal(emulator.messages({ robot: 'cast-a' }).length, 1);
    assert.equal(emulator.messages({ robot: 'cast-b' }).length, 1);
  });
});
