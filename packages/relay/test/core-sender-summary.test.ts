import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, type TestContext, test } from 'node:test';
import { type EmulatorHandle, startEmulator } from '@dingbot/emulator';
import { text } from '@dingbot/sdk';
import Database from 'better-sqlite3';
import { parseConfig } from '../src/config/load.js';
import { RelayMetrics } from '../src/ops/metrics.js';
import { SqliteLimiterStore } from '../src/outbox/limiter.js';
import { SqliteOutbox } from '../src/outbox/sqlite.js';
import { type Logger, RobotSender } from '../src/sender/sender.js';
import { createRelayApp } from '../src/server/app.js';
import { compileRuntime, senderTargets } from '../src/server/runtime.js';
import { until } from './helpers.js';

const quiet: Logger = { info() {}, warn() {}, error() {} };
const dbPath = () => join(mkdtempSync(join(tmpdir(), 'relay-summary-')), 'relay.db');

/** One Alertmanager notification (payload version 4) of one alert. */
function notification(name: string, host: string, status: 'firing' | 'resolved', severity = 'warning') {
  return JSON.stringify({
    version: '4',
    receiver: 'dingbot-relay',
    status,
    groupKey: `{}:{alertname="${name}",instance="${host}"}`,
    groupLabels: { alertname: name },
    commonLabels: { alertname: name, instance: `${host}:9100`, severity },
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example.com',
    truncatedAlerts: 0,
    alerts: [
      {
        status,
        labels: { alertname: name, instance: `${host}:9100`, severity },
        annotations: { summary: `${name} on ${host}` },
        startsAt: '2026-11-29T17:00:00Z',
        endsAt: status === 'resolved' ? '2026-11-29T17:04:00Z' : '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus.example.com/graph',
        fingerprint: `${name}/${host}`,
      },
    ],
  });
}

/**
 * The relay's app (inputs, routing, rendering, outbox) and a sender towards the emulator, whose
 * robot may send once in ten minutes: what is posted before the sender starts waits together.
 */
