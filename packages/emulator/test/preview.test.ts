/**
 * The preview page without a browser: the markdown-subset parser, the renderer on a fake DOM, the
 * served script, and the security headers.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import vm from 'node:vm';
import fc from 'fast-check';
import { Hono } from 'hono';
import {
  type BlockNode,
  createMarkdownSubset,
  createRenderer,
  type InlineNode,
  type MiniDocument,
  type MiniElement,
  mountPreview,
  previewCsp,
  previewJs,
} from '../src/preview/index.js';
import { assertLinear } from './helpers.js';

const md = createMarkdownSubset();
type Node = BlockNode | InlineNode | { type: 'li'; children: InlineNode[]; depth: number };

const parse = (text: string) => md.parse(text).nodes;

/** Every node of a tree, depth first. */
function walk(nodes: readonly Node[]): Node[] {
  return nodes.flatMap((node) =>
    ['children' in node ? [node, ...walk(node.children as Node[])] : [node]].flat(),
  );
}

/** The visible text of a tree (`br` as a newline). */
function textOf(nodes: readonly Node[]): string {
  return nodes
    .map((node) => {
      if (node.type === 'text' || node.type === 'raw') return node.text;
      if (node.type === 'br') return '\n';
      if (node.type === 'img') return node.alt;
      return 'children' in node ? textOf(node.children as Node[]) : '';
    })
    .join('');
}

/** Everything the writer wrote that is not markup: text, raw, link targets, image alts, font colours. */
function sourceOf(nodes: readonly Node[]): string {
  return nodes
    .map((node) => {
      switch (node.type) {
        case 'text':
        case 'raw':
          return node.text;
        case 'a':
          return sourceOf(node.children) + node.url;
        case 'img':
          return node.alt + node.url;
        case 'font':
          return node.spec + sourceOf(node.children);
        case 'br':
          return '';
        default:
          return sourceOf(node.children as Node[]);
      }
    })
    .join('');
}

