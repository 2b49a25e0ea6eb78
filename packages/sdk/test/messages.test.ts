import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import fc from 'fast-check';
import {
  actionCard,
  feedCard,
  isDingbotError,
  link,
  type Message,
  MessageTooLongError,
  markdown,
  Robot,
  text,
  ValidationError,
  validateMessage,
} from '../src/index.js';
import { utf8Length } from '../src/utils/bytes.js';
import { DIRECT } from './helpers/direct.js';
import { startServer, type TestServer } from './helpers/server.js';

let server: TestServer;
before(async () => {
  server = await startServer();
});
after(() => server.close());
beforeEach(() => server.reset());

function robot(options: Partial<ConstructorParameters<typeof Robot>[0]> = {}): Robot {
  return new Robot({
    accessToken: 'tok'.repeat(10),
    baseUrl: server.url,
    retry: 'none',
    // A loaded CI machine may take seconds to answer; the default 10 s timeout must not decide a test.
    timeoutMs: 600_000,
    ...DIRECT,
    ...options,
  });
}

/** What the server received, without the msgUuid dingbot adds. */
function wire(i = 0): unknown {
  const { msgUuid, ...rest } = server.requests[i]!.body as Record<string, unknown>;
  assert.equal(typeof msgUuid, 'string');
  return rest;
}

/** The parts of a received body the keyword and mention tests read. */
interface Shown {
  text: { content: string };
  markdown: { title: string; text: string };
  link: { text: string };
  actionCard: { text: string };
  feedCard: { links: { title: string }[] };
}

function shown(i = 0): Shown {
  return wire(i) as Shown;
}

const URL_A = 'https://example.com/a';
const PIC = 'https://example.com/p.png';

describe('builders give exactly DingTalk’s JSON, and it reaches the wire unchanged', () => {
  const cases: [string, Message, unknown][] = [
    ['text', text('我就是我'), { msgtype: 'text', text: { content: '我就是我' } }],
    [
      'text with mentions',
      text('hi @13800000000 @u1', { at: { mobiles: ['13800000000'], userIds: ['u1'], all: true } }),
      {
        msgtype: 'text',
        text: { content: 'hi @13800000000 @u1' },
        at: { atMobiles: ['13800000000'], atUserIds: ['u1'], isAtAll: true },
      },
    ],
    ['text with empty mentions', text('hi', { at: {} }), { msgtype: 'text', text: { content: 'hi' } }],
    [
      'markdown',
      markdown('Title', '### Body'),
      { msgtype: 'markdown', markdown: { title: 'Title', text: '### Body' } },
    ],
    [
      'link (messageUrl/picUrl)',
      link({ title: 'T', text: 'x', url: URL_A, picUrl: PIC }),
      { msgtype: 'link', link: { title: 'T', text: 'x', messageUrl: URL_A, picUrl: PIC } },
    ],
    [
      'link without picture',
      link({ title: 'T', text: 'x', url: URL_A }),
      { msgtype: 'link', link: { title: 'T', text: 'x', messageUrl: URL_A } },
    ],
    [
      'actionCard, one button (singleTitle/singleURL), vertical "0"',
      actionCard({ title: 'T', text: 'md', button: { title: '阅读全文', url: URL_A } }),
      {
        msgtype: 'actionCard',
        actionCard: {
          title: 'T',
          text: 'md',
          btnOrientation: '0',
          singleTitle: '阅读全文',
          singleURL: URL_A,
        },
      },
    ],
    [
      'actionCard, buttons (actionURL), horizontal "1", hideAvatar "1"',
      actionCard({
        title: 'T',
        text: 'md',
        buttons: [
          { title: '内容不错', url: URL_A },
          { title: '不感兴趣', url: 'https://example.com/b' },
        ],
        orientation: 'horizontal',
        hideAvatar: true,
      }),
      {
        msgtype: 'actionCard',
        actionCard: {
          title: 'T',
          text: 'md',
          btnOrientation: '1',
          btns: [
            { title: '内容不错', actionURL: URL_A },
            { title: '不感兴趣', actionURL: 'https://example.com/b' },
          ],
          hideAvatar: '1',
        },
      },
    ],
    [
      'feedCard (messageURL/picURL)',
      feedCard([
        { title: 'one', url: URL_A, picUrl: PIC },
        { title: 'two', url: 'https://example.com/2', picUrl: PIC },
      ]),
      {
        msgtype: 'feedCard',
        feedCard: {
          links: [
            { title: 'one', messageURL: URL_A, picURL: PIC },
            { title: 'two', messageURL: 'https://example.com/2', picURL: PIC },
          ],
        },
      },
    ],
  ];
  for (const [name, built, expected] of cases) {
    test(name, async () => {
      assert.deepEqual(built, expected);
      validateMessage(built);
      await robot().send(built);
      assert.deepEqual(wire(), expected);
    });
  }

  test('the Robot shortcuts send the same bodies', async () => {
    const r = robot();
    await r.text('a');
    await r.markdown('T', 'b');
    await r.link({ title: 'T', text: 'c', url: URL_A });
    await r.actionCard({ title: 'T', text: 'd', button: { title: 'B', url: URL_A } });
    await r.feedCard([{ title: 'e', url: URL_A, picUrl: PIC }]);
    assert.deepEqual(
      server.requests.map((r) => (r.body as { msgtype: string }).msgtype),
      ['text', 'markdown', 'link', 'actionCard', 'feedCard'],
    );
    assert.deepEqual(wire(2), { msgtype: 'link', link: { title: 'T', text: 'c', messageUrl: URL_A } });
  });
});

