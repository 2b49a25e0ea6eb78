import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { notificationIdentity, parseAlertmanager } from '../src/inputs/alertmanager.js';
import { parseTime } from '../src/inputs/payload.js';
import { InputError } from '../src/model.js';

const fixture = (name: string): unknown =>
  JSON.parse(
    readFileSync(new URL(`./fixtures/alertmanager/alertmanager-${name}.json`, import.meta.url), 'utf8'),
  );

/** Asserts that `fn` throws an InputError for `field` whose message names it. */
function throwsInput(fn: () => unknown, field: string): InputError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof InputError, `expected InputError, got ${String(error)}`);
    assert.equal(error.field, field);
    assert.ok(error.message.includes(field), error.message);
    return error;
  }
  assert.fail('expected an InputError');
}

describe('parseAlertmanager on the captured payloads', () => {
  test('firing: Go zero endsAt becomes undefined, nanoseconds are kept as written', () => {
    const n = parseAlertmanager(fixture('firing'));
    assert.equal(n.source, 'alertmanager');
    assert.equal(n.status, 'firing');
    assert.equal(n.receiver, 'dingbot-relay');
    assert.equal(n.groupKey, '{}:{alertname="DiskFull"}');
    assert.equal(n.externalURL, 'http://127.0.0.1:37347');
    assert.equal(n.truncatedAlerts, 0);
    assert.equal(n.alerts.length, 1);
    const [a] = n.alerts;
    assert.equal(a?.endsAt, undefined);
    assert.equal(a?.startsAt, '2026-11-29T17:20:16.851728135Z');
    assert.equal(parseTime(a!.startsAt), Date.UTC(2026, 10, 29, 17, 20, 16, 851));
    assert.equal(a?.labels.severity, 'critical');
    assert.equal(a?.annotations.runbook_url, 'https://runbooks.example.com/disk-full');
    assert.equal(a?.fingerprint, '8c77d5865e910658');
    assert.equal(
      a?.generatorURL,
      'http://prometheus.example.com:9090/graph?g0.expr=node_filesystem_avail_bytes',
    );
  });

  test('resolved: a real endsAt is kept', () => {
    const n = parseAlertmanager(fixture('resolved'));
    assert.equal(n.status, 'resolved');
    assert.equal(n.alerts[0]?.status, 'resolved');
    assert.ok(n.alerts[0]?.endsAt);
    assert.ok(!Number.isNaN(parseTime(n.alerts[0]!.endsAt!)));
  });

  test('group: three alerts, common labels without instance', () => {
    const n = parseAlertmanager(fixture('group'));
    assert.equal(n.alerts.length, 3);
    assert.equal(n.commonLabels.instance, undefined);
    assert.equal(n.commonLabels.alertname, 'HighRequestLatency');
    assert.deepEqual(n.alerts.map((a) => a.labels.instance).sort(), [
      'web-1:8080',
      'web-2:8080',
      'web-3:8080',
    ]);
  });

  test('group-mixed: top-level firing with a resolved alert inside', () => {
    const n = parseAlertmanager(fixture('group-mixed'));
    assert.equal(n.status, 'firing');
    assert.deepEqual(
      n.alerts.map((a) => [a.labels.instance, a.status, a.endsAt === undefined]),
      [
        ['web-1:8080', 'firing', true],
        ['web-2:8080', 'resolved', false],
        ['web-3:8080', 'firing', true],
      ],
    );
  });

  test('newer keys (notification_reason, routeLabels) are accepted; older bodies without them too', () => {
    const body = {
      ...(fixture('firing') as object),
      notification_reason: 'first notification',
      routeLabels: {},
    };
    assert.equal(parseAlertmanager(body).alerts.length, 1);
  });
});

describe('parseAlertmanager errors name the field', () => {
  const base = () => fixture('group') as Record<string, unknown> & { alerts: Record<string, unknown>[] };

  test('a label value that is not a string', () => {
    const body = base();
    body.alerts[1]!.labels = { alertname: 'X', replicas: 3 };
    const e = throwsInput(() => parseAlertmanager(body), 'alerts[1].labels.replicas');
    assert.match(e.message, /string/);
  });

  test('labels that are not an object', () => {
    const body = base();
    body.alerts[0]!.labels = ['a'];
    throwsInput(() => parseAlertmanager(body), 'alerts[0].labels');
  });

  test('a bad status lists the accepted values', () => {
    const body = base();
    body.alerts[2]!.status = 'pending';
    const e = throwsInput(() => parseAlertmanager(body), 'alerts[2].status');
    assert.match(e.message, /"firing", "resolved"/);
  });

  test('a bad time', () => {
    const body = base();
    body.alerts[0]!.startsAt = 'yesterday';
    throwsInput(() => parseAlertmanager(body), 'alerts[0].startsAt');
    body.alerts[0]!.startsAt = '2026-02-31T00:00:00Z';
    throwsInput(() => parseAlertmanager(body), 'alerts[0].startsAt');
  });

  test('a Grafana body posted to the Alertmanager input says where it belongs', () => {
    const body = base();
    body.version = '1';
    const e = throwsInput(() => parseAlertmanager(body), 'version');
    assert.match(e.message, /grafana/);
  });

  test('missing group key, non-object body', () => {
    const body = base();
    delete body.groupKey;
    const e = throwsInput(() => parseAlertmanager(body), 'groupKey');
    assert.match(e.message, /required/);
    throwsInput(() => parseAlertmanager('hello'), '(body)');
    throwsInput(() => parseAlertmanager(null), '(body)');
  });

  test('a label named __proto__ stays an ordinary label', () => {
    const body = JSON.parse(JSON.stringify(base()).replace('"job":"web"', '"__proto__":"x","job":"web"'));
    const n = parseAlertmanager(body);
    assert.equal(Object.getPrototypeOf(n.alerts[0]!.labels), Object.prototype);
    assert.ok(Object.hasOwn(n.alerts[0]!.labels, '__proto__'));
  });
});