describe('markdown subset: supported constructs', () => {
  test('headings # to ######, not 7 hashes, not without a space', () => {
    for (let level = 1; level <= 6; level++) {
      assert.deepEqual(parse(`${'#'.repeat(level)} Title ${level}`), [
        { type: 'h', level, children: [{ type: 'text', text: `Title ${level}` }] },
      ]);
    }
    assert.equal(parse('####### seven')[0]?.type, 'p');
    assert.equal(parse('#hashtag')[0]?.type, 'p');
    assert.deepEqual(parse('## closed ##'), [
      { type: 'h', level: 2, children: [{ type: 'text', text: 'closed' }] },
    ]);
  });

  test('a single newline joins lines, two trailing spaces break, a blank line starts a paragraph', () => {
    assert.deepEqual(parse('one\ntwo  \nthree\n\nfour'), [
      {
        type: 'p',
        children: [{ type: 'text', text: 'one two' }, { type: 'br' }, { type: 'text', text: 'three' }],
      },
      { type: 'p', children: [{ type: 'text', text: 'four' }] },
    ]);
    assert.deepEqual(parse('crlf\r\nline'), [{ type: 'p', children: [{ type: 'text', text: 'crlf line' }] }]);
  });

  test('bold, italic, nested', () => {
    assert.deepEqual(parse('**bold** and *italic* and **a *b* c**')[0], {
      type: 'p',
      children: [
        { type: 'strong', children: [{ type: 'text', text: 'bold' }] },
        { type: 'text', text: ' and ' },
        { type: 'em', children: [{ type: 'text', text: 'italic' }] },
        { type: 'text', text: ' and ' },
        {
          type: 'strong',
          children: [
            { type: 'text', text: 'a ' },
            { type: 'em', children: [{ type: 'text', text: 'b' }] },
            { type: 'text', text: ' c' },
          ],
        },
      ],
    });
    assert.deepEqual(parse('2 * 3 * 4'), [{ type: 'p', children: [{ type: 'text', text: '2 * 3 * 4' }] }]);
    assert.deepEqual(parse('** not bold**'), [
      { type: 'p', children: [{ type: 'text', text: '** not bold**' }] },
    ]);
  });

  test('links and images, with sanitised targets', () => {
    const [paragraph] = parse('[docs](https://example.com/a_(b)) ![chart](http://img.example/c.png "Chart")');
    assert.deepEqual(paragraph, {
      type: 'p',
      children: [
        {
          type: 'a',
          href: 'https://example.com/a_(b)',
          url: 'https://example.com/a_(b)',
          kind: 'web',
          children: [{ type: 'text', text: 'docs' }],
        },
        { type: 'text', text: ' ' },
        {
          type: 'img',
          src: 'http://img.example/c.png',
          url: 'http://img.example/c.png "Chart"',
          alt: 'chart',
        },
      ],
    });
    // An image inside a link label stays an image; a link inside a link does not nest.
    const nested = walk(parse('[![i](https://x.test/i.png) [inner](https://x.test/2)](https://x.test/1)'));
    assert.equal(nested.filter((node) => node.type === 'img').length, 1);
  });

  test('quotes, lists and ordered lists with their start', () => {
    assert.deepEqual(parse('> quoted **text**\n> more'), [
      {
        type: 'quote',
        children: [
          {
            type: 'p',
            children: [
              { type: 'text', text: 'quoted ' },
              { type: 'strong', children: [{ type: 'text', text: 'text' }] },
              { type: 'text', text: ' more' },
            ],
          },
        ],
      },
    ]);
    assert.deepEqual(parse('- a\n- b\ncontinued\n\n3. three\n4. four'), [
      {
        type: 'ul',
        children: [
          { type: 'li', children: [{ type: 'text', text: 'a' }], depth: 0 },
          { type: 'li', children: [{ type: 'text', text: 'b continued' }], depth: 0 },
        ],
      },
      {
        type: 'ol',
        start: 3,
        children: [
          { type: 'li', children: [{ type: 'text', text: 'three' }], depth: 0 },
          { type: 'li', children: [{ type: 'text', text: 'four' }], depth: 0 },
        ],
      },
    ]);
  });

  test('backslash escapes show the character itself and start nothing, as on DingTalk', () => {
    const texts = (source: string) => parse(source);
    assert.deepEqual(texts('feature/\\*fast\\*\\_path'), [
      { type: 'p', children: [{ type: 'text', text: 'feature/*fast*_path' }] },
    ]);
    assert.deepEqual(texts('\\# not a heading'), [
      { type: 'p', children: [{ type: 'text', text: '# not a heading' }] },
    ]);
    assert.deepEqual(texts('1\\. not a list'), [
      { type: 'p', children: [{ type: 'text', text: '1. not a list' }] },
    ]);
    assert.deepEqual(texts('\\- not a bullet'), [
      { type: 'p', children: [{ type: 'text', text: '- not a bullet' }] },
    ]);
    assert.deepEqual(texts('\\[x\\](https://a.example)'), [
      { type: 'p', children: [{ type: 'text', text: '[x](https://a.example)' }] },
    ]);
    // An escaped star is no closer; an escaped backslash is a backslash and escapes nothing.
    assert.deepEqual(texts('*a\\*b*'), [
      { type: 'p', children: [{ type: 'em', children: [{ type: 'text', text: 'a*b' }] }] },
    ]);
    assert.deepEqual(texts('C:\\\\*x*'), [
      {
        type: 'p',
        children: [
          { type: 'text', text: 'C:\\' },
          { type: 'em', children: [{ type: 'text', text: 'x' }] },
        ],
      },
    ]);
    // Before anything but ASCII punctuation a backslash is itself.
    assert.deepEqual(texts('C:\\Users \\中'), [
      { type: 'p', children: [{ type: 'text', text: 'C:\\Users \\中' }] },
    ]);
    assert.deepEqual(texts('\\<font color=red>x\\</font>'), [
      { type: 'p', children: [{ type: 'text', text: '<font color=red>x</font>' }] },
    ]);
  });

  test('HTML entities are decoded to text, never to markup', () => {
    assert.deepEqual(parse('&lt;b&gt;bold&lt;/b&gt; &amp;lt; &#42;a&#42; &#x2A;b&#X2a; &quot;&apos;'), [
      { type: 'p', children: [{ type: 'text', text: '<b>bold</b> &lt; *a* *b* "\'' }] },
    ]);
    // Unknown names and malformed ones stay as typed; bad code points become U+FFFD.
    assert.deepEqual(parse('&copy; &#; &# 1; &#0; &#x110000;'), [
      { type: 'p', children: [{ type: 'text', text: '&copy; &#; &# 1; \ufffd \ufffd' }] },
    ]);
    assert.deepEqual(md.parse('&lt;font color=red&gt;x&lt;/font&gt;').warnings, []);
  });

  test('a nested list item keeps its level and the message is badged for it', () => {
    const parsed = md.parse('- parent\n  - child\n    - grandchild\n- sibling\n1. one\n   - under one');
    const items = walk(parsed.nodes).filter((node) => node.type === 'li');
    assert.deepEqual(
      items.map((item) => (item.type === 'li' ? item.depth : -1)),
      [0, 1, 2, 0, 0, 1],
    );
    assert.deepEqual(parsed.warnings, ['nested list']);
    assert.deepEqual(md.parse('- a\n- b\n\n1. c').warnings, []);
    // Another block in between starts over: an indented list after a paragraph is not nested.
    assert.deepEqual(md.parse('- a\n\ntext\n\n  - b').warnings, []);
  });

  test('<font color> with the allow-list; other attributes ignored', () => {
    const fonts = (text: string) => walk(parse(text)).filter((node) => node.type === 'font');
    assert.deepEqual(fonts('<font color=#FF0000>red</font>')[0], {
      type: 'font',
      color: '#ff0000',
      spec: '#FF0000',
      children: [{ type: 'text', text: 'red' }],
    });
    for (const ok of ['red', 'Blue', '#abc', "'green'"]) {
      const [font] = fonts(`<font color=${ok}>x</font>`);
      assert.ok(font?.type === 'font' && font.color !== null, ok);
    }
    for (const bad of [
      '"red;background:url(x)"',
      'expression(alert(1))',
      '#ff00001',
      '"rgb(1,2,3)"',
      'url(x)',
    ]) {
      const [font] = fonts(`<font color=${bad}>x</font>`);
      assert.ok(font?.type === 'font' && font.color === null, bad);
    }
    assert.equal(textOf(parse('<font color=red><font color=blue>in</font>out</font>')), 'inout');
  });
});