describe('validation: every rule names the field and says how to fix it, before any request', () => {
  const good = {
    text: { msgtype: 'text', text: { content: 'x' } },
    link: { msgtype: 'link', link: { title: 'T', text: 'x', messageUrl: URL_A } },
    single: {
      msgtype: 'actionCard',
      actionCard: { title: 'T', text: 'x', singleTitle: 'B', singleURL: URL_A },
    },
    multi: {
      msgtype: 'actionCard',
      actionCard: { title: 'T', text: 'x', btns: [{ title: 'B', actionURL: URL_A }] },
    },
    feed: { msgtype: 'feedCard', feedCard: { links: [{ title: 'T', messageURL: URL_A, picURL: PIC }] } },
  };
  const card = (fields: Record<string, unknown>) => ({
    msgtype: 'actionCard',
    actionCard: { ...good.multi.actionCard, ...fields },
  });
  const row = (fields: Record<string, unknown>) => ({
    msgtype: 'feedCard',
    feedCard: { links: [{ ...good.feed.feedCard.links[0], ...fields }] },
  });
  const linkWith = (fields: Record<string, unknown>) => ({
    msgtype: 'link',
    link: { ...good.link.link, ...fields },
  });
  const rules: [string, unknown, string, RegExp][] = [
    ['not an object', 'hello', 'message', /text\("hello"\)/],
    ['an array', [], 'message', /Pass a message/],
    ['image is not a webhook type', { msgtype: 'image', image: {} }, 'msgtype', /text, markdown, link/],
    ['no msgtype', { text: { content: 'x' } }, 'msgtype', /Use one of/],
    ['msgUuid not a string', { ...good.text, msgUuid: 42 }, 'msgUuid', /Leave it out/],
    ['msgUuid empty', { ...good.text, msgUuid: '' }, 'msgUuid', /Leave it out/],
    ['at on a link', { ...good.link, at: { isAtAll: true } }, 'at', /text and markdown only/],
    ['at not an object', { ...good.text, at: 'everyone' }, 'at', /atMobiles/],
    ['at.atMobiles not an array', { ...good.text, at: { atMobiles: '138' } }, 'at.atMobiles', /Give a list/],
    [
      'at.atMobiles[1] empty',
      { ...good.text, at: { atMobiles: ['138', ' '] } },
      'at.atMobiles[1]',
      /strings/,
    ],
    ['at.atMobiles[0] a number', { ...good.text, at: { atMobiles: [138] } }, 'at.atMobiles[0]', /strings/],
    ['at.atUserIds not an array', { ...good.text, at: { atUserIds: 'u' } }, 'at.atUserIds', /Give a list/],
    ['at.isAtAll a string', { ...good.text, at: { isAtAll: 'true' } }, 'at.isAtAll', /true or false/],
    ['text object missing', { msgtype: 'text' }, 'text', /text\(\) builder/],
    ['text.content missing', { msgtype: 'text', text: {} }, 'text.content', /required/],
    ['text.content a number', { msgtype: 'text', text: { content: 1 } }, 'text.content', /Pass a string/],
    ['text.content blank', { msgtype: 'text', text: { content: '  ' } }, 'text.content', /Give it some text/],
    [
      'markdown.title empty',
      { msgtype: 'markdown', markdown: { title: '', text: 'x' } },
      'markdown.title',
      /notification/,
    ],
    ['markdown.text missing', { msgtype: 'markdown', markdown: { title: 'T' } }, 'markdown.text', /required/],
    ['link.title missing', linkWith({ title: undefined }), 'link.title', /required/],
    ['link.text empty', linkWith({ text: '' }), 'link.text', /some text/],
    ['link.messageUrl not a URL', linkWith({ messageUrl: 'example.com' }), 'link.messageUrl', /absolute URL/],
    ['link.messageUrl ftp', linkWith({ messageUrl: 'ftp://x/y' }), 'link.messageUrl', /https:\/\//],
    [
      'link.messageURL casing',
      linkWith({ messageUrl: undefined, messageURL: URL_A }),
      'link.messageUrl',
      /required/,
    ],
    ['link.picUrl dingtalk:', linkWith({ picUrl: 'dingtalk://x' }), 'link.picUrl', /https?:\/\//],
    ['actionCard.title blank', card({ title: ' ' }), 'actionCard.title', /notification/],
    ['actionCard.text missing', card({ text: undefined }), 'actionCard.text', /required/],
    ['btnOrientation as a number', card({ btnOrientation: 1 }), 'actionCard.btnOrientation', /"0".*"1"/],
    ['hideAvatar as a boolean', card({ hideAvatar: true }), 'actionCard.hideAvatar', /"0" or "1"/],
    [
      'singleURL without singleTitle',
      { msgtype: 'actionCard', actionCard: { title: 'T', text: 'x', singleURL: URL_A } },
      'actionCard.singleTitle',
      /singleTitle and singleURL/,
    ],
    [
      'singleURL not a URL',
      { msgtype: 'actionCard', actionCard: { ...good.single.actionCard, singleURL: '/relative' } },
      'actionCard.singleURL',
      /absolute URL/,
    ],
    ['btns missing', card({ btns: undefined }), 'actionCard.btns', /singleTitle \+ singleURL/],
    ['btns empty', card({ btns: [] }), 'actionCard.btns', /actionURL/],
    ['btns[0] not an object', card({ btns: ['Open'] }), 'actionCard.btns[0]', /\{ title, actionURL \}/],
    [
      'btns[1].title missing',
      card({ btns: [{ title: 'a', actionURL: URL_A }, { actionURL: URL_A }] }),
      'actionCard.btns[1].title',
      /required/,
    ],
    [
      'btns[0].actionURL javascript:',
      card({ btns: [{ title: 'a', actionURL: 'javascript:alert(1)' }] }),
      'actionCard.btns[0].actionURL',
      /https:\/\//,
    ],
    [
      'btns[0].actionUrl casing',
      card({ btns: [{ title: 'a', actionUrl: URL_A }] }),
      'actionCard.btns[0].actionURL',
      /required/,
    ],
    ['feedCard.links missing', { msgtype: 'feedCard', feedCard: {} }, 'feedCard.links', /messageURL, picURL/],
    [
      'feedCard.links empty',
      { msgtype: 'feedCard', feedCard: { links: [] } },
      'feedCard.links',
      /at least one/,
    ],
    [
      'feedCard.links[0] null',
      { msgtype: 'feedCard', feedCard: { links: [null] } },
      'feedCard.links[0]',
      /Each row/,
    ],
    ['feedCard title empty', row({ title: '' }), 'feedCard.links[0].title', /some text/],
    [
      'feedCard messageUrl casing',
      row({ messageURL: undefined, messageUrl: URL_A }),
      'feedCard.links[0].messageURL',
      /required/,
    ],
    ['feedCard picURL missing', row({ picURL: undefined }), 'feedCard.links[0].picURL', /required/],
    ['feedCard picURL dtmd:', row({ picURL: 'dtmd://x' }), 'feedCard.links[0].picURL', /https?:\/\//],
  ];
  for (const [name, input, field, fix] of rules) {
    test(`${name} → ${field}`, async () => {
      assert.throws(
        () => validateMessage(input),
        (error: unknown) => {
          assert.ok(error instanceof ValidationError, String(error));
          assert.equal(error.field, field);
          assert.equal(error.code, 'VALIDATION');
          assert.ok(error.message.includes(field), error.message);
          assert.match(error.hint, fix);
          assert.ok(error.message.includes(error.hint));
          return true;
        },
      );
      // send() refuses it too, and nothing reaches DingTalk.
      await assert.rejects(robot().send(input as Message), ValidationError);
      assert.equal(server.requests.length, 0);
    });
  }

  test('valid shapes pass: empty picUrl, dingtalk:// and dtmd:// links, single button winning over btns', () => {
    validateMessage(linkWith({ picUrl: '' }));
    validateMessage(linkWith({ messageUrl: 'dingtalk://dingtalkclient/page/link?url=x&pc_slide=false' }));
    validateMessage(
      card({ btns: [{ title: 'say', actionURL: 'dtmd://dingtalkclient/sendMessage?content=hi' }] }),
    );
    validateMessage({ ...good.single, actionCard: { ...good.single.actionCard, btns: [] } });
    for (const message of Object.values(good)) validateMessage(message);
  });
});

describe('mentions', () => {
  test('missing @mobile and @userId are added to a text message, and the at list is kept', async () => {
    await robot().text('deploy failed', { at: { mobiles: ['13800000000'], userIds: ['manager7'] } });
    assert.deepEqual(wire(), {
      msgtype: 'text',
      text: { content: 'deploy failed @13800000000 @manager7' },
      at: { atMobiles: ['13800000000'], atUserIds: ['manager7'] },
    });
  });

  test('markdown gets them on a paragraph of their own', async () => {
    await robot().markdown('T', '### down', { at: { mobiles: ['13800000000'] } });
    assert.equal((wire() as { markdown: { text: string } }).markdown.text, '### down\n\n@13800000000');
  });

  test('a mention already in the text is not repeated', async () => {
    await robot().text('@13800000000 look', { at: { mobiles: ['13800000000'] } });
    assert.equal((wire() as { text: { content: string } }).text.content, '@13800000000 look');
  });

  test('@user12 in the text does not count as @user1', async () => {
    await robot().text('cc @user12', { at: { userIds: ['user1', 'user12'] } });
    assert.equal((wire() as { text: { content: string } }).text.content, 'cc @user12 @user1');
  });

  test('isAtAll alone changes no text', async () => {
    await robot().text('all hands', { at: { all: true } });
    assert.deepEqual(wire(), { msgtype: 'text', text: { content: 'all hands' }, at: { isAtAll: true } });
  });

  test('insertMentions: false sends the text as given', async () => {
    await robot({ insertMentions: false }).text('deploy failed', { at: { mobiles: ['13800000000'] } });
    assert.equal((wire() as { text: { content: string } }).text.content, 'deploy failed');
  });
});

describe('keywords', () => {
  type Case = [string, Message, (m: Shown) => string];
  const kinds: Case[] = [
    ['text', text('disk full'), (m) => m.text.content],
    ['markdown', markdown('Disk', 'disk full'), (m) => m.markdown.text],
    ['link', link({ title: 'Disk', text: 'disk full', url: URL_A }), (m) => m.link.text],
    [
      'actionCard',
      actionCard({ title: 'Disk', text: 'disk full', button: { title: 'Open', url: URL_A } }),
      (m) => m.actionCard.text,
    ],
    [
      'feedCard',
      feedCard([{ title: 'disk full', url: URL_A, picUrl: PIC }]),
      (m) => m.feedCard.links[0]!.title,
    ],
  ];
  for (const [kind, message, field] of kinds) {
    test(`${kind}: the first keyword is added at the end by default, or at the start`, async () => {
      await robot({ keywords: ['告警', 'alert'] }).send(message);
      const end = field(shown());
      assert.ok(end.startsWith('disk full') && end.endsWith('告警'), end);
      await robot({ keywords: ['告警', 'alert'], keywordPlacement: 'start' }).send(message);
      const start = field(shown(1));
      assert.ok(start.startsWith('告警') && start.endsWith('disk full'), start);
    });
  }

  test('exact separators: text on its own line, markdown in its own paragraph', async () => {
    await robot({ keywords: ['alert'] }).text('disk full');
    assert.equal(shown().text.content, 'disk full\nalert');
    await robot({ keywords: ['alert'] }).markdown('Disk', 'disk full');
    assert.equal(shown(1).markdown.text, 'disk full\n\nalert');
  });

  test('nothing is added when any keyword is already present (case-sensitive)', async () => {
    const r = robot({ keywords: ['告警', 'alert'] });
    await r.text('an alert: disk full');
    assert.equal(shown().text.content, 'an alert: disk full');
    await r.markdown('告警', 'disk full');
    assert.equal(shown(1).markdown.text, 'disk full', 'a keyword in the title counts');
    await r.text('an ALERT');
    assert.equal(shown(2).text.content, 'an ALERT\n告警', 'keywords are case-sensitive');
  });

  test('mentions and keyword together', async () => {
    await robot({ keywords: ['alert'] }).text('down', { at: { mobiles: ['13800000000'] } });
    const content = shown().text.content as string;
    assert.ok(content.includes('@13800000000') && content.includes('alert'), content);
  });
});

describe('the 20000-byte limit (UTF-8 bytes of the body as posted)', () => {
  const LIMIT = 20_000;
  const MSG_UUID = '00000000-0000-4000-8000-000000000000';
  const fillers = fc.constantFrom('a', 'é', '中', '😀', '"', '\\', '\n', '\u0001');
  const builders: [string, (filler: string) => Message][] = [
    ['link', (s) => link({ title: 'T', text: s, url: URL_A })],
    ['actionCard', (s) => actionCard({ title: 'T', text: s, button: { title: 'B', url: URL_A } })],
    ['feedCard', (s) => feedCard([{ title: s, url: URL_A, picUrl: PIC }])],
  ];

  /** A message whose body, as JSON with the msgUuid, is `target` UTF-8 bytes (counted by Node, not dingbot). */
  function sized(
    build: (s: string) => Message,
    unit: string,
    tail: string,
    target: number,
  ): Message | undefined {
    const bytesOf = (s: string) =>
      Buffer.byteLength(JSON.stringify({ ...build(s), msgUuid: MSG_UUID }), 'utf8');
    const base = bytesOf(`x${tail}`);
    const unitBytes = bytesOf(`x${unit}${tail}`) - base;
    const count = Math.floor((target - base) / unitBytes);
    if (count < 0) return undefined;
    let filler = `x${unit.repeat(count)}${tail}`;
    filler += 'a'.repeat(target - bytesOf(filler));
    const message = { ...build(filler), msgUuid: MSG_UUID };
    assert.equal(bytesOf(filler), target);
    return message;
  }

  /** Sends `message` and checks the outcome against DingTalk's limit on the body as the server got it. */
  async function checkLimit(message: Message, target: number): Promise<void> {
    server.reset();
    const outcome = await robot()
      .send(message)
      .then(
        () => 'sent' as const,
        (e: unknown) => e,
      );
    if (target > LIMIT) {
      assert.ok(outcome instanceof MessageTooLongError, `${target} bytes: ${String(outcome)}`);
      assert.equal(outcome.limit, LIMIT);
      assert.equal(server.requests.length, 0, 'nothing reached the server');
    } else {
      assert.equal(outcome, 'sent', `${target} bytes were refused: ${String(outcome)}`);
      assert.equal(server.requests[0]!.rawBody.length, target);
    }
  }

  const property = (build: (s: string) => Message, offsets: fc.Arbitrary<number>) =>
    fc.asyncProperty(
      fillers,
      fc.string({ unit: 'binary', maxLength: 6 }),
      offsets,
      async (unit, tail, offset) => {
        const message = sized(build, unit, tail, LIMIT + offset);
        if (message) await checkLimit(message, LIMIT + offset);
      },
    );

  for (const [kind, build] of builders) {
    test(`${kind}: clearly over ${LIMIT} bytes is refused before any request; clearly under is sent`, async () => {
      const offsets = fc.oneof(fc.integer({ min: -40, max: -10 }), fc.integer({ min: 1, max: 40 }));
      await fc.assert(property(build, offsets), { numRuns: 40 });
    });

    // The boundary itself: the msgUuid field (`,"msgUuid":"<36 chars>"`, 49 bytes) must be measured exactly.
    test(`${kind}: exactly at the limit is sent, one byte over is refused`, async () => {
      await fc.assert(property(build, fc.integer({ min: -3, max: 3 })), { numRuns: 40 });
    });
  }

  // A caller's own msgUuid is part of the body DingTalk measures.
  test('a caller’s long msgUuid counts towards the limit', async () => {
    const message = {
      ...link({ title: 'T', text: 'a'.repeat(19_800), url: URL_A }),
      msgUuid: 'u'.repeat(300),
    };
    await checkLimit(message, Buffer.byteLength(JSON.stringify(message)));
  });

  test('the hint of a card says it cannot be split', async () => {
    const message = link({ title: 'T', text: '中'.repeat(7000), url: URL_A });
    const error = await robot()
      .send(message)
      .catch((e: unknown) => e);
    assert.ok(error instanceof MessageTooLongError);
    assert.ok(isDingbotError(error));
    assert.match(error.hint, /Shorten/);
    assert.equal(server.requests.length, 0);
  });

  test('utf8Length counts like TextEncoder for any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), (a, b) => {
        assert.equal(utf8Length(a), Buffer.byteLength(a, 'utf8'));
        assert.equal(utf8Length(b), new TextEncoder().encode(b).length);
      }),
    );
    // Lone surrogates are written as U+FFFD (3 bytes) by every UTF-8 encoder.
    assert.equal(utf8Length('\ud800x\udc00'), new TextEncoder().encode('\ud800x\udc00').length);
  });
});
