import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { isConfigError } from '../src/config/errors.js';
import { loadConfig, parseConfig } from '../src/config/load.js';

function problemsOf(text: string, env: Record<string, string> = {}) {
  try {
    parseConfig(text, { env });
  } catch (error) {
    assert.ok(isConfigError(error), String(error));
    return error.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('relay.yml', () => {
  test('defaults: 127.0.0.1:8060, dingbot-relay.db in the base dir, zh-CN, Asia/Shanghai', () => {
    const { config, format } = parseConfig(
      'robots:\n  ops:\n    webhook: http://x/robot/send?access_token=t\n',
      {
        baseDir: '/srv/relay',
      },
    );
    assert.equal(format, 'relay');
    assert.deepEqual(config.listen, { host: '127.0.0.1', port: 8060 });
    assert.equal(config.outbox.sqlite?.path, '/srv/relay/dingbot-relay.db');
    assert.equal(config.locale, 'zh-CN');
    assert.equal(config.timeZone, 'Asia/Shanghai');
  });

  // biome-ignore lint/suspicious/noTemplateCurlyInString: a ${ENV} reference as written in relay.yml
  test('secrets come from ${ENV} and from files; durations are parsed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'relay-config-'));
    writeFileSync(join(dir, 'secret.txt'), 'SECfromfile\n');
    writeFileSync(
      join(dir, 'relay.yml'),
      [
        'robots:',
        '  ops:',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a ${ENV} reference as written in relay.yml
        '    webhook: https://oapi.dingtalk.com/robot/send?access_token=${OPS_TOKEN}',
        '    secret: { file: secret.txt }',
        '    rateLimit: { limit: 5, window: 2s }',
        'inputs:',
        '  alertmanager:',
        '    auth:',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a ${ENV} reference as written in relay.yml
        '      bearer: ${AM_TOKEN}',
        'dedupe: { window: 15m }',
      ].join('\n'),
    );
    const { config } = loadConfig(join(dir, 'relay.yml'), { env: { OPS_TOKEN: 'tok', AM_TOKEN: 'bear' } });
    assert.equal(config.robots['ops']!.webhook, 'https://oapi.dingtalk.com/robot/send?access_token=tok');
    assert.equal(config.robots['ops']!.secret, 'SECfromfile');
    assert.deepEqual(config.robots['ops']!.rateLimit, { limit: 5, window: 2000 });
    assert.deepEqual(config.inputs.alertmanager?.auth, { bearer: 'bear' });
    assert.equal(config.dedupe?.window, 900_000);
  });

  test('mistakes are reported with line, column, the key as written and a "did you mean"', () => {
    const problems = problemsOf(
      [
        'listen:',
        '  prot: 80',
        'robots:',
        '  ops:',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a ${ENV} reference as written in relay.yml
        '    webhook: ${MISSING}',
        '    keywrds: [alert]',
        'timeZone: Mars/Olympus',
      ].join('\n'),
    );
    const byPath = new Map(problems.map((p) => [p.path, p]));
    assert.deepEqual(
      { ...byPath.get('listen.prot') },
      { path: 'listen.prot', line: 2, column: 3, message: 'unknown key `prot`: did you mean `port`?' },
    );
    assert.equal(
      byPath.get('robots.ops.keywrds')?.message,
      'unknown key `keywrds`: did you mean `keywords`?',
    );
    assert.equal(byPath.get('robots.ops.keywrds')?.line, 6);
    assert.match(byPath.get('robots.ops.webhook')!.message, /MISSING is not set/);
    assert.equal(byPath.get('timeZone')?.line, 7);
  });

  test('a secret never appears in an error', () => {
    const problems = problemsOf(
      'robots:\n  ops:\n    token: SECRET-TOKEN-123\n    webhook: SECRET-HOOK-456\n    secret: SEC-SECRET-789\n',
    );
    const text = JSON.stringify(problems);
    assert.doesNotMatch(text, /SECRET-TOKEN-123|SECRET-HOOK-456|SEC-SECRET-789/);
    assert.ok(problems.some((p) => p.path === 'robots.ops' && /only one/.test(p.message)));
  });

  // biome-ignore lint/suspicious/noTemplateCurlyInString: a ${ENV} reference as written in relay.yml
  test('outbox.redis: defaults, ${ENV} in the URL, and field-named errors that never show the URL', () => {
    const robots = 'robots:\n  ops: { webhook: "http://x/robot/send?access_token=t" }\n';
    const { config } = parseConfig(`${robots}outbox:\n  redis: { url: "\${REDIS_URL}" }\n`, {
      env: { REDIS_URL: 'redis://:pw-7f3a@redis:6379/2' },
    });
    assert.equal(config.outbox.sqlite, undefined);
    assert.deepEqual(config.outbox.redis, {
      url: 'redis://:pw-7f3a@redis:6379/2',
      keyPrefix: 'dingbot-relay:',
      lease: 30_000,
      waitReplicas: 0,
      waitTimeout: 1000,
      keepDelivered: 1000,
    });
    const custom = parseConfig(
      `${robots}outbox:\n  redis: { url: "rediss://r:6380", keyPrefix: "prod:", replica: pod-a, lease: 10s, waitReplicas: 1, waitTimeout: 500ms }\n`,
    ).config.outbox.redis;
    assert.equal(custom?.replica, 'pod-a');
    assert.equal(custom?.lease, 10_000);
    assert.equal(custom?.waitTimeout, 500);

    const bad = problemsOf(
      `${robots}outbox:\n  redis:\n    url: "http://:SECRET-PW@redis:6379"\n    lease: 10ms\n    leese: 30s\n`,
    );
    assert.deepEqual(
      bad.map((p) => [p.path, p.line, p.message]),
      [
        ['outbox.redis.url', 5, 'must be a redis:// or rediss:// URL, e.g. redis://redis:6379/0'],
        ['outbox.redis.lease', 6, 'must be at least 1s (renewed every third of it)'],
        ['outbox.redis.leese', 7, 'unknown key `leese`: did you mean `lease`?'],
      ],
    );
    assert.doesNotMatch(JSON.stringify(bad), /SECRET-PW/);
    const both = problemsOf(`${robots}outbox:\n  sqlite: { path: a.db }\n  redis: { url: "redis://r" }\n`);
    assert.deepEqual(
      both.map((p) => [p.path, p.message]),
      [['outbox', 'has both `sqlite` and `redis`: give one of them']],
    );
    assert.match(problemsOf(`${robots}outbox: {}\n`)[0]!.message, /needs `sqlite: \{ path \}`/);
  });

  test('YAML syntax errors carry a position', () => {
    const problems = problemsOf('robots:\n  ops: [\n');
    assert.equal(problems[0]!.path, '(yaml)');
    assert.ok(problems[0]!.line! >= 2);
  });
});

describe('prometheus-webhook-dingtalk config files', () => {
  const file = [
    'timeout: 5s',
    'templates:',
    '  - contrib/templates/legacy/template.tmpl',
    'default_message:',
    '  title: \'{{ template "legacy.title" . }}\'',
    '  text: \'{{ template "legacy.content" . }}\'',
    'targets:',
    '  webhook1:',
    '    url: https://oapi.dingtalk.com/robot/send?access_token=xxxxxxxxxxxx',
    '    secret: SEC000000000000000000000',
    '  webhook_mention_users:',
    '    url: https://oapi.dingtalk.com/robot/send?access_token=yyyyyyyyyyyy',
    '    mention:',
    "      mobiles: ['15600008827', '18900008325']",
  ].join('\n');

  test('are accepted unchanged: each target becomes a robot and a route', () => {
    const loaded = parseConfig(file);
    assert.equal(loaded.format, 'prometheus-webhook-dingtalk');
    assert.deepEqual(Object.keys(loaded.config.robots), ['webhook1', 'webhook_mention_users']);
    assert.equal(loaded.config.robots['webhook1']!.secret, 'SEC000000000000000000000');
    assert.equal(loaded.config.listen.port, 8060);
    assert.equal(loaded.warnings.length, 2);
    assert.ok(
      (loaded.config.routes as { name: string }[]).some((route) => route.name === 'webhook_mention_users'),
    );
  });

  test('their Go templates are refused with the equivalent, at the right line', () => {
    const problems = problemsOf(
      "targets:\n  w:\n    url: http://x\n    message:\n      text: '{{ range .Alerts }}{{ .Labels.alertname }}{{ end }}'\n",
    );
    assert.equal(problems[0]!.path, 'targets.w.message.text');
    assert.equal(problems[0]!.line, 5);
    assert.match(problems[0]!.message, /Go template.*built-in template.*liquid/s);
  });

  test("a bad target names the file's own key", () => {
    const problems = problemsOf('targets:\n  w:\n    url: 12\n');
    assert.equal(problems[0]!.path, 'targets.w.url');
    assert.equal(problems[0]!.line, 3);
  });
});

describe('routes, people and templates sections', () => {
  test("are validated with relay-render's schemas and checked against robots:", () => {
    const problems = problemsOf(
      [
        'robots:',
        '  ops: { webhook: "http://x" }',
        '  dba: { webhook: "http://y" }',
        'routes:',
        '  - name: db',
        '    robot: dbaa',
        '    match_re: { severity: "(" }',
        'defaultRoute: { robot: ops }',
      ].join('\n'),
    );
    const byPath = new Map(problems.map((p) => [p.path, p]));
    assert.ok(byPath.has('routes[0].match_re.severity'), JSON.stringify(problems));
    assert.equal(byPath.get('routes[0].match_re.severity')?.line, 7);
  });

  test('a route naming an unknown robot gets a "did you mean"', () => {
    const problems = problemsOf(
      ['robots:', '  ops: { webhook: "http://x" }', 'routes:', '  - name: db', '    robot: opz'].join('\n'),
    );
    assert.deepEqual(
      problems.map((p) => [p.path, p.line, p.message]),
      [['routes[0].robot', 5, 'no robot named "opz": did you mean "ops"?']],
    );
  });
});