describe('markdown subset: what DingTalk will not render is shown raw, with a warning', () => {
  const cases: [string, string, string][] = [
    ['table', '| a | b |\n|---|:-:|\n| 1 | 2 |', '| a | b |\n|---|:-:|\n| 1 | 2 |'],
    ['code block', '```js\nalert(1)\n```', '```js\nalert(1)\n```'],
    ['code block', '~~~\nunterminated', '~~~\nunterminated'],
    ['horizontal rule', '---', '---'],
    ['horizontal rule', '* * *', '* * *'],
    ['strikethrough', '~~gone~~', '~~gone~~'],
    ['inline code', 'run `npm test`', '`npm test`'],
    ['HTML <script>', '<script>alert(1)</script>', '<script>'],
    ['HTML <img>', '<img src=x onerror=alert(1)>', '<img src=x onerror=alert(1)>'],
    ['HTML <br>', 'a<br>b', '<br>'],
    ['HTML <!-->', '<!-- hidden -->', '<!-- hidden -->'],
    ['unclosed <font>', '<font color=red>never closed', '<font color=red>'],
  ];
  for (const [reason, input, raw] of cases) {
    test(`${reason}: ${JSON.stringify(input)}`, () => {
      const parsed = md.parse(input);
      assert.ok(parsed.warnings.includes(reason), `warnings ${JSON.stringify(parsed.warnings)}`);
      const raws = walk(parsed.nodes).filter((node) => node.type === 'raw');
      assert.ok(
        raws.some((node) => node.type === 'raw' && node.text === raw && node.reason === reason),
        JSON.stringify(raws),
      );
      // Nothing is lost: the raw text is all there.
      assert.equal(textOf(parsed.nodes).replace(/\s+/g, ''), input.replace(/\s+/g, ''));
    });
  }

  test('supported markdown gives no warnings', () => {
    assert.deepEqual(
      md.parse('# t\n> q\n- a\n1. b\n**c** *d* [e](https://f.test) ![g](https://h.test/i.png)').warnings,
      [],
    );
  });
});

