import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { escapeMarkdown, lintMarkdown, type MarkdownLintRule, markdownBreaks } from '../src/index.js';

/** Characters with a meaning in DingTalk's markdown subset (and its HTML), plus a few ordinary ones. */
const markdownish = fc.string({
  unit: fc.constantFrom(
    ...'*_`[]()!~|<>#-+.=&;\\ \t\n\r019alt中😀'.split(''),
    '&lt;',
    '&amp;',
    '1. ',
    '- ',
    '> ',
    '# ',
    '![x](http://a/b.png)',
    '[a](http://b)',
    '**b**',
    '<font color=#f00>',
  ),
  maxLength: 60,
});
const anyText = fc.oneof(markdownish, fc.string({ unit: 'binary', maxLength: 40 }));

const INLINE = new Set('*_`[]~|<>'.split(''));
const ENTITIES: Record<string, string> = { '&lt;': '<', '&gt;': '>', '&amp;': '&' };

/**
 * A small reference reader of escaped markdown, as a CommonMark renderer reads it: a backslash before
 * ASCII punctuation is that character literally; `&lt;`, `&gt;`, `&amp;` are entities. It returns the
 * text a reader would see, and throws at any construct still active (an unescaped markdown character,
 * a bare `&` entity start, or a block marker at the start of a line).
 */
