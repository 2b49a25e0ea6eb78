import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { type Message, markdown, text as textMessage, utf8Length, validateMessage } from '@dingbot/sdk';
import fc from 'fast-check';
import { parseAlertmanager } from '../src/inputs/alertmanager.js';
import type { Alert, AlertNotification } from '../src/model.js';
import { alertSummary, summariseAlerts, summariseDigest, targetsOf } from '../src/render/digest.js';

const am = (name: string) =>
  parseAlertmanager(
    JSON.parse(
      readFileSync(new URL(`./fixtures/alertmanager/alertmanager-${name}.json`, import.meta.url), 'utf8'),
    ),
  );

function alert(name: string, instance: string, status: Alert['status'], extra: Partial<Alert> = {}): Alert {
  return {
    status,
    labels: {
      alertname: name,
      instance: `${instance}:9100`,
      severity: name === 'DiskFull' ? 'critical' : 'warning',
    },
    annotations: {},
    startsAt: '2026-11-29T17:00:00Z',
    ...(status === 'resolved' ? { endsAt: '2026-11-29T17:03:00Z' } : {}),
    fingerprint: `${name}/${instance}`,
    ...extra,
  };
}

function notification(alerts: Alert[]): AlertNotification {
  return {
    source: 'alertmanager',
    receiver: 'r',
    status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    groupKey: 'g',
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: '',
    alerts,
    truncatedAlerts: 0,
  };
}

const text = (m: Message) => (m.msgtype === 'markdown' ? m.markdown.text : assert.fail(m.msgtype));
const title = (m: Message) => (m.msgtype === 'markdown' ? m.markdown.title : assert.fail(m.msgtype));

