import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { type Message, utf8Length, validateMessage } from '@dingbot/sdk';
import fc from 'fast-check';
import { createMarkdownSubset } from '../../emulator/src/preview/markdown.js';
import { parseAlertmanager } from '../src/inputs/alertmanager.js';
import { parseGrafana } from '../src/inputs/grafana.js';
import type { AlertNotification, Mentions } from '../src/model.js';
import {
  formatDuration,
  localTime,
  mdLink,
  mdText,
  severityColour,
  silenceUrl,
} from '../src/render/format.js';
import { createRenderer } from '../src/render/renderer.js';
import type { RouteConfig } from '../src/routing/routes.js';

const read = (path: string): unknown =>
  JSON.parse(readFileSync(new URL(`./fixtures/${path}`, import.meta.url), 'utf8'));
const am = (name: string) => parseAlertmanager(read(`alertmanager/alertmanager-${name}.json`));
const grafana = (name: string) => parseGrafana(read(`grafana/grafana-${name}.json`));

/** Five minutes after the firing fixture's alert started (17:20:16Z). */
const NOW = new Date('2026-11-29T17:25:30Z');
const zh = createRenderer({ locale: 'zh-CN', timeZone: 'Asia/Shanghai', now: () => NOW });
const en = createRenderer({ locale: 'en', timeZone: 'Asia/Shanghai', now: () => NOW });
const route: RouteConfig = { name: 'ops', robot: 'ops' };
const nobody: Mentions = { mobiles: [], userIds: [], all: false };
const alice: Mentions = { mobiles: ['13800000001'], userIds: ['bob-id'], all: false };

function body(message: Message): string {
  if (message.msgtype === 'markdown') return message.markdown.text;
  if (message.msgtype === 'text') return message.text.content;
  if (message.msgtype === 'actionCard') return message.actionCard.text;
  assert.fail(`unexpected ${message.msgtype}`);
}

describe('format helpers', () => {
  test('local time in the configured zone, nanoseconds accepted', () => {
    assert.equal(localTime('2026-11-29T17:20:16.851728135Z', 'Asia/Shanghai'), '2026-11-30 01:20:16 (UTC+8)');
    assert.equal(localTime('2026-11-29T17:20:16Z', 'Europe/Berlin'), '2026-11-29 18:20:16 (UTC+1)');
    assert.equal(localTime('2026-11-29T17:20:16Z', 'UTC'), '2026-11-29 17:20:16 (UTC)');
    assert.equal(localTime('not a time', 'UTC'), 'not a time');
  });

  test('durations read like speech, in both languages', () => {
    assert.equal(formatDuration(30_000, 'en'), 'under a minute');
    assert.equal(formatDuration(5 * 60_000, 'zh-CN'), '5 分钟');
    assert.equal(formatDuration(125 * 60_000, 'en'), '2 h 5 min');
    assert.equal(formatDuration(120 * 60_000, 'zh-CN'), '2 小时');
    assert.equal(formatDuration((3 * 24 + 4) * 3_600_000, 'zh-CN'), '3 天 4 小时');
  });

  test('severity colours', () => {
    assert.equal(severityColour('critical'), '#d93026');
    assert.equal(severityColour('Warning'), '#f08c00');
    assert.equal(severityColour('info'), '#1a73e8');
    assert.equal(severityColour(undefined), '#5f6368');
  });

  test('silence link pre-filled from the labels', () => {
    assert.equal(
      silenceUrl('http://am.example.com:9093/', { instance: 'db-1:9100', alertname: 'DiskFull' }),
      'http://am.example.com:9093/#/silences/new?filter=%7Balertname%3D%22DiskFull%22%2Cinstance%3D%22db-1%3A9100%22%7D',
    );
    assert.equal(silenceUrl('', { a: 'b' }), undefined);
  });
});