function readLiterally(escaped: string): string {
  for (const line of escaped.split(/\r\n|\r|\n/)) {
    const start = line.replace(/^\s+/, '');
    if (/^(#|-|\+|=|\*|>|\d+[.)])/.test(start))
      throw new Error(`block marker at line start: ${JSON.stringify(line)}`);
  }
  let out = '';
  for (let i = 0; i < escaped.length; i++) {
    const c = escaped[i]!;
    if (c === '\\' && /[!-/:-@[-`{-~]/.test(escaped[i + 1] ?? '')) {
      out += escaped[++i];
      continue;
    }
    if (c === '&') {
      const entity = Object.keys(ENTITIES).find((e) => escaped.startsWith(e, i));
      if (!entity) throw new Error(`bare & at ${i} of ${JSON.stringify(escaped)}`);
      out += ENTITIES[entity];
      i += entity.length - 1;
      continue;
    }
    if (INLINE.has(c) || c === '\\') throw new Error(`unescaped ${c} at ${i} of ${JSON.stringify(escaped)}`);
    out += c;
  }
  return out;
}

describe('escapeMarkdown', () => {
  test('escaped user text has no active markdown and reads back exactly as typed', () => {
    fc.assert(
      fc.property(anyText, (input) => {
        assert.equal(readLiterally(escapeMarkdown(input)), input);
      }),
      { numRuns: 2000 },
    );
  });

  test('examples', () => {
    assert.equal(escapeMarkdown('**bold**'), '\\*\\*bold\\*\\*');
    assert.equal(escapeMarkdown('[x](http://evil)'), '\\[x\\](http://evil)');
    assert.equal(escapeMarkdown('feature/*fast*_path'), 'feature/\\*fast\\*\\_path');
    assert.equal(escapeMarkdown('(ok!) 1) first\n2) second\n==='), '(ok!) 1) first\n2\\) second\n\\===');
    assert.equal(escapeMarkdown('# not a heading'), '\\# not a heading');
    assert.equal(escapeMarkdown('1. not a list'), '1\\. not a list');
    assert.equal(escapeMarkdown('<b>&lt;</b>'), '&lt;b&gt;&amp;lt;&lt;/b&gt;');
    assert.equal(escapeMarkdown('plain 中文 text'), 'plain 中文 text');
  });

  test('the reference reader itself catches unescaped text (so the property can fail)', () => {
    assert.throws(() => readLiterally('**x**'));
    assert.throws(() => readLiterally('# x'));
    assert.throws(() => readLiterally('a\n- b'));
    assert.throws(() => readLiterally('a &lt b'));
    assert.throws(() => readLiterally('a\n1) b'));
  });
});

describe('markdownBreaks', () => {
  test('examples', () => {
    assert.equal(markdownBreaks('line one\nline two'), 'line one  \nline two');
    assert.equal(markdownBreaks('para\n\npara'), 'para\n\npara');
    assert.equal(markdownBreaks('a\r\nb\rc'), 'a  \nb  \nc');
    assert.equal(markdownBreaks('a   \nb'), 'a  \nb');
    assert.equal(markdownBreaks('a\n'), 'a\n');
  });

  test('every single break between two lines becomes a hard break; the text is otherwise unchanged', () => {
    const lines = fc.array(
      fc.string({ unit: fc.constantFrom('a', '中', ' ', '\t', '*', '#'), maxLength: 6 }),
      {
        maxLength: 8,
      },
    );
    fc.assert(
      fc.property(lines, (input) => {
        const source = input.join('\n');
        const out = markdownBreaks(source);
        const outLines = out.split('\n');
        assert.equal(outLines.length, input.length === 0 ? 1 : input.length);
        const trim = (s: string) => s.replace(/[ \t]+$/, '');
        assert.deepEqual(outLines.map(trim), (input.length === 0 ? [''] : input).map(trim));
        for (let i = 0; i + 1 < input.length; i++) {
          if (input[i] !== '' && input[i + 1] !== '')
            assert.ok(outLines[i]!.endsWith('  '), JSON.stringify(out));
          else assert.equal(outLines[i], input[i]);
        }
        assert.equal(markdownBreaks(out), out, 'idempotent');
      }),
    );
  });
});

describe('lintMarkdown', () => {
  const cases: [MarkdownLintRule, string, number][] = [
    ['table', '| a | b |\n|---|---|\n| 1 | 2 |', 1],
    ['code-fence', 'text\n\n```js\nconst a = 1;\n```', 3],
    ['inline-code', 'run `npm test` now', 1],
    ['html', 'a <b>bold</b> word', 1],
    ['horizontal-rule', 'above\n\n---\n\nbelow', 3],
    ['strikethrough', 'this is ~~gone~~', 1],
    ['single-newline', 'line one\nline two', 1],
    ['task-list', '- [ ] todo\n- [x] done', 1],
    ['too-many-images', Array.from({ length: 21 }, (_, i) => `![](https://e.com/${i}.png)`).join('\n\n'), 1],
  ];
  for (const [rule, source, line] of cases) {
    test(`${rule} is reported with its line and a fix`, () => {
      const warning = lintMarkdown(source).find((w) => w.rule === rule);
      assert.ok(warning, `${rule} not reported for ${JSON.stringify(source)}`);
      assert.equal(warning.line, line);
      assert.ok(warning.message.length > 20);
    });
  }

  test('what DingTalk renders gives no warning', () => {
    const clean = [
      '# Deploy done',
      '',
      '> quoted',
      '',
      '- **api** 1.4.2',
      '- *web* [changelog](https://example.com)',
      '1. first',
      '2. second',
      '',
      '![](https://example.com/a.png)',
      '',
      'ends with two spaces  ',
      'so this line is fine <font color=#ff0000>red</font>',
    ].join('\n');
    assert.deepEqual(lintMarkdown(clean), []);
  });

  test('exactly 20 images is fine; code inside a fence is reported once, not line by line', () => {
    const twenty = Array.from({ length: 20 }, (_, i) => `![](https://e.com/${i}.png)`).join('\n\n');
    assert.deepEqual(lintMarkdown(twenty), []);
    const fenced = lintMarkdown('```\n| a | b |\n~~x~~\n```');
    assert.deepEqual(
      fenced.map((w) => w.rule),
      ['code-fence'],
    );
  });

  test('markdownBreaks silences single-newline', () => {
    const source = 'line one\nline two\nline three';
    assert.equal(lintMarkdown(source).filter((w) => w.rule === 'single-newline').length, 2);
    assert.deepEqual(lintMarkdown(markdownBreaks(source)), []);
  });
});
