// The mention rule the SDK and the emulator share: `@<id>` is in the text when the character after
// it is not an ASCII letter, digit, `_` or `-` (or the text ends there); the SDK inserts the others.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { MemoryStore, markdown, Robot, text, ValidationError } from '../src/index.js';
import { insertMentions, mentionsId } from '../src/messages/prepare.js';
import { startServer, type TestServer } from './helpers/server.js';

const contentOf = (m: ReturnType<typeof text>) => m.text.content;

describe('the mention rule', () => {
  test('a longer id, or one going on with - or _, is not the mention', () => {
    const at = { at: { mobiles: ['13800000000'] } };
    assert.equal(contentOf(insertMentions(text('cc @138000000001', at))), 'cc @138000000001 @13800000000');
    assert.equal(contentOf(insertMentions(text('cc @13800000000-2', at))), 'cc @13800000000-2 @13800000000');
    assert.equal(contentOf(insertMentions(text('cc @13800000000_x', at))), 'cc @13800000000_x @13800000000');
    for (const present of [
      '@13800000000',
      'cc @13800000000, ok',
      '@13800000000你好',
      '(@13800000000)',
      '@13800000000.',
    ]) {
      assert.equal(contentOf(insertMentions(text(present, at))), present, present);
    }
  });

  test('markdown gets the missing ones on a line of their own', () => {
    const m = insertMentions(markdown('t', 'cc @user12', { at: { userIds: ['user1', 'user12'] } }));
    assert.equal(m.markdown.text, 'cc @user12\n\n@user1');
  });

  test('property: after insertion every id is mentioned by the rule, and the text only grew at its end', () => {
    const id = fc.oneof(fc.stringMatching(/^1[3-9]\d{9}$/), fc.stringMatching(/^[a-z][a-z0-9_-]{0,11}$/));
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 80 }).filter((s) => s.trim() !== ''),
        fc.uniqueArray(id, { minLength: 1, maxLength: 6 }),
        fc.constantFrom('', '-', '_', '1', 'a', ' ', ',', '你'),
        (body, ids, after) => {
          // Some ids already stand in the text, followed by a character that may or may not end them.
          const content = `${body} @${ids[0]}${after}`;
          const out = contentOf(insertMentions(text(content, { at: { userIds: ids } })));
          assert.ok(out.startsWith(content));
          for (const i of ids) assert.ok(mentionsId(out, i), `${i} in ${out}`);
          const added = out.length > content.length;
          assert.equal(
            added,
            ids.some((i) => !mentionsId(content, i)),
          );
          // The rule itself: what follows a mention ends it or not.
          assert.equal(mentionsId(`@${ids[0]}${after}`, ids[0]!), !/[A-Za-z0-9_-]/.test(after));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('hundreds of mentions', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  test('a typed error (not a RangeError) when the mentions alone are over the limit; nothing is sent', async () => {
    const robot = new Robot({ webhook: server.webhook('many'), store: new MemoryStore() });
    for (const count of [737, 2000]) {
      const mobiles = Array.from({ length: count }, (_, i) => String(13_800_000_000 + i));
      await assert.rejects(robot.text('hi', { at: { mobiles } }), (error: unknown) => {
        assert.ok(error instanceof ValidationError, String(error));
        assert.equal(error.field, 'at');
        assert.match(error.message, new RegExp(`mentions ${count} people`));
        return true;
      });
    }
    assert.equal(server.requests.length, 0);
    // Fewer fit and go.
    const mobiles = Array.from({ length: 300 }, (_, i) => String(13_800_000_000 + i));
    await robot.text('hi', { at: { mobiles } });
    await robot.close();
    assert.equal(server.requests.length, 1);
  });
});
