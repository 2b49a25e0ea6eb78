import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parseConfig } from '../src/config/load.js';
import { RelayMetrics } from '../src/ops/metrics.js';
import { SqliteOutbox } from '../src/outbox/sqlite.js';
import type { Logger } from '../src/sender/sender.js';
import { createRelayApp } from '../src/server/app.js';
import { compileRuntime } from '../src/server/runtime.js';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');
const quiet: Logger = { info() {}, warn() {}, error() {} };

const CONFIG = `
robots:
  ops: { webhook: "http://127.0.0.1:1/robot/send?access_token=opstoken" }
  dba: { webhook: "http://127.0.0.1:1/robot/send?access_token=dbatoken" }
routes:
  - name: db
    robot: dba
    match: { job: node }
defaultRoute: { robot: ops }
inputs:
  grafana:
    hmacSecret: grafana-secret
  hooks:
    github:
      robot: ops
      template: "{{ payload.action }} {{ payload.repo }}"
      github: { secret: gh-secret }
    gitlab:
      route: db
      template: "{{ payload.object_kind }}"
      gitlab: { token: gl-token }
limits: { bodyBytes: 4096 }
`;

function setup(text = CONFIG) {
  const { config } = parseConfig(text, { env: {} });
  const runtime = compileRuntime(config, { baseDir: '.', dedupeWindowMs: 600_000, maxBodyBytes: 1 << 20 });
  const outbox = new SqliteOutbox({ path: ':memory:' });
  const metrics = new RelayMetrics({ defaultMetrics: false });
  const notified: string[] = [];
  const relay = createRelayApp(runtime, { outbox, log: quiet, metrics, notify: (r) => notified.push(r) });
  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    relay.app.request(path, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...headers },
    });
  return { relay, outbox, metrics, notified, post };
}

describe('DingTalk-compatible input', () => {
  test('stores DingTalk JSON and answers like DingTalk', async () => {
    const { outbox, post, notified } = setup();
    const res = await post(
      '/robot/send?access_token=ops',
      JSON.stringify({ msgtype: 'text', text: { content: 'hi' } }),
    );
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { errcode: 0, errmsg: 'ok' });
    const [row] = await outbox.claim('ops', 10);
    assert.deepEqual(row!.message.msgtype, 'text');
    assert.equal(row!.source, 'dingtalk');
    assert.deepEqual(notified, ['ops']);
  });

  test('refusals carry the errcodes the SDK knows', async () => {
    const { post } = setup();
    const answer = async (path: string, body: string) =>
      (await (await post(path, body)).json()) as { errcode: number };
    assert.equal((await answer('/robot/send', '{}')).errcode, 40035);
    assert.equal((await answer('/robot/send?access_token=nope', '{}')).errcode, 300005);
    assert.equal((await answer('/robot/send?access_token=ops', 'not json')).errcode, 40035);
    assert.equal((await answer('/robot/send?access_token=ops', '{"msgtype":"voice"}')).errcode, 400105);
    assert.equal(
      (await answer('/robot/send?access_token=ops', '{"msgtype":"text","text":{}}')).errcode,
      400403,
    );
  });

  test('the same msgUuid twice is stored once', async () => {
    const { outbox, post } = setup();
    const body = JSON.stringify({ msgtype: 'text', text: { content: 'once' }, msgUuid: 'u-1' });
    await post('/robot/send?access_token=ops', body);
    await post('/robot/send?access_token=ops', body);
    assert.equal((await outbox.claim('ops', 10)).length, 1);
  });
});