async function setup(t: TestContext, locale: 'en' | 'zh-CN' = 'en') {
  const emulator = await startEmulator({ robots: [{ token: 'ops-token', name: 'ops' }], rateLimit: false });
  const { config } = parseConfig(
    `
locale: ${locale}
timeZone: UTC
robots:
  ops: { token: ops-token, baseUrl: "${emulator.url}", keywords: [alert], rateLimit: { limit: 1, window: 10m } }
defaultRoute: { robot: ops }
`,
    { env: {} },
  );
  const runtime = compileRuntime(config, { baseDir: '.', dedupeWindowMs: 600_000, maxBodyBytes: 1 << 20 });
  const outbox = new SqliteOutbox({ path: dbPath() });
  const { app } = createRelayApp(runtime, {
    outbox,
    log: quiet,
    metrics: new RelayMetrics({ defaultMetrics: false }),
  });
  const post = async (path: string, body: string) => {
    const res = await app.request(path, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(res.status, 200, await res.text());
  };
  const sender = new RobotSender({
    target: senderTargets(config)[0]!,
    outbox,
    store: new SqliteLimiterStore(outbox.db),
    log: quiet,
    robotOptions: { retry: 'fast' },
  });
  // Also when the test failed half-way: a running sender would keep the process up.
  t.after(async () => {
    await sender.stop();
    await outbox.close();
    await emulator.close();
  });
  const delivered = async (n: number) => {
    await until(async () => (await outbox.recent(1000)).length === n && sender.inEngine === 0, `${n} rows`);
  };
  return { emulator, outbox, post, sender, delivered };
}

const markdownOf = (emulator: EmulatorHandle) =>
  emulator.messages().map((m) => {
    const p = m.payload as { msgtype: string; markdown?: { title: string; text: string } };
    assert.equal(p.msgtype, 'markdown');
    return p.markdown!;
  });

describe('alert digests are summaries', () => {
  test('12 alerts waiting together: one summary grouped by name with counts; every row delivered by that send', async (t) => {
    const { emulator, outbox, post, sender, delivered } = await setup(t);
    for (let i = 1; i <= 8; i++) await post('/alertmanager', notification('HighCPU', `web-${i}`, 'firing'));
    for (let i = 1; i <= 4; i++) {
      await post('/alertmanager', notification('DiskFull', `db-${i}`, 'firing', 'critical'));
    }
    sender.start();
    await delivered(12);

    const [summary, ...more] = markdownOf(emulator);
    assert.deepEqual(more, []);
    assert.equal(summary!.title, '🔥 12 firing: HighCPU ×8, DiskFull ×4');
    assert.match(
      summary!.text,
      /^### 🔥 12 firing\n\n- <font color=[^>]+>●<\/font> \*\*HighCPU\*\* ×8 \(web-1…web-8\)\n- /,
    );
    assert.match(summary!.text, /\*\*DiskFull\*\* ×4 \(db-1…db-4\)/);
    assert.match(summary!.text, /alert$/, 'the keyword, once');

    // Crash safety: the send was recorded with all twelve rows before it was posted, then confirmed.
    const sends = outbox.db.prepare('SELECT msg_uuid, members, state FROM sends').all() as {
      msg_uuid: string;
      members: string;
      state: string;
    }[];
    assert.equal(sends.length, 1);
    const rows = await outbox.recent(100);
    assert.deepEqual(
      JSON.parse(sends[0]!.members),
      rows.map((r) => ({ id: r.id, part: 0, parts: 1 })).sort((a, b) => a.id - b.id),
    );
    assert.notEqual(sends[0]!.state, 'posting');
    assert.equal(emulator.messages()[0]!.payload.msgUuid, sends[0]!.msg_uuid);
  });

  test('resolved after firing; an alert that fired and resolved inside the wait is one line', async (t) => {
    const { emulator, post, sender, delivered } = await setup(t);
    await post('/alertmanager', notification('HighCPU', 'web-1', 'firing'));
    await post('/alertmanager', notification('DiskFull', 'db-1', 'firing', 'critical'));
    await post('/alertmanager', notification('HighCPU', 'web-1', 'resolved'));
    sender.start();
    await delivered(3);
    const [summary, ...more] = markdownOf(emulator);
    assert.deepEqual(more, []);
    const text = summary!.text;
    assert.ok(text.indexOf('🔥 1 firing') < text.indexOf('✅ 1 resolved'), text);
    assert.match(text, /\*\*DiskFull\*\*/);
    assert.equal(text.split('HighCPU').length, 2, 'web-1 is one line');
    assert.match(text, /\*\*HighCPU\*\* \(web-1\) ✅ resolved after 4 min/);
  });

  test('a digest with a message that is not an alert goes as the list, every row delivered', async (t) => {
    const { emulator, post, sender, delivered } = await setup(t);
    await post('/alertmanager', notification('HighCPU', 'web-1', 'firing'));
    await post(
      '/robot/send?access_token=ops',
      JSON.stringify({ msgtype: 'text', text: { content: 'deploy done' } }),
    );
    sender.start();
    await delivered(2);
    const [list, ...more] = markdownOf(emulator);
    assert.deepEqual(more, []);
    assert.match(list!.text, /^#### 2 messages/);
    assert.match(list!.text, /deploy done/);
  });
});

describe('the outbox keeps what a summary needs', () => {
  test('a file made before summaries gains the column; its old rows have none, new rows keep theirs', async () => {
    const path = dbPath();
    const old = new Database(path);
    old.exec(`CREATE TABLE outbox (
      id INTEGER PRIMARY KEY AUTOINCREMENT, robot TEXT NOT NULL, route TEXT, source TEXT NOT NULL,
      message TEXT NOT NULL, msg_uuid TEXT NOT NULL UNIQUE, state TEXT NOT NULL DEFAULT 'queued',
      attempts INTEGER NOT NULL DEFAULT 0, not_before INTEGER NOT NULL DEFAULT 0,
      created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, reason TEXT, errcode INTEGER)`);
    old
      .prepare(
        "INSERT INTO outbox (robot, source, message, msg_uuid, created_at, updated_at) VALUES ('ops', 't', ?, 'u-old', 1, 1)",
      )
      .run(JSON.stringify(text('from before')));
    old.close();

    const outbox = new SqliteOutbox({ path });
    const summary = {
      alerts: [
        { status: 'firing' as const, labels: { alertname: 'HighCPU' }, startsAt: '2026-11-29T17:00:00Z' },
      ],
      truncatedAlerts: 0,
      locale: 'en' as const,
      timeZone: 'UTC',
    };
    await outbox.append({
      messages: [{ robot: 'ops', route: 'r', message: text('new'), summary }],
      source: 't',
    });
    const [before, after] = await outbox.claim('ops', 10);
    assert.equal(before!.summary, undefined);
    assert.deepEqual(after!.summary, summary);
    await outbox.close();
  });
});
