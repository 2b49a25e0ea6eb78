/**
 * The SDK and the emulator are two implementations of DingTalk's rules; these properties hold them
 * together (issue 9 §6, issue 10 §2): what the SDK sends is accepted with every intended mention
 * really pinging, what it refuses the emulator refuses too, and escaped markdown reads back exactly.
 * The emulator runs in-process through `app.request()`: no port, no clock, no deadline.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import { createEmulatorApp, createMarkdownSubset } from '@dingbot/emulator';
import fc from 'fast-check';
import { escapeMarkdown, type FetchLike, type Message, Robot, ValidationError } from '../src/index.js';
import { DIRECT } from './helpers/direct.js';

describe('escapeMarkdown against the emulator’s DingTalk markdown reader', () => {
  const md = createMarkdownSubset();

  /** The text a reader sees when every node is plain text (a line break reads as a space), else `null`. */
  function plainText(source: string): string | null {
    const paragraphs: string[] = [];
    for (const block of md.parse(source).nodes) {
      if (block.type !== 'p') return null;
      let line = '';
      for (const node of block.children) {
        if (node.type === 'text') line += node.text;
        else if (node.type === 'br') line += ' ';
        else return null;
      }
      paragraphs.push(line);
    }
    return paragraphs.join(' ');
  }
  /** What a chat bubble shows of whitespace: runs collapse to one space, none at the ends. */
  const shown = (value: string) => value.replace(/\s+/g, ' ').trim();

  const markdownish = fc.string({
    unit: fc.constantFrom(
      ...'*_`[]()!~|<>#-+=.&;:\\ \t\n0129alt中文😀'.split(''),
      '&lt;',
      '&amp;',
      '&#42;',
      '1. ',
      '2) ',
      '- ',
      '> ',
      '# ',
      '**b**',
      '~~s~~',
      '```',
      '---',
      '| a |',
      '|-|',
      '![x](http://a/b.png)',
      '[a](http://b)',
      '<font color=#f00>',
      '</font>',
      '@13800000000',
    ),
    maxLength: 50,
  });
  const anyText = fc.oneof(
    markdownish,
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 30 }),
  );

  test('property: escapeMarkdown(text) renders as exactly that text, as plain text', () => {
    fc.assert(
      fc.property(anyText, (input) => {
        const escaped = escapeMarkdown(input);
        const read = plainText(escaped);
        assert.notEqual(read, null, `markup left in ${JSON.stringify(escaped)}`);
        assert.equal(shown(read as string), shown(input), JSON.stringify(escaped));
      }),
      { numRuns: 3000 },
    );
  });

  test('the demo’s first line reads literally, nothing italic', () => {
    assert.equal(plainText(escapeMarkdown('feature/*fast*_path')), 'feature/*fast*_path');
    assert.equal(plainText(escapeMarkdown('# not a heading')), '# not a heading');
    assert.equal(plainText(escapeMarkdown('1. not a list')), '1. not a list');
    assert.equal(plainText(escapeMarkdown('&lt;b&gt;')), '&lt;b&gt;');
  });
});

const TOKEN = 'agree0123456789agree0123456789';
const RAW = 'rawpost0123456789rawpost012345';
const SECRET = 'SECagree0123456789abcdef0123456789abcdef01234567';
const BASE = 'http://127.0.0.1';

/** DingTalk's signature, computed here independently of both implementations. */
function signedPath(token: string, now: number): string {
  const sign = createHmac('sha256', SECRET).update(`${now}\n${SECRET}`).digest('base64');
  return `/robot/send?access_token=${token}&timestamp=${now}&sign=${encodeURIComponent(sign)}`;
}

const mobile = fc.stringMatching(/^1[3-9]\d{9}$/);
const userId = fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/);
const blank = fc.constantFrom('', ' ', '\n', '\t ', '\u3000');
const keyword = fc.constantFrom('alert', 'Alert', '告警', '监控', '😀', 'ok');
/**
 * What may follow an `@<id>` in a text: a letter, digit, `_` or `-` makes it part of a longer name
 * (no ping), anything else ends it. The `-` case is the boundary rule both sides now share; an SDK
 * that still counts `@13800000000-ops` as a mention leaves it unpinged, and this property says so.
 */
const after = fc.constantFrom('', ' ', '1', 'a', 'Z', '_', '-', '.', ',', '，', '中', '\n', '😀');

interface Case {
  msgtype: 'text' | 'markdown';
  mobiles: string[];
  userIds: string[];
  all: boolean;
  content: string;
  title: string;
  keywords: string[];
  /** Makes the SDK refuse: a blank content or title, a blank id, or `isAtAll` as a string. */
  flaw: 'none' | 'blank-content' | 'blank-title' | 'blank-id' | 'string-all';
  blankValue: string;
}