describe('Alertmanager input', () => {
  test('routes by labels, renders, stores; an HA duplicate is dropped', async () => {
    const { outbox, post, metrics } = setup();
    const body = fixture('alertmanager/alertmanager-firing.json');
    const first = await post('/alertmanager', body);
    assert.equal(first.status, 200);
    assert.deepEqual(await first.json(), { status: 'stored', routes: ['db'] });
    const second = await post('/alertmanager', body);
    assert.deepEqual(await second.json(), { status: 'duplicate', routes: ['db'] });
    const rows = await outbox.claim('dba', 10);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.route, 'db');
    assert.match(JSON.stringify(rows[0]!.message), /DiskFull/);
    assert.match(
      await metrics.registry.metrics(),
      /dingbot_relay_deduplicated_total\{source="alertmanager"\} 1/,
    );
  });

  test('/alertmanager/<route> forces the route; /dingtalk/<target>/send too; an unknown one is 404', async () => {
    const { outbox, post } = setup();
    const body = fixture('alertmanager/alertmanager-group.json');
    assert.equal((await post('/alertmanager/default', body)).status, 200);
    assert.equal((await outbox.claim('ops', 10)).length, 1);
    const missing = await post('/dingtalk/nope/send', body);
    assert.equal(missing.status, 404);
    assert.match(((await missing.json()) as { error: string }).error, /no target "nope".*known: db, default/);
  });

  test('a body that can never succeed is a 400 naming the field', async () => {
    const { post } = setup();
    const res = await post('/alertmanager', JSON.stringify({ version: '4', status: 'firing', alerts: [{}] }));
    assert.equal(res.status, 400);
    const answer = (await res.json()) as { field: string };
    assert.ok(answer.field.length > 0);
    assert.equal((await post('/alertmanager', '{nope')).status, 400);
  });

  test('too large is 413; storage trouble and shutting down are 503 (Alertmanager retries those)', async () => {
    const { post, outbox, relay } = setup();
    assert.equal((await post('/alertmanager', 'x'.repeat(5000))).status, 413);
    await outbox.close();
    assert.equal((await post('/alertmanager', fixture('alertmanager/alertmanager-firing.json'))).status, 503);
    relay.drain();
    assert.equal((await post('/alertmanager', '{}')).status, 503);
    assert.equal((await relay.app.request('/readyz')).status, 503);
    assert.equal((await relay.app.request('/livez')).status, 200);
  });

  test('auth: a bearer token is required when configured', async () => {
    const { post } = setup(
      `${CONFIG.replace('inputs:\n', 'inputs:\n  alertmanager:\n    auth:\n      bearer: s3cret\n')}`,
    );
    const body = fixture('alertmanager/alertmanager-firing.json');
    const refused = await post('/alertmanager', body);
    assert.equal(refused.status, 401);
    assert.doesNotMatch(await refused.text(), /s3cret/);
    assert.equal((await post('/alertmanager', body, { authorization: 'Bearer s3cret' })).status, 200);
  });
});

describe('Grafana and hooks', () => {
  test('Grafana: the HMAC signature is checked', async () => {
    const { post, outbox } = setup();
    const body = fixture('grafana/grafana-firing.json');
    assert.equal((await post('/grafana', body, { 'x-grafana-alerting-signature': 'beef' })).status, 401);
    const sig = createHmac('sha256', 'grafana-secret').update(body).digest('hex');
    assert.equal((await post('/grafana', body, { 'x-grafana-alerting-signature': sig })).status, 200);
    const depth = await outbox.depth();
    assert.equal(
      Object.values(depth).reduce((n, d) => n + d.queued, 0),
      1,
    );
  });

  test('GitHub hooks: X-Hub-Signature-256 is checked, X-GitHub-Delivery dedupes', async () => {
    const { post, outbox } = setup();
    const body = JSON.stringify({ action: 'opened', repo: 'dingbot' });
    assert.equal((await post('/hooks/github', body, { 'x-hub-signature-256': 'sha256=00' })).status, 401);
    const headers = {
      'x-hub-signature-256': `sha256=${createHmac('sha256', 'gh-secret').update(body).digest('hex')}`,
      'x-github-delivery': 'd-1',
    };
    assert.equal((await post('/hooks/github', body, headers)).status, 200);
    assert.deepEqual(await (await post('/hooks/github', body, headers)).json(), { status: 'duplicate' });
    const rows = await outbox.claim('ops', 10);
    assert.equal(rows.length, 1);
    assert.match(JSON.stringify(rows[0]!.message), /opened dingbot/);
    assert.equal((await post('/hooks/nope', body)).status, 404);
  });
});

