// Every robot of a pool throttled at once: nothing is lost, the messages wait out the penalty
// and are delivered when DingTalk lets the robots post again.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type EmulatorHandle, startEmulator } from '@dingbot/emulator';
import { Robot, RobotPool, text } from '../src/index.js';

let emulator: EmulatorHandle;
before(async () => {
  emulator = await startEmulator({
    rateLimit: { limit: 20, windowMs: 1000 },
    penaltyMs: 800,
    robots: [{ token: 'all-a' }, { token: 'all-b' }],
  });
});
after(() => emulator.close());

test('a pool whose robots are all throttled delivers everything after the penalty', async () => {
  const robots = ['all-a', 'all-b'].map(
    (token) =>
      new Robot({
        accessToken: token,
        baseUrl: emulator.url,
        retry: 'none',
        rateLimit: { limit: 20, windowMs: 1000 },
        penaltyMs: 800,
      }),
  );
  const pool = new RobotPool(robots, { strategy: 'round-robin' });
  emulator.throttle('all-a');
  emulator.throttle('all-b');
  const started = Date.now();
  const results = await Promise.all(
    Array.from({ length: 10 }, (_, i) => pool.send(text(`during penalty ${i}`))),
  );
  await pool.close();
  assert.equal(results.length, 10);
  const delivered = emulator.messages().map((m) => JSON.stringify(m.payload));
  for (let i = 0; i < 10; i++) {
    assert.ok(
      delivered.some((body) => body.includes(`during penalty ${i}`)),
      `message ${i} never arrived`,
    );
  }
  assert.ok(Date.now() - started >= 700, 'delivered before the penalty could have ended');
  assert.ok(emulator.attempts().every((a) => a.errcode === 130101));
});
