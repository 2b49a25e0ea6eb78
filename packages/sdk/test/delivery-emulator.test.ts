import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MessageRecord } from '@dingbot/emulator';
import { startEmulator } from '@dingbot/emulator';
import { markdown, Robot, text } from '../src/index.js';
import { maxInWindow } from './helpers/window.js';

type Emulator = Awaited<ReturnType<typeof startEmulator>>;
const LIMIT = 20;
const WINDOW = 2000;

let emulator: Emulator;
before(async () => {
  emulator = await startEmulator({
    port: 0,
    rateLimit: { limit: LIMIT, windowMs: WINDOW },
    penaltyMs: 3000,
    robots: ['burst-500', 'forced-penalty', 'penalty-fail', 'split-long'].map((token) => ({
      token,
      name: token,
    })),
  });
});
after(() => emulator.close());

const bodyOf = (r: MessageRecord) => {
  const p = r.payload as { text?: { content?: string }; markdown?: { text?: string } };
  return p.text?.content ?? p.markdown?.text ?? '';
};

function robotFor(token: string, penaltyMs = 3000) {
  return new Robot({
    accessToken: token,
    baseUrl: emulator.url,
    retry: 'fast',
    rateLimit: { limit: LIMIT, windowMs: WINDOW },
    penaltyMs,
  });
}

describe('delivery against the emulator', () => {
  it('a burst of 500 from one robot: all content arrives, no 130101, never over the limit', async () => {
    const token = 'burst-500';
    const robot = robotFor(token);
    const sends = Array.from({ length: 500 }, (_, i) =>
      i % 5 === 0
        ? robot.send(markdown(`alarm ${i}`, `### alarm <${i}>\n\n- host: db-${i % 9}`))
        : robot.send(
            text(
              `alert <${i}>: CPU 9${i % 10}% on web-${i % 13}`,
              i % 50 === 1 ? { at: { mobiles: ['13800000000'] } } : {},
            ),
          ),
    );
    const settled = await Promise.allSettled(sends);
    assert.deepEqual(
      settled.filter((s) => s.status === 'rejected'),
      [],
    );
    const records = emulator.messages({ robot: token });
    const all = records.map(bodyOf).join('\n');
    for (let i = 0; i < 500; i++) assert.ok(all.includes(`<${i}>`), `message ${i} never arrived`);
    assert.deepEqual(
      emulator.attempts({ robot: token }).map((a) => a.errcode),
      [],
    );
    assert.ok(
      maxInWindow(
        records.map((r) => r.receivedAt),
        WINDOW,
      ) <= LIMIT,
    );
    assert.ok(records.length < 30, `${records.length} sends for 500 messages`);
    // Mentions survive merging: the digest carrying them pings.
    assert.ok(
      records.some(
        (r) => r.mentions.mobiles.includes('13800000000') && r.mentions.missing.mobiles.length === 0,
      ),
    );
    const stats = robot.stats();
    assert.equal(stats.delivered, 500);
    assert.equal(stats.queued, 0);
    await robot.close();
  });

  it('a forced penalty: the robot waits it out and delivers everything', async () => {
    const token = 'forced-penalty';
    emulator.throttle(token, 1200);
    const robot = robotFor(token, 1200);
    const events: string[] = [];
    robot.on('throttled', (e) => events.push(`throttled:${e.source}`));
    robot.on('resumed', () => events.push('resumed'));
    const started = Date.now();
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => robot.text(`p<${i}>`)));
    assert.ok(Date.now() - started >= 1200);
    assert.equal(results.length, 60);
    assert.deepEqual(events.slice(0, 2), ['throttled:dingtalk', 'resumed']);
    const all = emulator.messages({ robot: token }).map(bodyOf).join('\n');
    for (let i = 0; i < 60; i++) assert.ok(all.includes(`p<${i}>`));
    const refused = emulator.attempts({ robot: token }).map((a) => a.errcode);
    assert.ok(refused.length >= 1 && refused.every((c) => c === 130101 || c === 410100), String(refused));
    await robot.close();
  });

  it("penalty: 'fail' rejects at once instead of waiting", async () => {
    const token = 'penalty-fail';
    emulator.throttle(token, 60_000);
    const robot = new Robot({ accessToken: token, baseUrl: emulator.url, penalty: 'fail', rateLimit: false });
    await assert.rejects(robot.text('x'), { code: 'RATE_LIMITED' });
    await assert.rejects(robot.text('y'), { code: 'RATE_LIMITED' });
    assert.equal(emulator.attempts({ robot: token }).length, 1, 'the second send never reached DingTalk');
    await robot.close();
  });

  it('a long text goes as numbered parts, each accepted', async () => {
    const token = 'split-long';
    const robot = robotFor(token);
    const content = Array.from({ length: 3000 }, (_, i) => `第${i}行 log line ${i}`).join('\n');
    const result = await robot.text(content);
    assert.equal(result.delivered, 'split');
    const records = emulator.messages({ robot: token });
    assert.equal(records.length, result.parts!.length);
    assert.equal(records.map((r) => bodyOf(r).replace(/^\(part \d+\/\d+\)\n/, '')).join(''), content);
    await robot.close();
  });
});