describe('summariseAlerts', () => {
  const burst = [
    notification(Array.from({ length: 8 }, (_, i) => alert('HighCPU', `web-${i + 1}`, 'firing'))),
    notification(Array.from({ length: 4 }, (_, i) => alert('DiskFull', `db-${i + 1}`, 'firing'))),
    notification([alert('HighLatency', 'api-1', 'resolved'), alert('HighLatency', 'api-2', 'resolved')]),
    notification([alert('Flappy', 'cache-1', 'firing')]),
    notification([alert('Flappy', 'cache-1', 'resolved')]),
  ];

  test('English: counts by alert name, instance runs compressed, resolved after firing', () => {
    const m = summariseAlerts(burst, { locale: 'en', timeZone: 'Asia/Shanghai' });
    assert.equal(title(m), '🔥 12 firing: HighCPU ×8, DiskFull ×4');
    const t = text(m);
    assert.match(t, /### 🔥 12 firing\n\n- <font color=#f08c00>●<\/font> \*\*HighCPU\*\* ×8 \(web-1…web-8\)/);
    assert.match(t, /\n- <font color=#d93026>●<\/font> \*\*DiskFull\*\* ×4 \(db-1…db-4\)/);
    assert.ok(t.indexOf('### ✅ 3 resolved') > t.indexOf('DiskFull'), 'resolved after firing');
    assert.match(t, /\*\*HighLatency\*\* ×2 \(api-1, api-2\)/);
    assert.match(t, /First started 2026-11-30 01:00:00 \(UTC\+8\)/);
  });

  test('an alert that fired and resolved in the batch is one line', () => {
    const t = text(summariseAlerts(burst, { locale: 'en', timeZone: 'UTC' }));
    assert.equal(t.match(/Flappy/g)?.length, 1);
    assert.match(t, /\*\*Flappy\*\* \(cache-1\) ✅ resolved after 3 min/);
  });

  test('Chinese', () => {
    const m = summariseAlerts(burst, { locale: 'zh-CN', timeZone: 'Asia/Shanghai' });
    assert.equal(title(m), '🔥 12 条告警中：HighCPU ×8，DiskFull ×4');
    assert.match(text(m), /\*\*HighCPU\*\* ×8（web-1…web-8）/);
    assert.match(text(m), /### ✅ 3 条已恢复/);
    assert.ok(text(m).includes('**Flappy**（cache-1） ✅ 3 分钟后恢复'), text(m));
    assert.match(text(m), /最早开始于 2026-11-30 01:00:00 \(UTC\+8\)/);
  });

  test('an alert that fired and resolved within a minute says so plainly', () => {
    const quick = [
      notification([alert('Blip', 'web-1', 'firing')]),
      notification([alert('Blip', 'web-1', 'resolved', { endsAt: '2026-11-29T17:00:40Z' })]),
    ];
    assert.match(
      text(summariseAlerts(quick, { locale: 'en', timeZone: 'UTC' })),
      /✅ resolved within a minute/,
    );
    assert.match(text(summariseAlerts(quick, { locale: 'zh-CN', timeZone: 'UTC' })), /✅ 1 分钟内恢复/);
  });

  test('the same alert in several notifications counts once, in its latest state', () => {
    const group = am('group');
    const mixed = am('group-mixed');
    const t = text(summariseAlerts([group, mixed], { locale: 'en', timeZone: 'UTC' }));
    assert.match(t, /### 🔥 2 firing/);
    assert.match(t, /HighRequestLatency\*\* ×2 \(web-1, web-3\)/);
    assert.match(t, /### ✅ 1 resolved/);
  });

  test('a resolved-only batch, with mentions', () => {
    const m = summariseAlerts([am('resolved')], {
      locale: 'en',
      timeZone: 'UTC',
      mentions: { mobiles: ['13800000001'], userIds: [], all: false },
    });
    assert.equal(title(m), '✅ 1 resolved: DiskFull');
    assert.match(text(m), /@13800000001$/);
    assert.deepEqual(m.msgtype === 'markdown' && m.at, { atMobiles: ['13800000001'] });
  });

  test('thousands of alerts stay within 20000 bytes and say how many more', () => {
    const many = Array.from({ length: 3000 }, (_, i) =>
      notification([alert(`Alert-${i % 700}-很长的名字`, `host-${i}`, i % 3 === 0 ? 'resolved' : 'firing')]),
    );
    for (const locale of ['en', 'zh-CN'] as const) {
      const m = summariseAlerts(many, { locale, timeZone: 'UTC' });
      validateMessage(m);
      assert.ok(utf8Length(JSON.stringify(m)) <= 20_000);
      assert.match(text(m), /… and \d+ more|…… 还有 \d+ 条/);
    }
  });

  test('targets: runs compress, others list a few', () => {
    const of = (...names: string[]) =>
      targetsOf(names.map((n, i) => alert('A', n, 'firing', { fingerprint: `${i}` })));
    assert.equal(of('web-3', 'web-1', 'web-2'), 'web-1…web-3');
    assert.equal(of('web-1', 'web-3', 'web-7'), 'web-1, web-3, web-7');
    assert.equal(of('a', 'b', 'c', 'd', 'e'), 'a, b, c, d, …');
    assert.equal(of('db-1'), 'db-1');
  });

  test('any batch: a valid message within the limit', () => {
    const arbAlert = fc.record({
      status: fc.constantFrom('firing' as const, 'resolved' as const),
      labels: fc.record({
        alertname: fc.string({ maxLength: 300 }),
        instance: fc.string({ maxLength: 300 }),
      }),
      annotations: fc.constant({}),
      startsAt: fc.constant('2026-11-29T17:00:00Z'),
      fingerprint: fc.string({ maxLength: 4 }),
    });
    fc.assert(
      fc.property(
        fc.array(fc.array(arbAlert, { maxLength: 50 }), { maxLength: 30 }),
        fc.constantFrom('en' as const, 'zh-CN' as const),
        (batches, locale) => {
          const m = summariseAlerts(batches.map(notification), {
            locale,
            timeZone: 'Asia/Shanghai',
            maxBytes: 4000,
          });
          validateMessage(m);
          assert.ok(utf8Length(JSON.stringify(m)) <= 4000);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('summariseDigest, the relay digest builder', () => {
  const firing = notification([alert('HighCPU', 'web-1', 'firing'), alert('HighCPU', 'web-2', 'firing')]);
  const resolved = notification([alert('HighCPU', 'web-1', 'resolved')]);
  const item = (n: AlertNotification, locale: 'en' | 'zh-CN' = 'en', at?: string[]) => ({
    message: markdown('alert', 'rendered', at ? { at: { mobiles: at } } : {}),
    summary: alertSummary(n, locale, 'UTC'),
  });

  test('what the outbox keeps of a notification: its alerts without annotations, the route language', () => {
    const kept = alertSummary(am('firing'), 'zh-CN', 'Asia/Shanghai');
    assert.deepEqual(Object.keys(kept.alerts[0]!).sort(), ['fingerprint', 'labels', 'startsAt', 'status']);
    assert.equal(kept.locale, 'zh-CN');
    assert.equal(kept.timeZone, 'Asia/Shanghai');
    // Stored as JSON, read back the same.
    assert.deepEqual(JSON.parse(JSON.stringify(kept)), kept);
  });

  test('alert messages of one language become one summary, their mentions merged', () => {
    const m = summariseDigest([item(firing, 'en', ['13800000001']), item(resolved, 'en', ['13800000002'])])!;
    assert.equal(title(m), '🔥 1 firing: HighCPU');
    assert.match(text(m), /HighCPU\*\* \(web-2\)/);
    assert.match(text(m), /@13800000001 @13800000002$/);
    assert.deepEqual(m.msgtype === 'markdown' && m.at, { atMobiles: ['13800000001', '13800000002'] });
  });

  test('a message not from alerts, or routes in two languages: undefined (the SDK sends its list)', () => {
    assert.equal(summariseDigest([item(firing), { message: textMessage('deploy done') }]), undefined);
    assert.equal(summariseDigest([item(firing, 'en'), item(resolved, 'zh-CN')]), undefined);
    assert.equal(summariseDigest([]), undefined);
  });
});