describe('built-in template: Alertmanager', () => {
  test('firing, Chinese: colour, summary, description, labels that matter, local time, duration, links, mention', async () => {
    const { message, warnings, fallback } = await zh.renderAlerts(am('firing'), route, alice);
    assert.equal(message.msgtype, 'markdown');
    assert.equal(fallback, undefined);
    assert.deepEqual(warnings, []);
    if (message.msgtype !== 'markdown') return;
    assert.equal(message.markdown.title, '🔥 告警：DiskFull');
    const text = message.markdown.text;
    assert.match(text, /^### 🔥 <font color=#d93026>\\\[critical\\\] DiskFull<\/font>/);
    assert.match(text, /\*\*Disk \/data on db-1 is 95% full\*\*/);
    assert.match(text, /Only 2\.1 GiB left on \/data \(ext4\) on db-1\./);
    assert.match(text, /- \*\*instance\*\*：db-1:9100/);
    assert.doesNotMatch(text, /\*\*alertname\*\*/);
    assert.match(text, /开始 2026-11-30 01:20:16 \(UTC\+8\)，已持续 5 分钟/);
    assert.match(text, /\[处理手册\]\(https:\/\/runbooks\.example\.com\/disk-full\)/);
    assert.ok(
      text.includes(
        '[静默](http://127.0.0.1:37347/#/silences/new?filter=%7Balertname%3D%22DiskFull%22%2Cinstance%3D%22db-1%3A9100%22%2Cjob%3D%22node%22%2Cseverity%3D%22critical%22%7D)',
      ),
    );
    assert.ok(
      text.includes(
        '[查看图表](http://prometheus.example.com:9090/graph?g0.expr=node_filesystem_avail_bytes)',
      ),
    );
    assert.match(text, /\n\n@13800000001 @bob-id$/);
    assert.deepEqual(message.at, { atMobiles: ['13800000001'], atUserIds: ['bob-id'] });
  });

  test('firing, English', async () => {
    const { message } = await en.renderAlerts(am('firing'), route, nobody);
    assert.equal(message.msgtype === 'markdown' && message.markdown.title, '🔥 FIRING: DiskFull');
    assert.match(body(message), /Started 2026-11-30 01:20:16 \(UTC\+8\), for 5 min/);
    assert.match(body(message), /\[Runbook\]\(/);
    assert.equal('at' in message, false);
  });

  test('resolved: green, with when and how long', async () => {
    const n = am('resolved');
    const { message } = await zh.renderAlerts(n, route, nobody);
    assert.equal(message.msgtype === 'markdown' && message.markdown.title, '✅ 已恢复：DiskFull');
    assert.match(body(message), /<font color=#1e8e3e>已恢复：DiskFull<\/font>/);
    assert.match(body(message), /恢复 2026-11-30 \d\d:\d\d:\d\d \(UTC\+8\)，持续不到 1 分钟/);
    assert.doesNotMatch(body(message), /静默|silences/);
  });

  test('a route time zone and locale win over the renderer defaults', async () => {
    const { message } = await zh.renderAlerts(
      am('firing'),
      { ...route, timeZone: 'Europe/Berlin', locale: 'en' },
      nobody,
    );
    assert.match(body(message), /Started 2026-11-29 18:20:16 \(UTC\+1\), for 5 min/);
  });

  test('an unknown time zone given in code is a warning, not a crash', async () => {
    const odd = createRenderer({ locale: 'en', timeZone: 'Mars/Olympus', now: () => NOW });
    const { message, warnings } = await odd.renderAlerts(am('firing'), route, nobody);
    assert.match(warnings.join(), /unknown time zone "Mars\/Olympus"/);
    assert.match(body(message), /Started 2026-11-30 01:20:16 \(UTC\+8\)/);
  });

  test('a group: counts, what tells the alerts apart, firing before resolved', async () => {
    const { message } = await en.renderAlerts(am('group-mixed'), route, nobody);
    const text = body(message);
    assert.match(text, /HighRequestLatency: 2 firing, 1 resolved/);
    assert.match(text, /- \*\*service\*\*: checkout/);
    const order = ['web-1:8080', 'web-3:8080', 'web-2:8080'].map((i) => text.indexOf(`${i}**`));
    assert.ok(order.every((at) => at > 0));
    assert.ok(order[0]! < order[2]! && order[1]! < order[2]!, 'resolved web-2 comes after the firing ones');
    assert.match(text, /\*\*✅ web-2:8080\*\* p99 latency on web-2 is 1045 ms {2}\nResolved /);
    // The group's silence link matches the common labels, without instance.
    assert.ok(text.includes('filter=%7Balertname%3D%22HighRequestLatency%22%2Cjob%3D%22web%22%2Cservice'));
  });

  test('text type: no markdown, mentions highlighted in the text', async () => {
    const { message } = await zh.renderAlerts(am('firing'), { ...route, type: 'text' }, alice);
    assert.equal(message.msgtype, 'text');
    const content = body(message);
    assert.doesNotMatch(content, /\*\*|<font|\]\(/);
    assert.match(content, /处理手册：https:\/\/runbooks\.example\.com\/disk-full/);
    assert.match(content, /@13800000001 @bob-id$/);
  });

  test('action card: runbook and silence buttons; mentions it cannot carry are a warning', async () => {
    const { message, warnings } = await en.renderAlerts(
      am('firing'),
      { ...route, type: 'actionCard' },
      alice,
    );
    assert.equal(message.msgtype, 'actionCard');
    if (message.msgtype !== 'actionCard' || !('btns' in message.actionCard)) return assert.fail();
    assert.deepEqual(
      message.actionCard.btns.map((b) => b.title),
      ['Runbook', 'Silence'],
    );
    assert.doesNotMatch(message.actionCard.text, /\[Runbook\]/);
    assert.match(warnings.join(), /cannot @-mention/);
  });

  test('action card without any link falls back to markdown, with a warning', async () => {
    const n = am('firing');
    const bare: AlertNotification = {
      ...n,
      externalURL: '',
      commonAnnotations: {},
      alerts: n.alerts.map((a) => ({
        ...a,
        annotations: {},
        generatorURL: undefined,
      })) as AlertNotification['alerts'],
    };
    const { message, warnings } = await en.renderAlerts(bare, { ...route, type: 'actionCard' }, nobody);
    assert.equal(message.msgtype, 'markdown');
    assert.match(warnings.join(), /no links for action card buttons/);
  });

  test('user text cannot inject markdown or links', async () => {
    const n = am('firing');
    const evil: AlertNotification = {
      ...n,
      commonAnnotations: {},
      alerts: n.alerts.map((a) => ({
        ...a,
        annotations: {
          summary: '[click](http://evil.example) **bold** <font color=#000>x</font>\n# heading',
        },
        generatorURL: 'javascript:alert(1)',
      })),
    };
    const text = body((await en.renderAlerts(evil, route, nobody)).message);
    assert.ok(!text.includes('[click](http://evil.example)'));
    assert.ok(!text.includes('<font color=#000>'));
    assert.ok(!text.includes('javascript:'));
    assert.doesNotMatch(text, /^# heading/m);
  });
});

describe('built-in template: Grafana', () => {
  test('values, dashboard and panel links, Grafana silence links, the worst severity', async () => {
    const { message } = await en.renderAlerts(grafana('firing'), route, nobody);
    const text = body(message);
    assert.match(text, /<font color=#d93026>\\\[critical\\\] team=blue: 2 firing<\/font>/);
    assert.match(text, /\*\*🔥 High memory usage · us-1 · warning\*\*/);
    assert.match(text, /Values B=94\.2394, C=1/);
    assert.ok(
      text.includes('[Silence](https://grafana.example.com/alerting/silence/new?alertmanager=grafana'),
    );
  });

  test('a single resolved Grafana alert has its runbook and dashboard buttons, no silence', async () => {
    const { message } = await zh.renderAlerts(grafana('resolved'), { ...route, type: 'actionCard' }, nobody);
    if (message.msgtype !== 'actionCard' || !('btns' in message.actionCard)) return assert.fail();
    assert.deepEqual(
      message.actionCard.btns.map((b) => [b.title, b.actionURL]),
      [
        ['处理手册', 'https://runbooks.example.com/memory'],
        ['仪表盘', 'https://grafana.example.com/d/mem01?orgId=1'],
      ],
    );
    assert.match(message.actionCard.text, /取值/);
  });
});

describe('built-in template: size', () => {
  test('a huge group stays under 20000 bytes and says how many it left out', async () => {
    const n = am('group');
    const template = n.alerts[0]!;
    const many: AlertNotification = {
      ...n,
      truncatedAlerts: 7,
      alerts: Array.from({ length: 600 }, (_, i) => ({
        ...template,
        labels: { ...template.labels, instance: `web-${i}:8080` },
        annotations: { summary: `p99 latency on web-${i} is ${i} ms — 很慢很慢很慢` },
        fingerprint: `f${i}`,
      })),
    };
    for (const r of [zh, en]) {
      for (const type of ['markdown', 'text', 'actionCard'] as const) {
        const { message } = await r.renderAlerts(many, { ...route, type }, nobody);
        assert.ok(utf8Length(JSON.stringify(message)) <= 20_000, `${type} fits`);
        assert.match(body(message), /还有 \d+ 条未列出|and \d+ more/);
        assert.match(
          body(message),
          /另有 7 条告警被 Alertmanager 省略（max\\?_alerts）|7 more alerts left out by Alertmanager \(max\\?_alerts\)/,
        );
      }
    }
  });

  test("alerts Grafana left out are Grafana's (maxAlerts)", async () => {
    const n: AlertNotification = { ...grafana('firing'), truncatedAlerts: 3 };
    assert.match(
      body((await en.renderAlerts(n, route, nobody)).message),
      /3 more alerts left out by Grafana \(maxAlerts\)/,
    );
    assert.match(
      body((await zh.renderAlerts(n, route, nobody)).message),
      /另有 3 条告警被 Grafana 省略（maxAlerts）/,
    );
  });

  test('any valid notification renders a valid message under 20000 bytes, in every type and language', async () => {
    const labels = fc.dictionary(
      fc.constantFrom('alertname', 'severity', 'instance', 'job', 'team', 'owner', 'x'),
      fc.string({ maxLength: 30 }),
    );
    const alert = fc.record({
      status: fc.constantFrom('firing' as const, 'resolved' as const),
      labels,
      annotations: fc.dictionary(
        fc.constantFrom('summary', 'description', 'runbook_url'),
        fc.string({ maxLength: 400 }),
      ),
      startsAt: fc
        .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
        .map((d) => d.toISOString()),
      generatorURL: fc.option(fc.webUrl(), { nil: undefined }),
    });
    const notification = fc.record({
      source: fc.constantFrom('alertmanager' as const, 'grafana' as const),
      receiver: fc.string(),
      status: fc.constantFrom('firing' as const, 'resolved' as const),
      groupKey: fc.string(),
      groupLabels: labels,
      commonLabels: labels,
      commonAnnotations: fc.dictionary(
        fc.constantFrom('summary', 'description'),
        fc.string({ maxLength: 400 }),
      ),
      externalURL: fc.oneof(fc.webUrl(), fc.constant('')),
      alerts: fc.array(alert, { minLength: 1, maxLength: 40 }),
      truncatedAlerts: fc.nat({ max: 1000 }),
    });
    await fc.assert(
      fc.asyncProperty(
        notification,
        fc.constantFrom('markdown' as const, 'text' as const, 'actionCard' as const),
        fc.constantFrom(zh, en),
        async (n, type, renderer) => {
          const { message } = await renderer.renderAlerts(n as AlertNotification, { ...route, type }, alice);
          validateMessage(message);
          assert.ok(utf8Length(JSON.stringify(message)) <= 20_000);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe("user text through the SDK's escapeMarkdown, read by the emulator's DingTalk parser", () => {
  const subset = createMarkdownSubset();
  const ACTIVE = new Set(['a', 'img', 'font', 'strong', 'em', 'h', 'quote', 'ul', 'ol']);
  const active = (nodes: readonly unknown[]): string[] =>
    nodes.flatMap((node) => {
      const n = node as { type: string; children?: unknown[]; reason?: string };
      const own = ACTIVE.has(n.type) || n.type === 'raw' ? [n.type] : [];
      return [...own, ...active(n.children ?? [])];
    });
  /** What a reader sees: the text of the paragraphs, a hard break as a line break. */
  const shown = (nodes: readonly unknown[]): string =>
    nodes
      .map((node) => {
        const n = node as { type: string; text?: string; children?: unknown[] };
        if (n.type === 'text') return n.text ?? '';
        if (n.type === 'br') return '\n';
        return shown(n.children ?? []);
      })
      .join('');
  const unit = fc.constantFrom(
    ...'*_`[]()!<>#-+.=&|~\\ 019a中:'.split(''),
    '](',
    '![x](http://a/b.png)',
    '[a](http://b)',
    '**b**',
    '*i*',
    '~~s~~',
    '<font color=#f00>',
    '</font>',
    '<b>',
    '<!-- c -->',
    '&lt;',
    '&#42;',
    '# ',
    '### ',
    '- ',
    '1. ',
    '> ',
    '---',
    '```',
  );

  test('label values with markdown punctuation render literally, as written', () => {
    for (const text of [
      'Only 2.1 GiB left on /data (ext4) on db-1.',
      'grafana_folder',
      '[critical] x',
      'cpu * 100 > 90',
      '**not bold** <b>nor html</b> [nor](http://a.link)',
      '# not a heading',
      '- not a list',
      '1. not a list either',
      '&lt; stays &lt;',
    ]) {
      const parsed = subset.parse(mdText(text));
      assert.deepEqual(active(parsed.nodes), [], text);
      assert.equal(shown(parsed.nodes), text);
    }
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 40 }), (value) => {
        const text = value.replace(/\n/g, ' ').trim();
        const parsed = subset.parse(mdText(value.replace(/\n/g, ' ')));
        assert.deepEqual(active(parsed.nodes), [], JSON.stringify(mdText(value)));
        assert.equal(shown(parsed.nodes), text, JSON.stringify(mdText(value)));
      }),
      { numRuns: 2000 },
    );
  });

  test('several lines keep their breaks and nothing becomes markup', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit, maxLength: 20 }), { minLength: 2, maxLength: 4 }), (lines) => {
        const value = lines
          .map((line) => line.replace(/\n/g, ' ').trim())
          .filter(Boolean)
          .join('\n');
        const parsed = subset.parse(mdText(value));
        assert.deepEqual(active(parsed.nodes), [], JSON.stringify(mdText(value)));
        assert.equal(shown(parsed.nodes), value, JSON.stringify(mdText(value)));
      }),
      { numRuns: 1000 },
    );
  });

  test('a link label is shown as written and the link stays one link', () => {
    fc.assert(
      fc.property(fc.string({ unit, minLength: 1, maxLength: 30 }), (label) => {
        const link = mdLink(label, 'https://runbooks.example.com/x');
        const parsed = subset.parse(link ?? '');
        const paragraph = parsed.nodes[0] as { children: { type: string; children?: unknown[] }[] };
        const links = paragraph?.children.filter((n) => n.type === 'a') ?? [];
        if (label.replace(/\n/g, ' ').trim() === '') return;
        assert.equal(links.length, 1, JSON.stringify(link));
        assert.deepEqual(active(links[0]!.children ?? []), [], JSON.stringify(link));
      }),
      { numRuns: 1000 },
    );
  });
});
