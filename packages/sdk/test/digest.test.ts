import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { buildDigest, mergeMentions, renderItem, takeDigest } from '../src/delivery/digest.js';
import { bodyBytes } from '../src/delivery/size.js';
import { actionCard, feedCard, link, markdown, text } from '../src/messages/builders.js';
import type { Message } from '../src/messages/types.js';

const mobile = fc.stringMatching(/^1[3-9]\d{9}$/);
const content = fc
  .oneof(
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 200 }),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 50 }),
    fc.constantFrom('CPU 95% on db-1 告警', '**bold** [l](https://x.y)', 'line\nbreak'),
    // The builders refuse blank text.
  )
  .filter((s) => s.trim() !== '');
const message: fc.Arbitrary<Message> = fc.oneof(
  fc
    .record({ c: content, m: fc.option(mobile, { nil: undefined }) })
    .map(({ c, m }) => text(m ? `${c} @${m}` : c, m ? { at: { mobiles: [m] } } : {})),
  fc.record({ t: content, c: content }).map(({ t, c }) => markdown(t, c)),
  fc
    .record({ t: content, c: content, u: fc.webUrl() })
    .map(({ t, c, u }) => link({ title: t, text: c, url: u })),
);

/** The pieces of content a reader must find in the digest. */
function contentOf(m: Message): string[] {
  switch (m.msgtype) {
    case 'text':
      return [m.text.content];
    case 'markdown':
      return [m.markdown.text];
    case 'link':
      return [m.link.text, m.link.messageUrl];
    default:
      return [];
  }
}

describe('takeDigest', () => {
  it('takes the head in order, each digest within the limit, every item present, mentions merged', () => {
    fc.assert(
      fc.property(
        fc.array(message, { minLength: 2, maxLength: 150 }),
        fc.integer({ min: 1500, max: 20_000 }),
        (queue, maxBytes) => {
          let rest = queue;
          while (rest.length > 0) {
            const digest = takeDigest(rest, { maxBytes });
            if (!digest) {
              rest = rest.slice(1); // the head goes alone
              continue;
            }
            assert.ok(digest.count >= 2);
            assert.ok(
              bodyBytes(digest.message) <= maxBytes - 256,
              `digest is ${bodyBytes(digest.message)} bytes`,
            );
            const taken = rest.slice(0, digest.count);
            const body = digest.message.markdown.text;
            for (const m of taken)
              for (const piece of contentOf(m)) assert.ok(body.includes(piece), `missing ${piece}`);
            const mobiles = taken.flatMap((m) => (m.msgtype === 'text' ? (m.at?.atMobiles ?? []) : []));
            assert.deepEqual(new Set(digest.message.at?.atMobiles ?? []), new Set(mobiles));
            for (const mb of mobiles) assert.ok(body.includes(`@${mb}`));
            assert.ok(digest.message.markdown.title.startsWith(`${digest.count} messages`));
            rest = rest.slice(digest.count);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('packs as many as fit: 500 short alerts need 2 digests', () => {
    const queue = Array.from({ length: 500 }, (_, i) => text(`alert ${i}: CPU high on host-${i % 7}`));
    const first = takeDigest(queue)!;
    const second = takeDigest(queue.slice(first.count))!;
    assert.equal(first.count + second.count, 500);
  });

  it('respects maxItems and gives up when not even two fit', () => {
    const queue = Array.from({ length: 10 }, (_, i) => text(`m${i}`));
    assert.equal(takeDigest(queue, { maxItems: 3 })!.count, 3);
    const big = [text('x'.repeat(15_000)), text('y'.repeat(15_000))];
    assert.equal(takeDigest(big), undefined);
  });
});

describe('digest rendering', () => {
  it('is readable: a count, then numbered compact items', () => {
    const d = buildDigest([
      text('disk full on db-1'),
      markdown('Deploy', '### Deploy done\n\n- api 1.4'),
      text('ok'),
    ]);
    assert.equal(d.markdown.title, '3 messages: disk full on db-1');
    assert.equal(
      d.markdown.text,
      '#### 3 messages\n\n**1.** disk full on db-1\n\n**2.**\n\n### Deploy done\n\n- api 1.4\n\n**3.** ok',
    );
  });

  it('renders cards as links with their text', () => {
    assert.equal(
      renderItem(link({ title: 'R [1]', text: 'notes', url: 'https://e.x/r' }), 1),
      '**1.** [R \\[1\\]](https://e.x/r) notes',
    );
    assert.equal(
      renderItem(
        actionCard({ title: 'Approve?', text: 'Deploy', buttons: [{ title: 'Yes', url: 'https://e.x/y' }] }),
        2,
      ),
      '**2.** **Approve?**\n\nDeploy\n\n[Yes](https://e.x/y)',
    );
    assert.equal(
      renderItem(feedCard([{ title: 'A', url: 'https://e.x/a', picUrl: 'https://e.x/a.png' }]), 3),
      '**3.** [A](https://e.x/a)',
    );
  });

  it('merges mentions, all included', () => {
    const at = mergeMentions([
      text('a', { at: { mobiles: ['1'] } }),
      markdown('b', 'b', { at: { userIds: ['u'], all: true } }),
      text('c', { at: { mobiles: ['1', '2'] } }),
    ]);
    assert.deepEqual(at, { atMobiles: ['1', '2'], atUserIds: ['u'], isAtAll: true });
  });
});
