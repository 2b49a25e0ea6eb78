import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { bodyBytes, jsonStringBytes } from '../src/delivery/size.js';
import { PART_LABEL, splitMessage, splitText } from '../src/delivery/split.js';
import { markdown, text } from '../src/messages/builders.js';

// Pieces that make splitting hard: multi-byte and astral characters, joiners, links, images, URLs, breaks.
const piece = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 10 }),
  fc.constantFrom('\n', '\n\n', ' ', '中文字符', '👨‍👩‍👧', 'é', '"\\', '\t', '🇨🇳'),
  fc.webUrl().map((u) => `[link](${u})`),
  fc.webUrl().map((u) => `![img](${u})`),
  fc.webUrl(),
);
const doc = fc.array(piece, { maxLength: 120 }).map((p) => p.join(''));

/** Links and images of a markdown text that should survive splitting whole. */
const links = (s: string) => [...s.matchAll(/!?\[[^\]\n]*\]\([^)\s]*\)/g)].map((m) => m[0]);

function hasBrokenSurrogate(s: string): boolean {
  const first = s.charCodeAt(0);
  const last = s.charCodeAt(s.length - 1);
  return (first >= 0xdc00 && first <= 0xdfff) || (last >= 0xd800 && last <= 0xdbff);
}

describe('splitText', () => {
  it('every piece fits the budget, joining them restores the text, no character or link is cut', () => {
    fc.assert(
      fc.property(doc, fc.integer({ min: 64, max: 600 }), (input, budget) => {
        const parts = splitText(input, budget, true);
        assert.equal(parts.join(''), input);
        for (const p of parts) {
          assert.ok(jsonStringBytes(p) <= budget, `part of ${jsonStringBytes(p)} bytes > ${budget}`);
          assert.ok(p.length > 0);
        }
        // A character is cut only when the input itself had a lone surrogate there.
        parts.slice(0, -1).forEach((p, i) => {
          const next = parts[i + 1]!;
          const joined = p.at(-1)! + next[0]!;
          if (hasBrokenSurrogate(p.slice(-1)) && !hasBrokenSurrogate(joined))
            assert.fail('cut inside a surrogate pair');
        });
        // Every link shorter than the budget appears whole in one piece.
        for (const l of links(input)) {
          if (jsonStringBytes(l) > budget / 2) continue;
          const count = (s: string) => s.split(l).length - 1;
          assert.equal(
            parts.map(count).reduce((a, b) => a + b, 0),
            count(input),
            `link cut: ${l}`,
          );
        }
      }),
      { numRuns: 300 },
    );
  });

  it('prefers paragraph breaks, then line breaks', () => {
    const para = 'x'.repeat(60);
    assert.deepEqual(splitText(`${para}\n\n${para}\nyy`, 100, false), [`${para}\n\n`, `${para}\nyy`]);
    assert.deepEqual(splitText(`${para}\n${para}`, 100, false), [`${para}\n`, para]);
  });

  it('never cuts a 3-byte character: Chinese text counts 3 bytes a character', () => {
    const parts = splitText('钉'.repeat(100), 64, false);
    for (const p of parts) assert.ok(Buffer.byteLength(p) <= 64);
    assert.equal(parts[0]!.length, 21);
  });
});

describe('splitMessage', () => {
  it('parts of a long text are numbered, each within 20000 bytes, and restore the text', () => {
    fc.assert(
      fc.property(
        fc.array(doc, { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 40 }),
        (docs, times) => {
          const content = docs.join('\n\n').repeat(times);
          fc.pre(content.trim() !== '');
          const parts = splitMessage(text(content, { at: { mobiles: ['13800000000'] } }), { maxBytes: 2000 });
          if (parts.length === 1) {
            assert.equal(parts[0]!.text.content, content);
            return;
          }
          for (const [i, p] of parts.entries()) {
            assert.ok(bodyBytes(p) + 256 <= 2000, `part ${i} is ${bodyBytes(p)} bytes`);
            assert.ok(p.text.content.startsWith(`(part ${i + 1}/${parts.length})\n`));
            assert.equal(p.at !== undefined, i === parts.length - 1, 'mentions go with the last part');
          }
          assert.equal(parts.map((p) => p.text.content.replace(PART_LABEL, '')).join(''), content);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('splits markdown at paragraph boundaries, numbering the title', () => {
    const section = (i: number) =>
      `### Section ${i}\n\n${'- item [doc](https://example.com/a) 中文\n'.repeat(300)}`;
    const body = Array.from({ length: 5 }, (_, i) => section(i)).join('\n\n');
    const parts = splitMessage(markdown('Report', body));
    assert.ok(parts.length >= 2);
    for (const [i, p] of parts.entries()) {
      assert.ok(bodyBytes(p) <= 20_000 - 256);
      assert.equal(p.markdown.title, `Report (part ${i + 1}/${parts.length})`);
      assert.match(p.markdown.text, /^\*\*\(part \d+\/\d+\)\*\*\n\n/);
    }
    assert.equal(parts.map((p) => p.markdown.text.replace(PART_LABEL, '')).join(''), body);
    for (const p of parts.slice(0, -1)) assert.ok(p.markdown.text.endsWith('\n'), 'cut at a line boundary');
  });

  it('returns the message itself when it fits', () => {
    const m = text('short');
    assert.deepEqual(splitMessage(m), [m]);
  });
});