describe('URL and colour sanitising', () => {
  test('only absolute http(s) URLs are clickable or loaded', () => {
    for (const url of ['https://example.com/x?y=1#z', 'http://127.0.0.1:8080/', 'HTTPS://EXAMPLE.COM']) {
      assert.match(md.safeUrl(url) ?? '', /^https?:\/\//, url);
    }
    const hostile = [
      'javascript:alert(1)',
      'JavaScript:alert(1)',
      ' javascript:alert(1)',
      'java\tscript:alert(1)',
      'java\nscript:alert(1)',
      '\u0001javascript:alert(1)',
      'vbscript:msgbox(1)',
      'data:text/html,<script>alert(1)</script>',
      'file:///etc/passwd',
      '//evil.example/x',
      '/relative',
      'https:',
      'http://',
      '',
    ];
    for (const url of hostile) assert.equal(md.safeUrl(url), null, JSON.stringify(url));
    for (const value of [null, undefined, 42, {}, ['https://x.test']]) assert.equal(md.safeUrl(value), null);
  });

  test('DingTalk client schemes are recognised but never clickable', () => {
    assert.equal(
      md.linkKind('dingtalk://dingtalkclient/page/link?url=https%3A%2F%2Fx.test&pc_slide=false'),
      'dingtalk',
    );
    assert.equal(md.linkKind('dtmd://dingtalkclient/sendMessage?content=hi'), 'dtmd');
    assert.equal(md.linkKind('javascript:alert(1)'), 'blocked');
    const [link] = walk(parse('[send](dtmd://dingtalkclient/sendMessage?content=hi)')).filter(
      (n) => n.type === 'a',
    );
    assert.ok(link?.type === 'a' && link.href === null && link.kind === 'dtmd');
  });

  test('colours: #rgb, #rrggbb and named ones only', () => {
    assert.equal(md.safeColor('#F00'), '#f00');
    assert.equal(md.safeColor(' red '), 'red');
    for (const bad of ['#ff', 'red;x:y', 'currentColor', 'var(--x)', 'inherit', '', 7])
      assert.equal(md.safeColor(bad), null);
  });
});

describe('markdown subset: hostile and open-ended input', () => {
  test('never throws, and parse time grows linearly on pathological input', () => {
    // [pattern, repeats]: each is parsed whole (it must not throw), and its parse time at a tenth of
    // the size is compared with the full size in this same run. Linear work grows about 10×,
    // quadratic work 100×; no wall-clock budget, so a loaded machine cannot fail it.
    const patterns: [string, number][] = [
      ['*a', 20_000],
      ['**', 20_000],
      ['[a', 20_000],
      ['[]((', 10_000],
      ['![x](', 10_000],
      ['<font color=red>', 5000],
      ['>', 20_000],
      ['> ', 10_000],
      ['`', 20_000],
      ['~', 20_000],
      ['- ', 10_000],
      ['  - ', 10_000],
      ['|\n|-|\n', 5000],
      ['#', 20_000],
      ['\n', 50_000],
      ['<', 50_000],
      ['&', 50_000],
      ['&amp;', 10_000],
      ['\\', 50_000],
      ['x', 90_000],
    ];
    for (const [pattern, repeats] of patterns) {
      md.parse(pattern.repeat(repeats));
      assertLinear((n) => md.parse(pattern.repeat(n)), repeats / 10, JSON.stringify(pattern));
    }
    assertLinear((n) => md.parse('<font>'.repeat(n) + '</font>'.repeat(n)), 300, 'nested <font>');
    for (const input of ['>'.repeat(20_000) + ' deep', 'x'.repeat(200_000)]) md.parse(input);
    assert.deepEqual(md.parse(undefined), { nodes: [], warnings: [] });
    assert.deepEqual(md.parse({ toString: () => '# x' }), { nodes: [], warnings: [] });
  });

  test('property: for any input, no node has a non-http(s) href/src or an unlisted colour', () => {
    const markupish = fc.array(
      fc.oneof(
        fc.string({ unit: 'grapheme-composite' }),
        fc.constantFrom(
          '[',
          '](',
          '![',
          ')',
          '<font color=',
          '>',
          '</font>',
          'javascript:',
          'http://',
          'https:',
          'dtmd://',
          ' ',
          '\n',
          '\t',
          '"',
          "'",
          '#',
          '**',
          '*',
        ),
      ),
      { maxLength: 40 },
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary' }),
          markupish.map((parts) => parts.join('')),
        ),
        (input) => {
          for (const node of walk(md.parse(input).nodes)) {
            if (node.type === 'a' && node.href !== null)
              assert.match(new URL(node.href).protocol, /^https?:$/);
            if (node.type === 'img' && node.src !== null)
              assert.match(new URL(node.src).protocol, /^https?:$/);
            if (node.type === 'font' && node.color !== null)
              assert.equal(md.safeColor(node.color), node.color);
            if (node.type === 'h') assert.ok(node.level >= 1 && node.level <= 6);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  test('property: every non-markup character survives, in order', () => {
    // Plain characters come from alphabets no markup uses, so they can be traced through the tree.
    const plain = fc.string({
      unit: fc.constantFrom('α', 'β', 'γ', '钉', '群', '😀'),
      minLength: 1,
      maxLength: 6,
    });
    const markup = fc.constantFrom(
      '**',
      '*',
      '[',
      ']',
      '(',
      ')',
      '![',
      '](',
      '# ',
      '### ',
      '> ',
      '- ',
      '1. ',
      '\n',
      '\n\n',
      '  \n',
      ' ',
      '`',
      '```',
      '~~',
      '|',
      '|---|',
      '---',
      '<font color=red>',
      '<font color=bogus>',
      '</font>',
      '<div>',
      '<',
      'https://x.test/',
      'javascript:',
      '\r\n',
      '\t',
      '\\',
      '_',
    );
    const only = (value: string) =>
      Array.from(value)
        .filter((c) => /[αβγ钉群😀]/u.test(c))
        .join('');
    fc.assert(
      fc.property(fc.array(fc.oneof(plain, markup), { maxLength: 60 }), (parts) => {
        const input = parts.join('');
        assert.equal(only(sourceOf(md.parse(input).nodes)), only(input));
      }),
      { numRuns: 1000 },
    );
  });
});

// ---- the renderer, on a fake DOM ------------------------------------------------------------------

const ALLOWED_TAGS = new Set([
  'article',
  'div',
  'span',
  'p',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'blockquote',
  'ul',
  'ol',
  'li',
  'strong',
  'em',
  'a',
  'img',
  'br',
  'pre',
  'time',
  'code',
  'button',
  'dl',
  'dt',
  'dd',
]);
const ALLOWED_ATTRIBUTES = new Set([
  'class',
  'href',
  'target',
  'rel',
  'src',
  'alt',
  'title',
  'loading',
  'referrerpolicy',
  'datetime',
  'start',
  'data-robot',
  'data-id',
  'aria-hidden',
  'type',
  'data-msgid',
  'aria-expanded',
]);

class FakeText {
  constructor(readonly text: string) {}
}
class FakeElement implements MiniElement {
  readonly attributes = new Map<string, string>();
  readonly children: (FakeElement | FakeText)[] = [];
  readonly styles = new Map<string, string>();
  readonly style = { setProperty: (name: string, value: string) => void this.styles.set(name, value) };
  constructor(readonly tag: string) {}
  setAttribute(name: string, value: string): void {
    assert.equal(typeof value, 'string');
    this.attributes.set(name, value);
  }
  appendChild(child: object): unknown {
    assert.ok(child instanceof FakeElement || child instanceof FakeText);
    this.children.push(child);
    return child;
  }
  get text(): string {
    return this.children.map((child) => (child instanceof FakeText ? child.text : child.text)).join('');
  }
  all(): FakeElement[] {
    return this.children.flatMap((child) => (child instanceof FakeElement ? [child, ...child.all()] : []));
  }
  find(className: string): FakeElement[] {
    return this.all().filter((element) =>
      (element.attributes.get('class') ?? '').split(' ').includes(className),
    );
  }
  one(className: string): FakeElement {
    const [found] = this.find(className);
    assert.ok(found, `no .${className}`);
    return found;
  }
}
const fakeDocument: MiniDocument = {
  createElement: (tag) => new FakeElement(tag),
  createTextNode: (text) => new FakeText(text),
};
const renderer = createRenderer(md, fakeDocument);
const renderMessage = (record: unknown) => renderer.renderMessage(record) as FakeElement;

const noMentions = { mobiles: [], userIds: [], all: false, missing: { mobiles: [], userIds: [] } };
const message = (msgtype: string, payload: object, mentions: object = noMentions) => ({
  id: 7,
  robot: 'ops',
  receivedAt: Date.UTC(2025, 0, 1, 12, 30, 5),
  msgtype,
  payload: { msgtype, ...payload },
  bytes: 100,
  mentions,
});

/** Asserts the safety invariants of a rendered subtree. */
function assertSafe(root: FakeElement): void {
  for (const element of [root, ...root.all()]) {
    assert.ok(ALLOWED_TAGS.has(element.tag), `tag ${element.tag}`);
    for (const [name, value] of element.attributes) {
      assert.ok(ALLOWED_ATTRIBUTES.has(name), `attribute ${name}`);
      if (name === 'href' || name === 'src') assert.match(new URL(value).protocol, /^https?:$/, value);
      if (name === 'target') assert.equal(value, '_blank');
    }
    if (element.attributes.has('href')) assert.equal(element.attributes.get('rel'), 'noopener noreferrer');
    for (const [name, value] of element.styles) {
      assert.equal(name, 'color');
      assert.equal(md.safeColor(value), value);
    }
  }
}

describe('renderer', () => {
  test('text: real mentions highlighted, URLs linked, missing ones noted', () => {
    const item = renderMessage(
      message(
        'text',
        { text: { content: '@13800000000 and @lilei: see https://x.test/a, @13900000000 too' } },
        {
          mobiles: ['13800000000'],
          userIds: ['lilei'],
          all: false,
          missing: { mobiles: ['13700000000'], userIds: [] },
        },
      ),
    );
    assertSafe(item);
    const bubble = item.one('bubble');
    assert.deepEqual(
      bubble.find('mention').map((m) => m.text),
      ['@13800000000', '@lilei'],
    );
    assert.equal(bubble.text, '@13800000000 and @lilei: see https://x.test/a, @13900000000 too');
    assert.equal(bubble.find('md-link')[0]?.attributes.get('href'), 'https://x.test/a');
    assert.match(item.one('note-missing').text, /listed in at but not in the text: won't ping @13700000000/);
    assert.equal(item.one('robot-name').text, 'ops');
  });

  test('isAtAll given as a string is noted: the emulator does not @all for it', () => {
    const item = renderMessage(message('text', { text: { content: 'everyone' }, at: { isAtAll: 'true' } }));
    assert.match(item.one('note-missing').text, /isAtAll is "true", not true: nobody is @all-ed/);
    const boolean = renderMessage(message('text', { text: { content: 'x' }, at: { isAtAll: false } }));
    assert.equal(boolean.find('note-missing').length, 0);
  });

  test('a nested list item is drawn indented and badged', () => {
    const item = renderMessage(message('markdown', { markdown: { title: 't', text: '- a\n  - b' } }));
    assert.deepEqual(
      item
        .one('bubble')
        .find('md-nested')
        .map((li) => li.attributes.get('class')),
      ['md-nested md-depth-1'],
    );
    assert.equal(item.one('warn-badge').text, 'DingTalk may draw it flat (undocumented): nested list');
  });

  test('markdown: title in the notification line only; warnings as badges', () => {
    const item = renderMessage(
      message('markdown', { markdown: { title: 'Secret title', text: '# Hi\n\n| a |\n|---|' } }),
    );
    assertSafe(item);
    assert.match(item.one('notify').text, /^notificationSecret title$/);
    assert.doesNotMatch(item.one('bubble').text, /Secret title/);
    assert.equal(item.one('bubble').all()[0]?.tag, 'h1');
    assert.deepEqual(
      item.find('warn-badge').map((badge) => badge.text),
      ["DingTalk won't render: table"],
    );
  });

  test('action cards: orientation, the single button winning, titles in the notification', () => {
    const multi = (btnOrientation: unknown) =>
      renderMessage(
        message('actionCard', {
          actionCard: {
            title: 'T',
            text: '**x**',
            btnOrientation,
            btns: [
              { title: 'A', actionURL: 'https://a.test' },
              { title: 'B', actionURL: 'javascript:alert(1)' },
            ],
          },
        }),
      );
    assert.ok(multi('1').one('btns').attributes.get('class')?.includes('horizontal'));
    assert.ok(multi(1).one('btns').attributes.get('class')?.includes('horizontal'));
    assert.ok(multi('0').one('btns').attributes.get('class')?.includes('vertical'));
    const buttons = multi('0').find('btn');
    assert.deepEqual(
      buttons.map((b) => [b.tag, b.text, b.attributes.get('href')]),
      [
        ['a', 'A', 'https://a.test/'],
        ['span', 'B', undefined],
      ],
    );
    assert.match(buttons[1]?.attributes.get('title') ?? '', /blocked: not an http\(s\) URL/);
    const single = renderMessage(
      message('actionCard', {
        actionCard: {
          title: 'T',
          text: 't',
          singleTitle: 'Read',
          singleURL: 'https://r.test/',
          btns: [{ title: 'ignored', actionURL: 'https://i.test' }],
        },
      }),
    );
    assertSafe(single);
    assert.deepEqual(
      single.find('btn').map((b) => b.attributes.get('href')),
      ['https://r.test/'],
    );
    assert.equal(single.one('notify').text, 'notificationT');
  });

  test('link and feed cards', () => {
    const link = renderMessage(
      message('link', {
        link: { title: 'L', text: 'body', messageUrl: 'https://l.test/', picUrl: 'https://p.test/i.png' },
      }),
    );
    assertSafe(link);
    const card = link.one('link-card');
    assert.equal(card.tag, 'a');
    assert.equal(card.attributes.get('href'), 'https://l.test/');
    assert.equal(card.one('link-pic').attributes.get('src'), 'https://p.test/i.png');
    const feed = renderMessage(
      message('feedCard', {
        feedCard: {
          links: [
            { title: 'one', messageURL: 'https://1.test/', picURL: 'https://1.test/p.png' },
            {
              title: 'two',
              messageURL: 'dingtalk://dingtalkclient/page/link?url=x',
              picURL: 'https://2.test/p.png',
            },
          ],
        },
      }),
    );
    assertSafe(feed);
    const rows = feed.find('feed-row');
    assert.deepEqual(
      rows.map((row) => [row.tag, row.one('feed-title').text]),
      [
        ['a', 'one'],
        ['div', 'two'],
      ],
    );
    assert.match(rows[1]?.attributes.get('title') ?? '', /DingTalk client link/);
  });

  test('refused attempts', () => {
    const line = renderer.renderAttempt({
      id: 3,
      robot: null,
      receivedAt: 0,
      errcode: 310000,
      errmsg: 'keywords not in content',
      explanation: 'Add a keyword.',
    }) as FakeElement;
    assertSafe(line);
    assert.equal(line.one('errcode').text, 'errcode 310000');
    assert.equal(line.one('errmsg').text, 'keywords not in content');
    assert.equal(line.one('explanation').text, 'Add a keyword.');
    assert.equal(line.one('refused-robot').text, 'unknown token');
  });

  test('property: any record renders without throwing and only safe markup', () => {
    const hostileString = fc.oneof(
      fc.string(),
      fc.constantFrom(
        'javascript:alert(1)',
        '<script>alert(1)</script>',
        '<img src=x onerror=alert(1)>',
        '[x](javascript:alert(1))',
        '![x](javascript:alert(1))',
        '<font color="red;background:url(javascript:1)">x</font>',
        'https://ok.test/',
        'dtmd://dingtalkclient/sendMessage?content=x',
      ),
    );
    const value = fc.oneof(hostileString, fc.anything());
    const body = fc.dictionary(
      fc.constantFrom(
        'title',
        'text',
        'content',
        'messageUrl',
        'picUrl',
        'singleTitle',
        'singleURL',
        'btns',
        'links',
        'btnOrientation',
        'hideAvatar',
      ),
      fc.oneof(
        value,
        fc.array(fc.dictionary(fc.constantFrom('title', 'actionURL', 'messageURL', 'picURL'), value)),
      ),
    );
    const record = fc.record({
      id: fc.oneof(fc.nat(), fc.anything()),
      robot: value,
      receivedAt: fc.oneof(fc.integer(), fc.double(), fc.anything()),
      msgtype: fc.oneof(fc.constantFrom('text', 'markdown', 'link', 'actionCard', 'feedCard'), fc.string()),
      payload: fc.oneof(
        fc.record({ text: body, markdown: body, link: body, actionCard: body, feedCard: body }),
        fc.anything(),
      ),
      mentions: fc.oneof(
        fc.record({
          mobiles: fc.array(value),
          userIds: fc.array(value),
          all: fc.anything(),
          missing: fc.oneof(fc.record({ mobiles: fc.array(value), userIds: fc.array(value) }), fc.anything()),
        }),
        fc.anything(),
      ),
    });
    fc.assert(
      fc.property(fc.oneof(record, fc.anything()), (input) => {
        assertSafe(renderMessage(input));
        assertSafe(renderer.renderAttempt(input) as FakeElement);
      }),
      { numRuns: 500 },
    );
    const chat = fc.record({
      id: value,
      msgId: value,
      robot: value,
      text: value,
      createdAt: value,
      direct: fc.anything(),
      pending: fc.anything(),
      ackedAt: value,
      message: fc.oneof(
        fc.record({ senderNick: value, conversationTitle: value, sessionWebhook: value }),
        fc.anything(),
      ),
      deliveries: fc.array(
        fc.oneof(
          fc.record({ at: value, transport: value, reason: value, status: value, body: value, error: value }),
          fc.anything(),
        ),
      ),
      acks: fc.array(fc.oneof(fc.record({ code: value, withheld: fc.anything() }), fc.anything())),
      replies: fc.array(value),
    });
    fc.assert(
      fc.property(fc.oneof(chat, fc.anything()), (input) => {
        assertSafe(renderer.renderChat(input) as FakeElement);
        assertSafe(renderer.renderExchange(input) as FakeElement);
      }),
      { numRuns: 300 },
    );
  });
});

describe('app robot exchanges', () => {
  const at = Date.UTC(2026, 0, 1, 9, 0, 0);
  const session = 'http://127.0.0.1:8787/robot/sendBySession?session=AbCdEfGhIjKlMnOpQrStUvWx';
  const chat = (extra: object = {}) => ({
    id: 4,
    msgId: 'msgA1',
    robot: 'bot',
    robotCode: 'dingcode',
    conversationId: 'cidOps',
    sender: 'u1',
    direct: false,
    text: '@bot ping',
    createdAt: at,
    message: {
      senderNick: 'Li Lei',
      conversationTitle: 'Ops',
      sessionWebhook: session,
      sessionWebhookExpiredTime: at + 5_400_000,
    },
    deliveries: [{ at, transport: 'stream', connectionId: 'conn1', messageId: 'mid1', reason: 'first' }],
    acks: [{ at: at + 12, code: 200, connectionId: 'conn1', withheld: false }],
    ackedAt: at + 12,
    pending: false,
    replies: [5],
    ...extra,
  });

  test("a member's message: sender, group, the robot's @name highlighted, a summary and a details button", () => {
    const item = renderer.renderChat(chat()) as FakeElement;
    assertSafe(item);
    assert.equal(item.one('robot-name').text, 'Li Lei');
    assert.equal(item.one('msgtype').text, 'Ops');
    assert.equal(item.one('bubble').text, '@bot ping');
    assert.equal(item.one('mention').text, '@bot');
    assert.equal(item.one('exchange-line').text, 'Stream · acked 12 ms · 1 replydetails');
    assert.equal(item.one('details-toggle').attributes.get('data-msgid'), 'msgA1');
    assert.equal(item.attributes.get('data-robot'), 'bot');
  });

  test('the summary says what went wrong: withheld acks, redelivery, HTTP status, waiting', () => {
    const summary = (extra: object) =>
      (renderer.renderChat(chat(extra)) as FakeElement).one('exchange-line').text.replace(/details$/, '');
    assert.equal(
      summary({
        ackedAt: undefined,
        acks: [{ at, code: 200, connectionId: 'c', withheld: true }],
        deliveries: [
          { at, transport: 'stream', reason: 'first' },
          { at: at + 60_000, transport: 'stream', reason: 'redelivery' },
        ],
        replies: [],
      }),
      'Stream · acks withheld · delivered twice · no reply yet',
    );
    assert.equal(
      summary({ deliveries: [{ at, transport: 'http', reason: 'first', status: 200 }], ackedAt: undefined }),
      'HTTP 200 · 1 reply',
    );
    assert.equal(summary({ deliveries: [], pending: true }), 'waiting for a Stream connection');
  });

  test('details: transport, ack delay, redelivery, the session webhook shortened, replies', () => {
    const panel = renderer.renderExchange(
      chat({
        deliveries: [
          { at, transport: 'stream', connectionId: 'conn1', messageId: 'mid1', reason: 'first' },
          {
            at: at + 60_000,
            transport: 'stream',
            connectionId: 'conn2',
            messageId: 'mid1',
            reason: 'redelivery',
          },
        ],
        ackedAt: at + 60_250,
      }),
    ) as FakeElement;
    assertSafe(panel);
    const facts = panel.all().filter((e) => e.tag === 'dt' || e.tag === 'dd');
    const pairs = new Map<string, string>();
    for (let i = 0; i + 1 < facts.length; i += 2) pairs.set(facts[i]?.text ?? '', facts[i + 1]?.text ?? '');
    assert.match(pairs.get('delivered') ?? '', /^over Stream · connection conn1 · messageId mid1 · at /);
    assert.match(pairs.get('redelivered') ?? '', /over Stream · connection conn2 .*no ack in time/);
    assert.equal(pairs.get('ack'), 'acked after 60 s (code 200)');
    assert.match(pairs.get('session webhook') ?? '', /^\/robot\/sendBySession\?session=AbCdEf… · expires /);
    // The session is the reply's only credential: the page never shows it whole.
    assert.ok(!panel.text.includes('AbCdEfGhIj'));
    assert.equal(pairs.get('replies'), '#5');
  });

  test('a reply says how it was posted, with the details of the message it answers', () => {
    const item = renderMessage({
      ...message('text', { text: { content: 'pong' } }),
      via: 'sessionWebhook',
      inReplyTo: 'msgA1',
    });
    assertSafe(item);
    assert.equal(item.one('exchange-line').text, 'via sessionWebhook · replydetails');
    assert.equal(item.one('details-toggle').attributes.get('data-msgid'), 'msgA1');
    assert.equal(renderMessage(message('text', { text: { content: 'x' } })).find('exchange-line').length, 0);
  });
});

// ---- the served page ----------------------------------------------------------------------------

describe('served page', () => {
  const app = new Hono();
  mountPreview(app);

  for (const [path, type] of [
    ['/', 'text/html'],
    ['/preview.js', 'text/javascript'],
    ['/preview.css', 'text/css'],
  ] as const) {
    test(`GET ${path}: strict CSP and no-sniff`, async () => {
      const response = await app.request(path);
      assert.equal(response.status, 200);
      assert.ok(response.headers.get('content-type')?.startsWith(type));
      const csp = response.headers.get('content-security-policy') ?? '';
      assert.equal(csp, previewCsp);
      for (const directive of [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        'img-src http: https: data:',
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
      ]) {
        assert.ok(csp.split('; ').includes(directive), directive);
      }
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
    });
  }

  test('the page has no inline script, style or handlers', async () => {
    const html = await (await app.request('/')).text();
    assert.deepEqual(html.match(/<script\b[^>]*>/g), ['<script src="/preview.js" defer>']);
    assert.doesNotMatch(html, /<style|\sstyle=|\son[a-z]+=|javascript:/i);
  });

  test('the served script parses markdown exactly like the module (one parser)', () => {
    // Defines everything; `start` waits for DOMContentLoaded, which never comes here.
    const context = vm.createContext({ document: { readyState: 'loading', addEventListener() {} }, URL });
    vm.runInContext(previewJs, context);
    const served = vm.runInContext(
      `var __name = function (t) { return t; }; (${createMarkdownSubset.toString()})()`,
      context,
    ) as typeof md;
    fc.assert(
      fc.property(fc.string(), (input) => {
        assert.equal(JSON.stringify(served.parse(input)), JSON.stringify(md.parse(input)));
      }),
      { numRuns: 200 },
    );
    const sample = '# h\n> q **b** [l](https://x.test) <font color=red>c</font>\n\n| t |\n|-|';
    assert.equal(JSON.stringify(served.parse(sample)), JSON.stringify(md.parse(sample)));
  });

  test('the served script never uses innerHTML or eval', () => {
    assert.doesNotMatch(
      previewJs,
      /innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/,
    );
  });
});
