import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runRelayCli } from '../src/cli.js';

function io() {
  const out = { stdout: '', stderr: '' };
  return {
    out,
    io: {
      stdout: (t: string) => {
        out.stdout += t;
      },
      stderr: (t: string) => {
        out.stderr += t;
      },
      env: {},
    },
  };
}

test('dingbot relay check: 0 with a summary, 3 with the problems, 2 for usage', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'relay-cli-'));
  const good = join(dir, 'relay.yml');
  writeFileSync(
    good,
    'robots:\n  ops: { webhook: "http://x/robot/send?access_token=TOPSECRET", secret: SECabc }\n',
  );
  const ok = io();
  assert.equal(await runRelayCli(['check', good], ok.io), 0);
  assert.match(ok.out.stdout, /ok \(relay\)[\s\S]*robot ops: robot, signed/);
  assert.match(ok.out.stdout, /route default → robot ops, sample alertmanager-firing: markdown/);
  assert.match(ok.out.stdout, /DiskFull/);
  assert.doesNotMatch(ok.out.stdout, /TOPSECRET|SECabc/);

  const redis = join(dir, 'redis.yml');
  writeFileSync(
    redis,
    'robots:\n  ops: { webhook: "http://x/robot/send?access_token=t" }\noutbox:\n  redis: { url: "redis://user:PW-91bc@redis:6379/3", lease: 15s }\n',
  );
  const shared = io();
  assert.equal(await runRelayCli(['check', redis], shared.io), 0);
  assert.match(
    shared.out.stdout,
    /outbox: redis redis:\/\/redis:6379\/3, keys dingbot-relay:\{relay\}:…, lease 15s/,
  );
  assert.doesNotMatch(shared.out.stdout, /PW-91bc|user/);

  const bad = join(dir, 'bad.yml');
  writeFileSync(bad, 'robots:\n  ops: { webhok: "http://x" }\n');
  const refused = io();
  assert.equal(await runRelayCli(['check', bad], refused.io), 3);
  assert.match(
    refused.out.stderr,
    /bad\.yml:2:10 robots\.ops\.webhok: unknown key `webhok`: did you mean `webhook`\?/,
  );

  const usage = io();
  assert.equal(await runRelayCli([], usage.io), 2);
  assert.match(usage.out.stderr, /--config is required/);
  assert.equal(await runRelayCli(['--config', good, '--port', 'abc'], io().io), 2);
});
