// The SDK and the emulator are two implementations of DingTalk's rules; they must agree. Whatever
// the SDK sends (signed, keywords added, mentions written into the text) the emulator accepts, and
// every mention the caller asked for really pings there.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type EmulatorHandle, startEmulator } from '@dingbot/emulator';
import fc from 'fast-check';
import { MemoryStore, markdown, Robot, text } from '../src/index.js';

const SECRET = `SEC${'5d1a'.repeat(16)}`;
const KEYWORD_SETS = [[], ['alert'], ['告警', 'deploy']] as const;

let emulator: EmulatorHandle;
before(async () => {
  emulator = await startEmulator({
    robots: KEYWORD_SETS.map((keywords, i) => ({
      token: `agree-${i}`,
      secret: SECRET,
      keywords: [...keywords],
    })),
    rateLimit: { limit: 10_000, windowMs: 1000 },
  });
});
after(() => emulator.close());

const mobile = fc.stringMatching(/^1[3-9]\d{9}$/);
const userId = fc.stringMatching(/^[a-z][a-z0-9_-]{0,11}$/);
// What may follow an `@id` already in the text: some end the mention, some continue the id.
const follower = fc.constantFrom('', '-', '_', '1', 'a', ' ', ',', '，', '你', '\n');
const body = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }).filter((s) => s.trim() !== '');

test('property: what the SDK sends is accepted, and every intended mention pings', async () => {
  const robots = KEYWORD_SETS.map(
    (keywords, i) =>
      new Robot({
        webhook: emulator.webhookUrl(`agree-${i}`),
        secret: SECRET,
        keywords: [...keywords],
        rateLimit: false,
        store: new MemoryStore(),
      }),
  );
  await fc.assert(
    fc.asyncProperty(
      fc.record({
        robot: fc.integer({ min: 0, max: KEYWORD_SETS.length - 1 }),
        markdown: fc.boolean(),
        content: body,
        mobiles: fc.uniqueArray(mobile, { maxLength: 4 }),
        userIds: fc.uniqueArray(userId, { maxLength: 3 }),
        // Ids written into the text by the caller, each followed by some character.
        written: fc.array(fc.tuple(fc.nat(), follower), { maxLength: 3 }),
        all: fc.boolean(),
      }),
      async (c) => {
        const ids = [...c.mobiles, ...c.userIds];
        let content = c.content;
        for (const [pick, next] of c.written) if (ids.length) content += ` @${ids[pick % ids.length]}${next}`;
        const at = { mobiles: c.mobiles, userIds: c.userIds, all: c.all };
        const message = c.markdown ? markdown('Report', content, { at }) : text(content, { at });
        const result = await robots[c.robot]!.send(message);
        const record = emulator.messages().find((m) => m.payload.msgUuid === result.msgUuid);
        assert.ok(record, 'accepted and recorded');
        assert.deepEqual(
          record.mentions.missing,
          { mobiles: [], userIds: [] },
          JSON.stringify(record.payload),
        );
        assert.deepEqual([...record.mentions.mobiles].sort(), [...c.mobiles].sort());
        assert.deepEqual([...record.mentions.userIds].sort(), [...c.userIds].sort());
        assert.equal(record.mentions.all, c.all);
      },
    ),
    { numRuns: 60 },
  );
  await Promise.all(robots.map((r) => r.close()));
  assert.deepEqual(emulator.attempts(), [], 'no refusal');
});
