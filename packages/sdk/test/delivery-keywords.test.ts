// A digest carries the robot's keyword once, not once per merged message; alone and split sends
// each still carry it. The emulator refuses (310000) any send without a keyword.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type EmulatorHandle, startEmulator } from '@dingbot/emulator';
import { Robot } from '../src/index.js';

let emulator: EmulatorHandle;
before(async () => {
  emulator = await startEmulator({
    robots: [{ token: 'kw-robot', keywords: ['alert'] }],
    rateLimit: { limit: 20, windowMs: 1000 },
  });
});
after(() => emulator.close());

const textOf = (payload: Record<string, unknown>) => {
  const p = payload as { text?: { content: string }; markdown?: { text: string } };
  return p.text?.content ?? p.markdown?.text ?? '';
};

test('a burst merged into a digest carries the keyword once; every send is accepted', async () => {
  emulator.clear();
  const robot = new Robot({
    webhook: emulator.webhookUrl('kw-robot'),
    keywords: ['alert'],
    rateLimit: { limit: 20, windowMs: 1000 },
  });
  const results = await Promise.all(
    Array.from({ length: 40 }, (_, i) => robot.text(`disk ${60 + i}% on db-${i}`)),
  );
  await robot.close();
  assert.ok(results.some((r) => r.delivered === 'digest'));
  assert.deepEqual(emulator.attempts(), []);
  const digests = emulator.messages().filter((m) => m.msgtype === 'markdown');
  assert.ok(digests.length >= 1);
  for (const digest of digests) {
    assert.equal(textOf(digest.payload).split('alert').length - 1, 1, textOf(digest.payload));
  }
  for (let i = 0; i < 40; i++) {
    assert.ok(emulator.messages().some((m) => textOf(m.payload).includes(`disk ${60 + i}% on db-${i}`)));
  }
});

test('a message sent alone, and each part of a long one, carries the keyword', async () => {
  emulator.clear();
  const robot = new Robot({
    webhook: emulator.webhookUrl('kw-robot'),
    keywords: ['alert'],
    rateLimit: { limit: 20, windowMs: 1000 },
  });
  const alone = await robot.text('one message');
  const long = await robot.text(
    Array.from({ length: 3000 }, (_, i) => `line ${i} of a long report`).join('\n'),
  );
  await robot.close();
  assert.equal(alone.delivered, 'alone');
  assert.equal(long.delivered, 'split');
  assert.deepEqual(emulator.attempts(), []);
  for (const m of emulator.messages()) assert.match(textOf(m.payload), /alert/);
});
