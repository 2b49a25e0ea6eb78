import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { notificationIdentity } from '../src/inputs/alertmanager.js';
import { parseGrafana } from '../src/inputs/grafana.js';
import { InputError } from '../src/model.js';

const fixture = (name: string): Record<string, unknown> & { alerts: Record<string, unknown>[] } =>
  JSON.parse(readFileSync(new URL(`./fixtures/grafana/grafana-${name}.json`, import.meta.url), 'utf8'));
const amFixture = (name: string): unknown =>
  JSON.parse(
    readFileSync(new URL(`./fixtures/alertmanager/alertmanager-${name}.json`, import.meta.url), 'utf8'),
  );

describe('parseGrafana', () => {
  test('firing: Grafana links and values, empty URLs and null values dropped', () => {
    const n = parseGrafana(fixture('firing'));
    assert.equal(n.source, 'grafana');
    assert.equal(n.status, 'firing');
    assert.equal(n.title, '[FIRING:2]  (Infra blue)');
    assert.match(n.message ?? '', /Firing/);
    assert.equal(n.externalURL, 'https://grafana.example.com/');
    const [mem, cpu] = n.alerts;
    assert.equal(mem?.dashboardURL, 'https://grafana.example.com/d/mem01?orgId=1');
    assert.equal(mem?.panelURL, 'https://grafana.example.com/d/mem01?orgId=1&viewPanel=4');
    assert.match(mem?.silenceURL ?? '', /alerting\/silence\/new/);
    assert.deepEqual(mem?.values, { B: 94.2394373754, C: 1 });
    assert.equal(mem?.endsAt, undefined);
    assert.equal(mem?.startsAt, '2026-11-29T09:51:03.157076+02:00');
    assert.equal(cpu?.dashboardURL, undefined);
    assert.equal(cpu?.panelURL, undefined);
    assert.equal(cpu?.values, undefined);
  });

  test('resolved', () => {
    const n = parseGrafana(fixture('resolved'));
    assert.equal(n.status, 'resolved');
    assert.equal(n.alerts[0]?.endsAt, '2026-11-29T10:04:03.157076+02:00');
  });

  test('an Alertmanager body is refused with a pointer to /alertmanager', () => {
    assert.throws(
      () => parseGrafana(amFixture('firing')),
      (e: unknown) => e instanceof InputError && e.field === 'version' && /alertmanager/.test(e.message),
    );
  });

  test('a bad value names the refId', () => {
    const body = fixture('firing');
    body.alerts[0]!.values = { B: 'high' };
    assert.throws(
      () => parseGrafana(body),
      (e: unknown) => e instanceof InputError && e.field === 'alerts[0].values.B',
    );
  });

  test('a Grafana without groupKey still gets a stable identity', () => {
    const body = fixture('firing');
    delete body.groupKey;
    const a = parseGrafana(body);
    const b = parseGrafana({ ...body, alerts: [...body.alerts].reverse() });
    assert.equal(notificationIdentity(a), notificationIdentity(b));
    assert.notEqual(notificationIdentity(a), notificationIdentity(parseGrafana(fixture('resolved'))));
  });

  test('arbitrary JSON and mutated bodies never throw anything but InputError', () => {
    const base = fixture('firing');
    const mutated = fc
      .record({
        key: fc.constantFrom(...Object.keys(base), 'alerts.0'),
        value: fc.jsonValue(),
        sub: fc.string(),
      })
      .map(({ key, value, sub }) => {
        const copy = JSON.parse(JSON.stringify(base));
        if (key === 'alerts.0') copy.alerts[0][sub] = value;
        else copy[key] = value;
        return copy;
      });
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), mutated), (body) => {
        try {
          parseGrafana(body);
        } catch (error) {
          assert.ok(error instanceof InputError, String(error));
        }
      }),
      { numRuns: 500 },
    );
  });
});
