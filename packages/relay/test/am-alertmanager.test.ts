import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type EmulatorHandle, startEmulator } from '@dingbot/emulator';
import type { Logger } from '../src/sender/sender.js';
import { type RunningRelay, startRelay } from '../src/server/start.js';
import { until } from './helpers.js';

const BINARY = '/usr/bin/prometheus-alertmanager';
const available = existsSync(BINARY);
if (!available) {
  if (process.env['CI'] === 'true')
    throw new Error(`${BINARY} is missing: CI must install prometheus-alertmanager`);
  console.warn(`\n*** SKIPPED: ${BINARY} is missing (apt-get install -y prometheus-alertmanager) ***\n`);
}

const quiet: Logger = { info() {}, warn() {}, error() {} };

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const bodies = (emulator: EmulatorHandle) =>
  emulator.messages().map((m) => {
    const p = m.payload as { markdown?: { title?: string; text?: string }; text?: { content?: string } };
    return `${p.markdown?.title ?? ''}\n${p.markdown?.text ?? p.text?.content ?? ''}`;
  });

describe('Debian prometheus-alertmanager → relay → emulator', { skip: !available }, () => {
  let emulator: EmulatorHandle;
  let relay: RunningRelay;
  let am: ChildProcess;
  let amUrl: string;
  let amExited: Promise<unknown>;

  before(async () => {
    emulator = await startEmulator({ robots: [{ token: 'am-token', name: 'ops', keywords: ['alert'] }] });
    const dir = mkdtempSync(join(tmpdir(), 'relay-am-'));
    writeFileSync(
      join(dir, 'relay.yml'),
      [
        'robots:',
        '  ops:',
        '    token: am-token',
        `    baseUrl: ${emulator.url}`,
        '    keywords: [alert]',
        `outbox: { sqlite: { path: ${join(dir, 'relay.db')} } }`,
        'locale: en',
      ].join('\n'),
    );
    relay = await startRelay({ configPath: join(dir, 'relay.yml'), port: 0, log: quiet });
    const port = await freePort();
    amUrl = `http://127.0.0.1:${port}`;
    writeFileSync(
      join(dir, 'alertmanager.yml'),
      [
        'route:',
        '  receiver: dingbot-relay',
        "  group_by: ['alertname']",
        '  group_wait: 1s',
        '  group_interval: 1s',
        '  repeat_interval: 1h',
        'receivers:',
        '  - name: dingbot-relay',
        '    webhook_configs:',
        `      - url: ${relay.url}/alertmanager`,
        '        send_resolved: true',
      ].join('\n'),
    );
    am = spawn(
      BINARY,
      [
        `--config.file=${join(dir, 'alertmanager.yml')}`,
        `--storage.path=${join(dir, 'am-data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        `--web.external-url=${amUrl}`,
        '--cluster.listen-address=',
      ],
      { stdio: 'ignore' },
    );
    let exited = false;
    amExited = new Promise((resolve) => am.once('exit', (code) => resolve(code)));
    void amExited.then(() => {
      exited = true;
    });
    // No start-up deadline: wait until it answers, fail if it exits.
    await until(
      async () => {
        if (exited) assert.fail('prometheus-alertmanager exited at start');
        try {
          return (await fetch(`${amUrl}/-/ready`)).status === 200;
        } catch {
          return false;
        }
      },
      'Alertmanager ready',
      600_000,
    );
  });

  after(async () => {
    am?.kill('SIGTERM');
    await amExited;
    await relay?.close();
    await emulator?.close();
  });

  const postAlerts = async (alerts: object[]) => {
    const res = await fetch(`${amUrl}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(alerts),
    });
    assert.equal(res.status, 200, await res.text());
  };
  const diskFull = {
    labels: { alertname: 'DiskFull', severity: 'critical', instance: 'db-1:9100', job: 'node' },
    annotations: { summary: 'Disk almost full on db-1', description: 'Only 3% left on /var' },
    generatorURL: 'http://prometheus.local/graph?g0.expr=disk',
  };

  test('a firing alert arrives as a message', async () => {
    await postAlerts([diskFull]);
    await until(
      () => bodies(emulator).some((b) => b.includes('DiskFull') && b.includes('FIRING')),
      'firing message',
    );
    const body = bodies(emulator).find((b) => b.includes('DiskFull'))!;
    assert.match(body, /Disk almost full on db-1/);
  });

  test('its resolution arrives as a resolved message', async () => {
    await postAlerts([{ ...diskFull, endsAt: new Date().toISOString() }]);
    await until(
      () => bodies(emulator).some((b) => b.includes('DiskFull') && b.includes('RESOLVED')),
      'resolved message',
    );
  });

  test('a group of several alerts arrives as one message naming each', async () => {
    await postAlerts(
      ['web-1', 'web-2', 'web-3'].map((instance) => ({
        labels: { alertname: 'HighRequestLatency', severity: 'warning', instance },
        annotations: { description: 'p99 over 1s' },
      })),
    );
    await until(
      () => bodies(emulator).some((b) => ['web-1', 'web-2', 'web-3'].every((i) => b.includes(i))),
      'group message',
    );
    const group = bodies(emulator).filter((b) => b.includes('HighRequestLatency'));
    assert.equal(group.length, 1, group.join('\n---\n'));
    assert.deepEqual(
      emulator.attempts().map((a) => a.errcode),
      [],
    );
  });
});
