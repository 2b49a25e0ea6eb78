import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { type Message, utf8Length, validateMessage } from '@dingbot/sdk';
import fc from 'fast-check';
import { parseAlertmanager } from '../src/inputs/alertmanager.js';
import type { Mentions } from '../src/model.js';
import { TemplateEngine } from '../src/render/liquid.js';
import { createRenderer } from '../src/render/renderer.js';
import type { RouteConfig } from '../src/routing/routes.js';

const am = (name: string) =>
  parseAlertmanager(
    JSON.parse(
      readFileSync(new URL(`./fixtures/alertmanager/alertmanager-${name}.json`, import.meta.url), 'utf8'),
    ),
  );
const NOW = new Date('2026-11-29T17:25:30Z');
const dir = mkdtempSync(join(tmpdir(), 'relay-templates-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const people = { alice: { mobiles: ['13800000001'] }, bob: { userIds: ['bob-id'] } };
const renderer = createRenderer({
  locale: 'en',
  timeZone: 'Asia/Shanghai',
  now: () => NOW,
  people,
  templates: { baseDir: dir },
});
const nobody: Mentions = { mobiles: [], userIds: [], all: false };
const withTemplate = (template: RouteConfig['template'], type?: RouteConfig['type']): RouteConfig => ({
  name: 'custom',
  robot: 'ops',
  template,
  ...(type ? { type } : {}),
});

function body(message: Message): string {
  if (message.msgtype === 'markdown') return message.markdown.text;
  if (message.msgtype === 'text') return message.text.content;
  if (message.msgtype === 'actionCard') return message.actionCard.text;
  assert.fail(`unexpected ${message.msgtype}`);
}

describe('user templates (liquid)', () => {
  test('variables, filters and a captured title', async () => {
    const source = [
      '{% capture title %}[{{ status | upcase }}] {{ commonLabels.alertname }}{% endcapture %}',
      '### {{ commonLabels.alertname | escape_markdown }} on {{ receiver }}',
      '{% for alert in alerts %}',
      '- {{ alert.labels.instance }} since {{ alert.startsAt | local_time }} ({{ alert | duration }})',
      '  [silence]({{ alert | silence_url }})',
      '{% endfor %}',
      'owner: {{ "alice" | mention }} {{ mentions | mention }}',
      'ends: {{ alerts[0].endsAt | default: "still firing" }}',
    ].join('\n');
    const { message, fallback, warnings } = await renderer.renderAlerts(am('firing'), withTemplate(source), {
      mobiles: [],
      userIds: ['bob-id'],
      all: false,
    });
    assert.equal(fallback, undefined);
    assert.deepEqual(warnings, []);
    assert.equal(message.msgtype === 'markdown' && message.markdown.title, '[FIRING] DiskFull');
    const text = body(message);
    assert.match(text, /^### DiskFull on dingbot-relay/);
    assert.match(text, /- db-1:9100 since 2026-11-30 01:20:16 \(UTC\+8\) \(5 min\)/);
    assert.ok(
      text.includes('[silence](http://127.0.0.1:37347/#/silences/new?filter=%7Balertname%3D%22DiskFull%22'),
    );
    assert.match(text, /owner: @13800000001 @bob-id/);
    assert.match(text, /ends: still firing/);
    // The mention written by the template is not written twice.
    assert.equal(text.match(/@bob-id/g)?.length, 1);
    assert.deepEqual(message.msgtype === 'markdown' && message.at, { atUserIds: ['bob-id'] });
  });

  test('an absent key is false in if and takes | default, with strictVariables on', async () => {
    const source =
      '{% if alerts[0].annotations.dashboard %}has{% else %}none{% endif %} {{ commonLabels.team | default: "no team" }}';
    const { message, fallback } = await renderer.renderAlerts(
      am('firing'),
      withTemplate(source, 'text'),
      nobody,
    );
    assert.equal(fallback, undefined);
    assert.equal(body(message), 'none no team');
  });

  test('a template from a file, relative to the config directory', async () => {
    writeFileSync(join(dir, 'short.liquid'), '{{ firing.size }} firing, {{ resolved.size }} resolved');
    const { message, fallback } = await renderer.renderAlerts(
      am('group-mixed'),
      withTemplate({ file: 'short.liquid' }, 'text'),
      nobody,
    );
    assert.equal(fallback, undefined);
    assert.equal(body(message), '2 firing, 1 resolved');
  });

  test('mentions the template left out are still written, so they ping', async () => {
    const { message } = await renderer.renderAlerts(am('firing'), withTemplate('disk full', 'text'), {
      mobiles: ['13800000001'],
      userIds: [],
      all: false,
    });
    assert.equal(body(message), 'disk full\n@13800000001');
  });

  test('an unknown person in the mention filter is a warning, not an error', async () => {
    const { warnings, fallback } = await renderer.renderAlerts(
      am('firing'),
      withTemplate('hi {{ "carol" | mention }}'),
      nobody,
    );
    assert.equal(fallback, undefined);
    assert.match(warnings.join(), /no person "carol"/);
  });
});

describe('failing templates fall back to the built-in one, with line and column', () => {
  const cases: [string, RouteConfig['template'], RegExp, number | undefined][] = [
    [
      'undefined variable (strictVariables)',
      'ok\n{% for a in alerts %}\n  {{ a.lables.instance }}{% endfor %}',
      /undefined variable: a\.lables/,
      3,
    ],
    ['syntax error', 'line one\n{% if %}', /line 2/, 2],
    ['unclosed tag', '{% for a in alerts %}x', /not closed/, 1],
    ['unknown filter', '{{ status | shout }}', /undefined filter: shout/, 1],
    [
      'missing file',
      { file: 'nope.liquid' },
      /cannot read the template file .*nope\.liquid \(ENOENT\)/,
      undefined,
    ],
    ['empty output', '{% if false %}x{% endif %}   ', /rendered nothing/, undefined],
    ['reading files', '{% include "/etc/passwd" %}', /ENOENT/, 1],
    [
      'huge output',
      '{% for i in (1..1000) %}{% for j in (1..1000) %}xxxxxxxxxx{% endfor %}{% endfor %}',
      /output limit exceeded/,
      1,
    ],
    ['huge range', '{% for i in (1..1000000000) %}x{% endfor %}', /memory alloc limit exceeded/, 1],
    [
      'huge capture',
      '{% capture big %}{% for i in (1..100000) %}xxxxxxxxxx{% endfor %}{% endcapture %}{{ big.size }}',
      /output limit exceeded/,
      1,
    ],
    ['prototype access', '{{ status.constructor }}', /undefined variable/, 1],
  ];
  for (const [name, template, reason, line] of cases) {
    test(name, async () => {
      const { message, fallback } = await renderer.renderAlerts(am('firing'), withTemplate(template), nobody);
      assert.ok(fallback, 'fallback is reported');
      assert.match(fallback.reason, reason);
      assert.match(fallback.reason, /route "custom"/);
      assert.match(fallback.reason, /sent with the built-in template$/);
      assert.equal(fallback.line, line);
      if (line !== undefined) assert.equal(typeof fallback.column, 'number');
      // The alert is not lost: the built-in message carries it.
      assert.match(body(message), /DiskFull/);
      assert.match(body(message), /Disk \/data on db-1 is 95% full/);
    });
  }

  test('a file template names its file', async () => {
    writeFileSync(join(dir, 'broken.liquid'), 'one\ntwo {{ nope }}');
    const { fallback } = await renderer.renderAlerts(
      am('firing'),
      withTemplate({ file: 'broken.liquid' }),
      nobody,
    );
    assert.match(
      fallback?.reason ?? '',
      /template "broken\.liquid" of route "custom": line 2, column \d+: undefined variable: nope/,
    );
    assert.equal(fallback?.line, 2);
  });

  test('a render that takes too long is stopped by renderLimit', async () => {
    const slow = createRenderer({ locale: 'en', timeZone: 'UTC', templates: { limits: { renderLimit: 0 } } });
    const { fallback } = await slow.renderAlerts(
      am('firing'),
      withTemplate('{% for i in (1..10000) %}{{ i }}{% endfor %}'),
      nobody,
    );
    assert.match(fallback?.reason ?? '', /template render limit exceeded/);
  });
});

describe('TemplateEngine', () => {
  test('check() reports parse problems with their position, and passes good templates', () => {
    const engine = new TemplateEngine();
    assert.equal(engine.check('{{ status }}'), undefined);
    assert.deepEqual(engine.check('a\nb {% endfor %}'), {
      reason: 'tag "endfor" not found',
      line: 2,
      column: 3,
    });
    assert.match(
      new TemplateEngine({ parseLimit: 10 }).check('{{ status }} and more')?.reason ?? '',
      /parse length limit exceeded/,
    );
  });
});

/** Fragments hostile templates are made of: loops, ranges, captures, undefined names, broken syntax. */
const fragment = fc.constantFrom(
  '{{ status }}',
  '{{ alerts[0].labels.alertname }}',
  '{% for a in alerts %}{{ a.labels.instance }}{% endfor %}',
  '{% for i in (1..100000) %}xxxxxxxxxxxxxxxx{% endfor %}',
  '{% for i in (1..999999999) %}{% endfor %}',
  '{% for i in (1..300) %}{% for j in (1..300) %}{% for k in (1..300) %}y{% endfor %}{% endfor %}{% endfor %}',
  '{% capture title %}T{% endcapture %}',
  '{% capture c %}{% for i in (1..50000) %}zzzzzzzz{% endfor %}{% endcapture %}{{ c }}',
  '{% assign s = "ab" %}{% for i in (1..40) %}{% assign s = s | append: s %}{% endfor %}{{ s }}',
  '{{ nope }}',
  '{% if %}',
  '{% for %}',
  '{{ "x" | mention }}',
  '{{ alerts | json }}',
  '{{ status | silence_url }}',
  '{{ commonLabels | duration }}',
  '{{ 5 | local_time: "Not/AZone" }}',
  '{% include "x" %}',
  '{% render "../../etc/passwd" %}',
  '{% raw %}',
  '中文 **bold** [link](http://x)',
  '\n',
);

describe('template properties', () => {
  test('arbitrary payloads and hostile templates never throw and never exceed the limits', async () => {
    const limited = createRenderer({
      locale: 'zh-CN',
      timeZone: 'Asia/Shanghai',
      templates: { limits: { renderLimit: 2000, memoryLimit: 1_000_000, outputLimit: 5000 } },
    });
    const base = am('group-mixed');
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fragment, fc.string({ maxLength: 20 })), { minLength: 1, maxLength: 6 }),
        fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 50 }), { maxKeys: 4 }),
        fc.constantFrom('markdown' as const, 'text' as const, 'actionCard' as const),
        async (parts, labels, type) => {
          const n = { ...base, commonLabels: { ...base.commonLabels, ...labels } };
          const { message, fallback } = await limited.renderAlerts(
            n,
            withTemplate(parts.join(''), type),
            nobody,
          );
          validateMessage(message);
          const size = utf8Length(JSON.stringify(message));
          assert.ok(size <= 20_000, `message is ${size} bytes`);
          if (!fallback) assert.ok(utf8Length(body(message)) <= 5000 + 100);
        },
      ),
      { numRuns: 60 },
    );
  });
});