describe('Grafana with a timestamp header', () => {
  test('the timestamp is signed with the body and must be recent', async () => {
    const { post } = setup(
      CONFIG.replace(
        'hmacSecret: grafana-secret',
        'hmacSecret: grafana-secret\n    timestampHeader: X-Grafana-Alerting-Signature-Timestamp',
      ),
    );
    const body = fixture('grafana/grafana-firing.json');
    const sign = (ts: string) => createHmac('sha256', 'grafana-secret').update(`${ts}:${body}`).digest('hex');
    const now = String(Math.floor(Date.now() / 1000));
    const old = String(Math.floor(Date.now() / 1000) - 3600);
    const headers = (ts: string) => ({
      'x-grafana-alerting-signature': sign(ts),
      'x-grafana-alerting-signature-timestamp': ts,
    });
    assert.equal((await post('/grafana', body, headers(old))).status, 401);
    assert.equal((await post('/grafana', body, { 'x-grafana-alerting-signature': sign(now) })).status, 401);
    assert.equal((await post('/grafana', body, headers(now))).status, 200);
  });
});

describe('GitLab hooks and Idempotency-Key', () => {
  test("X-Gitlab-Token is checked; the hook goes to its route's robot; Idempotency-Key dedupes", async () => {
    const { post, outbox } = setup();
    const body = JSON.stringify({ object_kind: 'pipeline' });
    assert.equal((await post('/hooks/gitlab', body, { 'x-gitlab-token': 'wrong' })).status, 401);
    const headers = { 'x-gitlab-token': 'gl-token', 'idempotency-key': 'k-1' };
    assert.deepEqual(await (await post('/hooks/gitlab', body, headers)).json(), { status: 'stored' });
    assert.deepEqual(await (await post('/hooks/gitlab', body, headers)).json(), { status: 'duplicate' });
    const rows = await outbox.claim('dba', 10);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.route, 'db');
  });
});

describe('operations', () => {
  test('metrics, dead letters and replay', async () => {
    const { relay, outbox, post } = setup();
    await post('/robot/send?access_token=ops', JSON.stringify({ msgtype: 'text', text: { content: 'x' } }));
    const [row] = await outbox.claim('ops', 1);
    await outbox.markDead([row!.id], 'KEYWORD_MISSING: keywords not in content', 310000);
    const dead = (await (await relay.app.request('/api/dead')).json()) as { id: number; errcode: number }[];
    assert.deepEqual(
      dead.map((d) => [d.id, d.errcode]),
      [[row!.id, 310000]],
    );
    const metrics = await (await relay.app.request('/metrics')).text();
    assert.match(metrics, /dingbot_relay_outbox_depth\{robot="ops",state="dead"\} 1/);
    assert.match(metrics, /dingbot_relay_received_total\{source="dingtalk",route="ops",code="0"\} 1/);
    assert.equal((await relay.app.request(`/api/dead/${row!.id}/replay`, { method: 'POST' })).status, 200);
    assert.equal((await outbox.claim('ops', 1)).length, 1);
    assert.equal((await relay.app.request('/api/dead/999/replay', { method: 'POST' })).status, 404);
  });
});

describe('property: the DingTalk-compatible input', () => {
  test("any body gets DingTalk's shape (HTTP 200, an errcode), never a 5xx, and only errcode 0 stores", async () => {
    const fc = (await import('fast-check')).default;
    const { post, outbox } = setup();
    let stored = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.record({
            msgtype: fc.constantFrom('text', 'markdown', 'link', 'actionCard', 'feedCard', 'x'),
            text: fc.anything(),
          }),
        ),
        async (body) => {
          const res = await post(
            '/robot/send?access_token=ops',
            typeof body === 'string' ? body : JSON.stringify(body),
          );
          assert.equal(res.status, 200);
          const answer = (await res.json()) as { errcode: number; errmsg: string };
          assert.equal(typeof answer.errcode, 'number');
          if (answer.errcode === 0) stored++;
        },
      ),
      { numRuns: 200 },
    );
    assert.equal((await outbox.claim('ops', 1000)).length, stored);
  });
});