/** A valid Alertmanager body built from arbitrary parts. */
const labelMap = fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), fc.string({ maxLength: 20 }), {
  maxKeys: 5,
});
const time = fc
  .record({
    ms: fc.integer({ min: 0, max: 4102444800000 }),
    nanos: fc.boolean(),
  })
  .map(({ ms, nanos }) => {
    const iso = new Date(ms).toISOString();
    return nanos ? iso.replace('Z', '123456Z') : iso;
  });
const validBody = fc.record({
  version: fc.constant('4'),
  receiver: fc.string(),
  status: fc.constantFrom('firing', 'resolved'),
  groupKey: fc.string(),
  groupLabels: labelMap,
  commonLabels: labelMap,
  commonAnnotations: labelMap,
  externalURL: fc.webUrl(),
  truncatedAlerts: fc.nat(),
  alerts: fc.array(
    fc.record({
      status: fc.constantFrom('firing', 'resolved'),
      labels: labelMap,
      annotations: labelMap,
      startsAt: time,
      endsAt: fc.oneof(time, fc.constant('0001-01-01T00:00:00Z')),
      generatorURL: fc.webUrl(),
      fingerprint: fc.stringMatching(/^[0-9a-f]{16}$/),
    }),
    { maxLength: 5 },
  ),
});

describe('parseAlertmanager properties', () => {
  test('arbitrary JSON never throws anything but InputError', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue(),
          validBody.chain((b) => mutate(b)),
        ),
        (body) => {
          try {
            parseAlertmanager(body);
          } catch (error) {
            assert.ok(error instanceof InputError, String(error));
            assert.ok(error.message.includes(error.field));
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  test('valid payloads round-trip', () => {
    fc.assert(
      fc.property(validBody, (body) => {
        const n = parseAlertmanager(JSON.parse(JSON.stringify(body)));
        assert.equal(n.receiver, body.receiver);
        assert.equal(n.status, body.status);
        assert.equal(n.groupKey, body.groupKey);
        assert.deepEqual({ ...n.commonLabels }, { ...body.commonLabels });
        assert.equal(n.truncatedAlerts, body.truncatedAlerts);
        assert.equal(n.alerts.length, body.alerts.length);
        n.alerts.forEach((a, i) => {
          const b = body.alerts[i]!;
          assert.deepEqual({ ...a.labels }, { ...b.labels });
          assert.deepEqual({ ...a.annotations }, { ...b.annotations });
          assert.equal(a.startsAt, b.startsAt);
          assert.equal(a.endsAt, b.endsAt.startsWith('0001-') ? undefined : b.endsAt);
          assert.equal(a.fingerprint, b.fingerprint);
        });
      }),
    );
  });
});

/** A valid body with one field replaced by an arbitrary JSON value. */
function mutate(body: Record<string, unknown>): fc.Arbitrary<unknown> {
  const keys = Object.keys(body);
  return fc
    .record({ key: fc.constantFrom(...keys), value: fc.jsonValue(), alertKey: fc.string() })
    .map(({ key, value, alertKey }) => {
      const copy = JSON.parse(JSON.stringify(body));
      if (key === 'alerts' && copy.alerts.length > 0) copy.alerts[0][alertKey] = value;
      else copy[key] = value;
      return copy;
    });
}

describe('notificationIdentity', () => {
  test('the same notification from two replicas (alerts in another order) has one identity', () => {
    const a = parseAlertmanager(fixture('group'));
    const b = { ...a, alerts: [...a.alerts].reverse() };
    assert.equal(notificationIdentity(a), notificationIdentity(b));
  });

  test('a change of status, of one alert, or of group differs', () => {
    const group = parseAlertmanager(fixture('group'));
    const mixed = parseAlertmanager(fixture('group-mixed'));
    const firing = parseAlertmanager(fixture('firing'));
    const resolved = parseAlertmanager(fixture('resolved'));
    const ids = new Set([group, mixed, firing, resolved].map(notificationIdentity));
    assert.equal(ids.size, 4);
    const other = { ...firing, groupKey: '{}:{alertname="Other"}' };
    assert.notEqual(notificationIdentity(other), notificationIdentity(firing));
  });

  test('an alert that fires again later (new startsAt) is not a duplicate of the first', () => {
    const firing = parseAlertmanager(fixture('firing'));
    const again = {
      ...firing,
      alerts: firing.alerts.map((a) => ({ ...a, startsAt: '2026-11-29T18:00:00Z' })),
    };
    assert.notEqual(notificationIdentity(again), notificationIdentity(firing));
  });

  test('order independence holds for arbitrary alert lists', () => {
    fc.assert(
      fc.property(
        validBody.chain((b) =>
          fc.tuple(fc.constant(b), fc.shuffledSubarray(b.alerts, { minLength: b.alerts.length })),
        ),
        ([body, reordered]) => {
          const n = parseAlertmanager(body);
          const shuffled = parseAlertmanager({ ...body, alerts: reordered }).alerts;
          assert.equal(notificationIdentity({ ...n, alerts: shuffled }), notificationIdentity(n));
        },
      ),
    );
  });
});