const caseArb: fc.Arbitrary<Case> = fc
  .record({
    msgtype: fc.constantFrom('text' as const, 'markdown' as const),
    mobiles: fc.uniqueArray(mobile, { maxLength: 3 }),
    userIds: fc.uniqueArray(userId, { maxLength: 3 }),
    all: fc.boolean(),
    others: fc.array(fc.oneof(mobile, userId), { maxLength: 2 }),
    pieces: fc.array(
      fc.oneof(
        fc.constantFrom('disk full', '磁盘满了', ' ', '\n', '**', '# ', '@', 'alert', '😀'),
        fc.tuple(fc.nat(9), after).map(([index, suffix]) => ({ index, suffix })),
      ),
      { maxLength: 8 },
    ),
    title: fc.constantFrom('Deploy', '告警', 'disk'),
    keywords: fc.uniqueArray(keyword, { maxLength: 3 }),
    flaw: fc.oneof(
      { weight: 4, arbitrary: fc.constant('none' as const) },
      fc.constantFrom(
        'blank-content' as const,
        'blank-title' as const,
        'blank-id' as const,
        'string-all' as const,
      ),
    ),
    blankValue: blank,
  })
  .map(({ others, pieces, ...rest }) => {
    const ids = [...rest.mobiles, ...rest.userIds, ...others];
    const content = pieces
      .map((piece) => {
        if (typeof piece === 'string') return piece;
        const id = ids[piece.index % Math.max(ids.length, 1)];
        return id === undefined ? '' : `@${id}${piece.suffix}`;
      })
      .join('');
    // A text has no title to leave blank: its flaw is then a blank content.
    const flaw = rest.msgtype === 'text' && rest.flaw === 'blank-title' ? 'blank-content' : rest.flaw;
    return { ...rest, flaw, content: content.trim() === '' ? 'status' : content };
  });

/** The message in DingTalk's own JSON shape, as a caller may hand it to `send()`. */
function messageOf(c: Case): Message {
  const at: Record<string, unknown> = {};
  const mobiles = c.flaw === 'blank-id' ? [...c.mobiles, c.blankValue] : c.mobiles;
  if (mobiles.length > 0) at['atMobiles'] = mobiles;
  if (c.userIds.length > 0) at['atUserIds'] = c.userIds;
  if (c.all || c.flaw === 'string-all') at['isAtAll'] = c.flaw === 'string-all' ? 'true' : true;
  const content = c.flaw === 'blank-content' ? c.blankValue : c.content;
  const message: Record<string, unknown> =
    c.msgtype === 'text'
      ? { msgtype: 'text', text: { content } }
      : {
          msgtype: 'markdown',
          markdown: { title: c.flaw === 'blank-title' ? c.blankValue : c.title, text: content },
        };
  if (Object.keys(at).length > 0) message['at'] = at;
  return message as unknown as Message;
}

describe('what the SDK sends, the emulator accepts; what the SDK refuses, the emulator refuses', () => {
  test('property over messages, mention lists and keyword sets', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const { app, state } = createEmulatorApp({
          rateLimit: false,
          robots: [
            {
              token: TOKEN,
              name: 'agree',
              secret: SECRET,
              ...(c.keywords.length > 0 && { keywords: c.keywords }),
            },
            { token: RAW, name: 'raw', secret: SECRET },
          ],
        });
        const fetch: FetchLike = async (url, init) => app.request(url, init as unknown as RequestInit);
        const robot = new Robot({
          webhook: `${BASE}/robot/send?access_token=${TOKEN}`,
          secret: SECRET,
          keywords: c.keywords,
          retry: 'none',
          ...DIRECT,
          fetch,
        });
        const message = messageOf(c);
        let refusal: unknown;
        try {
          robot.prepare(message);
        } catch (error) {
          refusal = error;
        }
        try {
          if (refusal !== undefined) {
            assert.ok(refusal instanceof ValidationError, String(refusal));
            assert.notEqual(c.flaw, 'none', `the SDK refused a sound message: ${String(refusal)}`);
            // The same body, posted as is (signed, to a robot without keywords): refused for its shape.
            const res = await app.request(signedPath(RAW, Date.now()), {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify(message),
            });
            const reply = (await res.json()) as { errcode: number; errmsg: string };
            assert.equal(reply.errcode, 400403, `the emulator answered ${JSON.stringify(reply)}`);
            assert.equal(state.messages().length, 0);
            return;
          }
          assert.equal(c.flaw, 'none', 'the SDK let a flawed message through');
          await robot.send(message);
          const record = state.messages({ robot: 'agree' }).at(-1);
          assert.ok(record, `nothing recorded; attempts: ${JSON.stringify(state.attempts())}`);
          assert.deepEqual(record.mentions.missing, { mobiles: [], userIds: [] });
          assert.deepEqual(record.mentions.mobiles, c.mobiles);
          assert.deepEqual(record.mentions.userIds, c.userIds);
          assert.equal(record.mentions.all, c.all);
        } finally {
          await robot.close();
        }
      }),
      { numRuns: 300 },
    );
  });

  test('a mention followed by "-" is a longer name: the SDK writes the real one, and it pings', async () => {
    const { app, state } = createEmulatorApp({ rateLimit: false });
    const robot = new Robot({
      webhook: `${BASE}/robot/send?access_token=${TOKEN}`,
      retry: 'none',
      ...DIRECT,
      fetch: async (url, init) => app.request(url, init as unknown as RequestInit),
    });
    try {
      await robot.text('@13800000000-ops 磁盘满了 @138000000001', { at: { mobiles: ['13800000000'] } });
      const record = state.messages().at(-1);
      assert.deepEqual(record?.mentions.mobiles, ['13800000000']);
      assert.deepEqual(record?.mentions.missing.mobiles, []);
    } finally {
      await robot.close();
    }
  });
});
