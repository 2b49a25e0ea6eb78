/**
 * The web page's API through `app.request()`: robots described without secrets, the inputs'
 * credentials guarding `/api/*`, the template playground (same render path, limits and line-numbered
 * errors as the inputs; bad requests name the field) and replay moving dead rows back to the queue.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parseConfig } from '../src/config/load.js';
import { RelayMetrics } from '../src/ops/metrics.js';
import { SqliteOutbox } from '../src/outbox/sqlite.js';
import { samplePayloads } from '../src/render/samples.js';
import type { Logger } from '../src/sender/sender.js';
import { createRelayApp } from '../src/server/app.js';
import { maskWebhook } from '../src/server/console.js';
import { compileRuntime } from '../src/server/runtime.js';

const quiet: Logger = { info() {}, warn() {}, error() {} };
const NOW = new Date('2026-11-29T17:25:30Z');

const CONFIG = `
robots:
  ops:
    webhook: "https://oapi.dingtalk.com/robot/send?access_token=OPS_SECRET_TOKEN"
    secret: SEC_OPS_SIGNING_SECRET
    keywords: [值班]
  dba: { token: DBA_SECRET_TOKEN, baseUrl: "http://127.0.0.1:1" }
  web:
    webhooks:
      - "https://oapi.dingtalk.com/robot/send?access_token=WEB1_SECRET"
      - { webhook: "https://oapi.dingtalk.com/robot/send?access_token=WEB2_SECRET", secret: SEC_WEB2 }
routes:
  - name: db
    robot: dba
    match: { job: node }
    continue: true
  - name: custom
    robot: ops
    match: { team: nobody }
    template: |
      ### {{ commonLabels.alertname }}
      {{ status }}
  - name: filed
    robot: ops
    match: { team: nobody-either }
    template: { file: filed.liquid }
  - name: critical
    robot: web
    match: { severity: critical }
defaultRoute: { robot: ops }
`;

function setup(text = CONFIG, baseDir = '.') {
  const { config } = parseConfig(text, { env: {} });
  const runtime = compileRuntime(config, { baseDir, dedupeWindowMs: 600_000, maxBodyBytes: 1 << 20 });
  const outbox = new SqliteOutbox({ path: ':memory:', now: () => NOW.getTime() - 90_000 });
  const metrics = new RelayMetrics({ defaultMetrics: false });
  const relay = createRelayApp(runtime, { outbox, log: quiet, metrics, now: () => NOW });
  const request = (path: string, init: RequestInit = {}) => relay.app.request(path, init);
  const playground = (body: unknown, headers: Record<string, string> = {}) =>
    request('/api/playground', {
      method: 'POST',
      body: typeof body === 'string' ? body : JSON.stringify(body),
      headers: { 'content-type': 'application/json', ...headers },
    });
  return { relay, outbox, metrics, request, playground };
}

const firing = samplePayloads['alertmanager-firing']!.body;

interface Answer {
  messages: {
    route: string;
    robot: string;
    type: string;
    template: string;
    message: { msgtype: string; markdown?: { title: string; text: string }; text?: { content: string } };
    warnings: string[];
    templateError?: { message: string; line?: number; column?: number };
  }[];
}

describe('the page', () => {
  test('GET / and its script and stylesheet are served with a strict CSP; the script carries the emulator renderer', async () => {
    const { request } = setup();
    const page = await request('/');
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    const html = await page.text();
    assert.match(html, /<script src="\/relay\.js" defer>/);
    assert.match(html, /id="pg-template"/);
    const js = await (await request('/relay.js')).text();
    // The emulator's preview renderer and markdown parser, not a second renderer.
    assert.match(js, /var createRenderer = function createRenderer\(md,\s*doc\)/);
    assert.match(js, /renderMessage/);
    assert.match(js, /unescapedIndexOf/);
    new Function(js); // parses
    const css = await (await request('/relay.css')).text();
    assert.match(css, /\.bubble/);
    assert.match(css, /#pg-template/);
  });
});

describe('/api/robots', () => {
  test('describes robots with their queues and never shows a token or a secret', async () => {
    const { request, outbox } = setup();
    await outbox.append({
      source: 'dingtalk',
      messages: [{ robot: 'ops', route: null, message: { msgtype: 'text', text: { content: 'x' } } }],
    });
    const res = await request('/api/robots');
    const text = await res.clone().text();
    for (const secret of ['OPS_SECRET_TOKEN', 'DBA_SECRET_TOKEN', 'WEB1_SECRET', 'WEB2_SECRET', 'SEC_'])
      assert.ok(!text.includes(secret), `${secret} leaked: ${text}`);
    const robots = (await res.json()) as Record<string, unknown>[];
    const byName = Object.fromEntries(robots.map((r) => [r['name'], r]));
    assert.deepEqual(byName['ops']!['webhooks'], ['https://oapi.dingtalk.com/robot/send?access_token=***']);
    assert.equal(byName['ops']!['signed'], true);
    assert.deepEqual(byName['ops']!['keywords'], ['值班']);
    assert.equal(byName['ops']!['queued'], 1);
    assert.equal(byName['ops']!['oldestAgeMs'], 90_000);
    assert.deepEqual(byName['dba']!['webhooks'], ['http://127.0.0.1:1/robot/send?access_token=***']);
    assert.equal(byName['dba']!['signed'], false);
    assert.equal((byName['web']!['webhooks'] as string[]).length, 2);
    assert.equal(byName['web']!['signed'], false, 'one member of the pool does not sign');
    assert.equal(byName['web']!['oldestAgeMs'], undefined);
  });

  test('maskWebhook hides every query value and user info, whatever the URL', async () => {
    const fc = (await import('fast-check')).default;
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/),
        fc.stringMatching(/^[A-Za-z0-9]{6,30}$/),
        (key, secret) => {
          const masked = maskWebhook(
            `https://u:${secret}@oapi.dingtalk.com/robot/send?${key}=${secret}&sign=${secret}`,
          );
          // Exactly the URL's shape with every value masked (a secret such as "dingtalk" or the key's
          // own name may legitimately appear in what is left, so "does not include" cannot be the check).
          const query = [...new Set([key, 'sign'])].map((name) => `${name}=***`).join('&');
          assert.equal(masked, `https://***@oapi.dingtalk.com/robot/send?${query}`);
        },
      ),
    );
    assert.equal(maskWebhook('not a url SECRET'), '(not a URL)');
  });
});

describe("the page's API takes the inputs' credentials", () => {
  const AUTH = `${CONFIG}
inputs:
  alertmanager:
    auth: { bearer: the-bearer-token }
  hooks:
    ci:
      robot: ops
      template: "{{ payload.x }}"
      auth: { basic: { username: ci, password: ci-password } }
`;
  const basic = `Basic ${Buffer.from('ci:ci-password').toString('base64')}`;

  test('without credentials /api/* is refused, naming the schemes; the page shell (no data) is served', async () => {
    const { request, playground } = setup(AUTH);
    for (const path of ['/api/robots', '/api/dead', '/api/recent', '/api/playground']) {
      const res = await request(path);
      assert.equal(res.status, 401, path);
      assert.deepEqual(((await res.json()) as { auth: string[] }).auth, ['bearer', 'basic']);
      assert.match(res.headers.get('www-authenticate') ?? '', /Bearer/);
    }
    assert.equal((await request('/api/dead/replay', { method: 'POST' })).status, 401);
    assert.equal(
      (await playground({ source: 'alertmanager', payload: firing }, { authorization: 'Bearer wrong' }))
        .status,
      401,
    );
    assert.equal((await request('/')).status, 200);
    assert.equal((await request('/relay.js')).status, 200);
    // The page asks for credentials itself: no Basic challenge that would open the browser's dialog.
    const fromPage = await request('/api/robots', { headers: { 'x-dingbot-page': '1' } });
    assert.equal(fromPage.status, 401);
    assert.doesNotMatch(fromPage.headers.get('www-authenticate') ?? '', /(^|, )Basic /);
    assert.match((await request('/api/robots')).headers.get('www-authenticate') ?? '', /Basic realm/);
  });

  test('any configured credential opens it', async () => {
    const { request } = setup(AUTH);
    assert.equal(
      (await request('/api/robots', { headers: { authorization: 'Bearer the-bearer-token' } })).status,
      200,
    );
    assert.equal((await request('/api/robots', { headers: { authorization: basic } })).status, 200);
  });

  test('without any auth configured, the API is open like the inputs', async () => {
    const { request } = setup();
    assert.equal((await request('/api/robots')).status, 200);
  });
});

describe('dead letters on the page', () => {
  test('a reason never shows a token or a secret of the config, even if an error carried one', async () => {
    const { request, outbox } = setup();
    await outbox.append({
      source: 'dingtalk',
      messages: [{ robot: 'ops', route: null, message: { msgtype: 'text', text: { content: 'x' } } }],
    });
    const [row] = await outbox.claim('ops', 1);
    await outbox.markDead(
      [row!.id],
      'failed: https://oapi.dingtalk.com/robot/send?access_token=OPS_SECRET_TOKEN&timestamp=1&sign=abc (SEC_OPS_SIGNING_SECRET, DBA_SECRET_TOKEN)',
      300005,
    );
    const text = await (await request('/api/dead')).text();
    for (const secret of ['OPS_SECRET_TOKEN', 'SEC_OPS_SIGNING_SECRET', 'DBA_SECRET_TOKEN', 'sign=abc'])
      assert.ok(!text.includes(secret), `${secret} leaked: ${text}`);
    assert.match(text, /access_token=\[REDACTED\]/);
  });
});

describe('replay from the page', () => {
  test('one and all: dead rows go back to the queue and leave the dead list', async () => {
    const { request, outbox } = setup();
    await outbox.append({
      source: 'dingtalk',
      messages: [1, 2, 3].map((i) => ({
        robot: 'ops',
        route: null,
        message: { msgtype: 'text' as const, text: { content: `m${i}` } },
      })),
    });
    const rows = await outbox.claim('ops', 10);
    await outbox.markDead(
      rows.map((r) => r.id),
      'KEYWORD_MISSING: keywords not in content',
      310000,
    );
    const dead = async () =>
      ((await (await request('/api/dead')).json()) as { id: number }[]).map((r) => r.id);
    assert.deepEqual((await dead()).sort(), rows.map((r) => r.id).sort());

    const one = await request(`/api/dead/${rows[0]!.id}/replay`, { method: 'POST' });
    assert.deepEqual(await one.json(), { status: 'queued', id: rows[0]!.id });
    assert.equal((await outbox.get(rows[0]!.id))!.state, 'queued');
    assert.ok(!(await dead()).includes(rows[0]!.id));

    const all = await request('/api/dead/replay', { method: 'POST' });
    assert.deepEqual(await all.json(), { status: 'queued', count: 2 });
    assert.deepEqual(await dead(), []);
    const robots = (await (await request('/api/robots')).json()) as { name: string; queued: number }[];
    assert.equal(robots.find((r) => r.name === 'ops')!.queued, 3);
  });
});

describe('POST /api/playground', () => {
  test('a route with the built-in template answers what the input would store', async () => {
    const { playground, outbox } = setup();
    const res = await playground({ source: 'alertmanager', route: 'db', payload: firing });
    assert.equal(res.status, 200);
    const { messages } = (await res.json()) as Answer;
    assert.equal(messages.length, 1);
    const [m] = messages;
    assert.equal(m!.route, 'db');
    assert.equal(m!.robot, 'dba');
    assert.equal(m!.template, 'built-in');
    assert.equal(m!.message.msgtype, 'markdown');
    assert.match(m!.message.markdown!.text, /DiskFull/);
    assert.match(m!.message.markdown!.text, /#d93026/);
    assert.deepEqual(await outbox.depth(), {}, 'the playground stores nothing');
  });

  test('without a route, the labels pick the routes as they would at the input (continue included)', async () => {
    const { playground } = setup();
    const { messages } = (await (
      await playground({ source: 'alertmanager', payload: firing })
    ).json()) as Answer;
    assert.deepEqual(
      messages.map((m) => [m.route, m.robot]),
      [
        ['db', 'dba'],
        ['critical', 'web'],
      ],
    );
  });

  test("a template of one's own, a type of one's own", async () => {
    const { playground } = setup();
    const { messages } = (await (
      await playground({
        source: 'alertmanager',
        route: 'db',
        type: 'text',
        template: '{{ status | upcase }}: {{ commonLabels.alertname }} on {{ alerts[0].labels.instance }}',
        payload: firing,
      })
    ).json()) as Answer;
    assert.equal(messages[0]!.template, 'playground');
    assert.deepEqual(messages[0]!.warnings, []);
    assert.equal(messages[0]!.message.msgtype, 'text');
    assert.equal(messages[0]!.message.text!.content, 'FIRING: DiskFull on db-1:9100');
  });

  test("the route's own template, inline or from its file; null asks for the built-in one", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'relay-page-'));
    writeFileSync(join(dir, 'filed.liquid'), 'from the file: {{ commonLabels.alertname }}');
    const { playground, request } = setup(CONFIG, dir);
    const run = async (route: string, template?: string | null) =>
      (
        (await (
          await playground({ source: 'alertmanager', route, template, payload: firing })
        ).json()) as Answer
      ).messages[0]!;
    const inline = await run('custom');
    assert.equal(inline.template, 'inline');
    // Robot ops has the keyword 值班, which this template does not write: the sender will add it.
    assert.deepEqual(inline.warnings, [
      'the message has none of robot "ops"\'s keywords (值班): the relay adds "值班" at the end when it sends it',
    ]);
    assert.match(inline.message.markdown!.text, /^### DiskFull\nfiring/);
    const filed = await run('filed');
    assert.equal(filed.template, 'filed.liquid');
    assert.match(filed.message.markdown!.text, /^from the file: DiskFull/);
    const builtin = await run('custom', null);
    assert.equal(builtin.template, 'built-in');
    assert.match(builtin.message.markdown!.text, /#d93026/);

    const info = (await (await request('/api/playground')).json()) as {
      routes: { name: string; templateName: string; template: string | null }[];
      samples: { name: string; source: string }[];
    };
    assert.deepEqual(
      info.routes.map((r) => [r.name, r.templateName, r.template]),
      [
        ['db', 'built-in', null],
        ['custom', 'inline', '### {{ commonLabels.alertname }}\n{{ status }}\n'],
        ['filed', 'filed.liquid', 'from the file: {{ commonLabels.alertname }}'],
        ['critical', 'built-in', null],
        ['default', 'built-in', null],
      ],
    );
    assert.deepEqual(
      info.samples.map((s) => s.name),
      Object.keys(samplePayloads),
    );
  });

  test('template errors carry their line and column, and the built-in message that would be sent', async () => {
    const { playground } = setup();
    const run = async (template: string) =>
      (
        (await (
          await playground({ source: 'alertmanager', route: 'db', template, payload: firing })
        ).json()) as Answer
      ).messages[0]!;
    const undefinedVariable = await run(
      '### {{ commonLabels.alertname }}\n\n- {{ alerts[0].lables.instance }}\n',
    );
    assert.equal(undefinedVariable.templateError?.line, 3);
    assert.equal(typeof undefinedVariable.templateError?.column, 'number');
    assert.match(undefinedVariable.templateError!.message, /line 3.*lables/);
    assert.match(undefinedVariable.templateError!.message, /built-in template/);
    assert.match(undefinedVariable.message.markdown!.text, /#d93026/, 'the fallback is the built-in message');

    const syntax = await run('ok\n{% if status %}\nnever closed\n');
    assert.ok(syntax.templateError, 'a syntax error is reported');
    assert.equal(typeof syntax.templateError.line, 'number');

    const filter = await run('{{ status | no_such_filter }}');
    assert.equal(filter.templateError?.line, 1);
  });

  test("the config's template limits apply", async () => {
    const { playground } = setup(`${CONFIG}\ntemplates:\n  limits: { outputLimit: 200 }\n`);
    const { messages } = (await (
      await playground({
        source: 'alertmanager',
        route: 'db',
        template: '{% for i in (1..1000) %}0123456789{% endfor %}',
        payload: firing,
      })
    ).json()) as Answer;
    assert.match(messages[0]!.templateError!.message, /output|limit/i);
    assert.match(messages[0]!.message.markdown!.text, /DiskFull/);
  });

  test('Grafana samples render through the Grafana input', async () => {
    const { playground } = setup();
    const res = await playground({
      source: 'grafana',
      route: 'db',
      payload: samplePayloads['grafana-firing']!.body,
    });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as Answer).messages[0]!.message.msgtype, 'markdown');
  });

  test('a bad request is a 400 naming the field as the user wrote it', async () => {
    const { playground } = setup();
    const refusal = async (body: unknown) => {
      const res = await playground(body);
      assert.equal(res.status, 400, JSON.stringify(body));
      return (await res.json()) as { error: string; field: string };
    };
    const bad = structuredClone(firing) as { alerts: { status: string }[] };
    bad.alerts[0]!.status = 'burning';
    const cases: [unknown, string, RegExp][] = [
      ['not json', '(body)', /not JSON/],
      [{ payload: firing }, 'source', /source/],
      [{ source: 'prometheus', payload: firing }, 'source', /"alertmanager", "grafana"/],
      [{ source: 'alertmanager' }, 'payload', /payload: is required/],
      [{ source: 'alertmanager', payload: bad }, 'payload.alerts[0].status', /payload\.alerts\[0\]\.status/],
      [{ source: 'alertmanager', payload: [] }, 'payload', /payload/],
      [{ source: 'alertmanager', route: 'dbb', payload: firing }, 'route', /did you mean "db"/],
      [{ source: 'alertmanager', templat: 'x', payload: firing }, 'templat', /did you mean "template"/],
      [{ source: 'alertmanager', type: 'card', payload: firing }, 'type', /"markdown", "text", "actionCard"/],
      [{ source: 'alertmanager', template: 42, payload: firing }, 'template', /template/],
    ];
    for (const [body, field, message] of cases) {
      const answer = await refusal(body);
      assert.equal(answer.field, field, JSON.stringify(body));
      assert.match(answer.error, message);
    }
  });

  test('property: any body is a 200 with messages or a 400 naming a field, never a 5xx', async () => {
    const fc = (await import('fast-check')).default;
    const { playground } = setup();
    const template = fc.oneof(
      fc.constant(undefined),
      fc.constant(null),
      fc.string({ maxLength: 60 }),
      fc.constantFrom('{{ status }}', '{% for a in alerts %}{{ a.labels.x }}{% endfor %}', '{{', '{% if %}'),
    );
    const body = fc.oneof(
      fc.anything(),
      fc.record(
        {
          source: fc.oneof(fc.constantFrom('alertmanager', 'grafana', 'hook'), fc.anything()),
          hook: fc.oneof(fc.constant(undefined), fc.constantFrom('github', 'x'), fc.anything()),
          route: fc.oneof(fc.constantFrom('db', 'custom', 'default', 'nope'), fc.anything()),
          template,
          type: fc.oneof(fc.constantFrom('markdown', 'text', 'actionCard'), fc.string()),
          payload: fc.oneof(
            fc.constantFrom(...Object.values(samplePayloads).map((sample) => sample.body)),
            fc.anything(),
          ),
        },
        { requiredKeys: ['source', 'payload'] },
      ),
    );
    await fc.assert(
      fc.asyncProperty(body, async (value) => {
        const res = await playground(JSON.stringify(value) ?? 'null');
        const answer = (await res.json()) as { messages?: unknown[]; field?: unknown; error?: unknown };
        if (res.status === 200) assert.ok(Array.isArray(answer.messages) && answer.messages.length > 0);
        else {
          assert.equal(res.status, 400, JSON.stringify(answer));
          assert.equal(typeof answer.field, 'string');
          assert.equal(typeof answer.error, 'string');
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('POST /api/playground with a hook', () => {
  const HOOKS = `${CONFIG}
inputs:
  hooks:
    github:
      route: db
      template: |
        {% capture title %}{{ payload.repository.full_name }}{% endcapture -%}
        ### {{ payload.repository.full_name | escape_markdown }} pushed {{ payload.commits.size }} commits
    ci:
      robot: ops
      template: "{{ payload.x }}"
templates:
  limits: { outputLimit: 300 }
`;
  const push = { repository: { full_name: 'acme/api_v2' }, commits: [{ id: 'a' }, { id: 'b' }] };

  test("the hook's own template, where the hook goes, with the config's limits", async () => {
    const { playground } = setup(HOOKS);
    const res = await playground({ source: 'hook', hook: 'github', payload: push });
    assert.equal(res.status, 200);
    const [m] = ((await res.json()) as Answer).messages;
    assert.equal(m!.route, 'db');
    assert.equal(m!.robot, 'dba');
    assert.equal(m!.template, 'inline');
    assert.equal(m!.message.markdown!.title, 'acme/api_v2');
    assert.equal(m!.message.markdown!.text, '### acme/api\\_v2 pushed 2 commits');

    const edited = (
      (await (
        await playground({ source: 'hook', hook: 'ci', template: 'ok\n{{ payload.y.z }}', payload: { x: 1 } })
      ).json()) as Answer
    ).messages[0]!;
    assert.equal(edited.route, 'hook:ci');
    assert.equal(edited.robot, 'ops');
    assert.equal(edited.template, 'playground');
    assert.equal(edited.templateError?.line, 2);
    assert.match(edited.message.markdown!.text, /### 📨 ci/, "the hook's fallback listing");

    const long = (
      (await (
        await playground({
          source: 'hook',
          hook: 'ci',
          template: '{% for i in (1..100) %}0123456789{% endfor %}',
          payload: {},
        })
      ).json()) as Answer
    ).messages[0]!;
    assert.match(long.templateError!.message, /output|limit/i);
  });

  test("the hook input itself renders with the config's template limits", async () => {
    const { request, outbox } = setup(
      `${HOOKS.replace('template: "{{ payload.x }}"', 'template: "{% for i in (1..100) %}{{ payload.x }}{% endfor %}"')}`,
    );
    const res = await request('/hooks/ci', {
      method: 'POST',
      body: JSON.stringify({ x: '0123456789' }),
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(res.status, 200);
    const [row] = await outbox.claim('ops', 1);
    const text = (row!.message as { markdown: { text: string } }).markdown.text;
    assert.match(text, /^### 📨 ci/, 'over outputLimit (300): the built-in listing is sent');
  });

  test('GET /api/playground lists the hooks with their templates', async () => {
    const { request } = setup(HOOKS);
    const info = (await (await request('/api/playground')).json()) as {
      hooks: { name: string; robot: string; templateName: string; template: string }[];
    };
    assert.deepEqual(
      info.hooks.map((h) => [h.name, h.robot, h.templateName, h.template]),
      [
        [
          'github',
          'dba',
          'inline',
          parseConfig(HOOKS, { env: {} }).config.inputs.hooks!['github']!.template as string,
        ],
        ['ci', 'ops', 'inline', '{{ payload.x }}'],
      ],
    );
  });

  test('a bad hook request names the field', async () => {
    const { playground } = setup(HOOKS);
    const cases: [unknown, string, RegExp][] = [
      [{ source: 'hook', payload: push }, 'hook', /is required.*known: github, ci/],
      [{ source: 'hook', hook: 'githb', payload: push }, 'hook', /did you mean "github"/],
      [{ source: 'hook', hook: 'github', route: 'db', payload: push }, 'route', /leave route out/],
      [{ source: 'hook', hook: 'github', template: null, payload: push }, 'template', /no built-in template/],
      [{ source: 'hook', hook: 'github', type: 'text', payload: push }, 'type', /leave type out/],
      [{ source: 'alertmanager', hook: 'github', payload: firing }, 'hook', /only with "source": "hook"/],
    ];
    for (const [body, field, message] of cases) {
      const res = await playground(body);
      assert.equal(res.status, 400, JSON.stringify(body));
      const answer = (await res.json()) as { error: string; field: string };
      assert.equal(answer.field, field, JSON.stringify(body));
      assert.match(answer.error, message);
    }
  });
});
