/**
 * The relay's page in Debian's Chromium, on a real port: robots and queues, a dead letter replayed
 * with its button (and gone from the list), a recent delivery drawn as DingTalk shows it, the template
 * playground rendering a template and pointing at the line of a broken one, and the sign-in of a relay
 * whose inputs require a token. `RELAY_SCREENSHOTS=<dir>` saves screenshots of each view there.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { serve } from '@hono/node-server';
import type { Browser, Page } from 'playwright-core';
import { chromiumAvailable, launchChromium, UI_WAIT_MS } from '../../emulator/test/chromium.js';
import { parseConfig } from '../src/config/load.js';
import { RelayMetrics } from '../src/ops/metrics.js';
import { SqliteOutbox } from '../src/outbox/sqlite.js';
import type { Logger } from '../src/sender/sender.js';
import { createRelayApp } from '../src/server/app.js';
import { compileRuntime } from '../src/server/runtime.js';

const quiet: Logger = { info() {}, warn() {}, error() {} };
const screenshotDir = process.env['RELAY_SCREENSHOTS'];
const haveChromium = chromiumAvailable('the relay page browser tests');

const BASE = `
robots:
  ops:
    webhook: "https://oapi.dingtalk.com/robot/send?access_token=OPS_SECRET_TOKEN"
    secret: SEC_OPS_SIGNING_SECRET
    keywords: [告警]
  dba: { token: DBA_SECRET_TOKEN, baseUrl: "http://127.0.0.1:1" }
routes:
  - name: db
    robot: dba
    match: { job: node }
    template: |
      ### {{ commonLabels.alertname | escape_markdown }} on {{ alerts[0].labels.instance }}
      {{ commonAnnotations.summary | escape_markdown }}
defaultRoute: { robot: ops }
`;
const CONFIG = `${BASE}
inputs:
  hooks:
    github:
      robot: ops
      template: "### {{ payload.repository.full_name | escape_markdown }} pushed {{ payload.commits.size }} commits"
`;

interface Served {
  url: string;
  outbox: SqliteOutbox;
  close(): Promise<void>;
}

async function serveRelay(text: string): Promise<Served> {
  const { config } = parseConfig(text, { env: {} });
  const runtime = compileRuntime(config, { baseDir: '.', dedupeWindowMs: 600_000, maxBodyBytes: 1 << 20 });
  const outbox = new SqliteOutbox({ path: ':memory:' });
  const metrics = new RelayMetrics({ defaultMetrics: false });
  const started = Date.now();
  const relay = createRelayApp(runtime, {
    outbox,
    log: quiet,
    metrics,
    // With replicas, a robot's state also names the lease holder and the replica (fields the page shows when present).
    robotStates: () => ({
      ops: {
        inEngine: 0,
        lastSendAt: started,
        ...{ lease: { holder: 'relay-a', until: started + 30_000 }, replica: 'relay-a' },
      },
      dba: { inEngine: 0, pausedUntil: started + 600_000 },
    }),
  });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const created = serve({ fetch: relay.app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(created));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    outbox,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await outbox.close();
    },
  };
}

async function shoot(page: Page, name: string): Promise<void> {
  if (!screenshotDir) return;
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
}

let browser: Browser | undefined;
before(async () => {
  if (haveChromium) browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

describe('the relay page in Chromium', { skip: !haveChromium }, () => {
  let relay: Served;
  let page: Page;
  before(async () => {
    relay = await serveRelay(CONFIG);
    const { outbox } = relay;
    // Two delivered rows (recent deliveries) and two dead letters.
    await outbox.append({
      source: 'alertmanager',
      messages: [
        {
          robot: 'ops',
          route: 'default',
          message: {
            msgtype: 'markdown',
            markdown: {
              title: 'DiskFull',
              text: '### <font color="#d93026">🔥 DiskFull</font>\n\n**Disk /data on db-1 is 95% full**\n\n- instance: db-1',
            },
          },
        },
        { robot: 'ops', route: null, message: { msgtype: 'text', text: { content: 'deploy 42 done' } } },
      ],
    });
    const delivered = await outbox.claim('ops', 10);
    await outbox.markDelivered(delivered.map((r) => r.id));
    await outbox.append({
      source: 'dingtalk',
      messages: [
        { robot: 'ops', route: null, message: { msgtype: 'text', text: { content: 'no keyword here' } } },
        {
          robot: 'dba',
          route: 'db',
          message: { msgtype: 'markdown', markdown: { title: 'x', text: '**refused** for good' } },
        },
      ],
    });
    for (const robot of ['ops', 'dba']) {
      const rows = await outbox.claim(robot, 10);
      await outbox.markDead(
        rows.map((r) => r.id),
        robot === 'ops'
          ? '关键词不匹配 (310000): the message lacks the robot keywords'
          : 'token is not exist (300005)',
        robot === 'ops' ? 310000 : 300005,
      );
    }
    assert.ok(browser);
    page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
  });
  after(async () => {
    await page?.close();
    await relay?.close();
  });

  test('shows robots and queues, without a token', async () => {
    await page.goto(`${relay.url}/`);
    await page.locator('#robots-body tr[data-robot="dba"]').waitFor({ timeout: UI_WAIT_MS });
    const table = (await page.locator('#robots').textContent()) ?? '';
    assert.match(table, /access_token=\*\*\*/);
    assert.doesNotMatch(table, /SECRET/);
    assert.match(table, /keywords: 告警/);
    assert.equal(await page.locator('#robots-body tr[data-robot="dba"] td.paused').count(), 1);
    assert.equal(await page.locator('#robots-body tr[data-robot="ops"] td.bad').textContent(), '1');
    assert.match(
      (await page.locator('#robots-body tr[data-robot="ops"] td.replica').textContent()) ?? '',
      /relay-a · lease relay-a → \d\d:\d\d:\d\d/,
    );
    assert.equal(await page.locator('#robots-body tr[data-robot="dba"] td.replica').textContent(), '–');
  });

  test('recent deliveries are drawn by the emulator renderer', async () => {
    await page.locator('#recent-list .msg-markdown .md-font').waitFor({ timeout: UI_WAIT_MS });
    const colour = await page
      .locator('#recent-list .msg-markdown .md-font')
      .first()
      .evaluate((node) => getComputedStyle(node).color);
    assert.equal(colour, 'rgb(217, 48, 38)');
    assert.match((await page.locator('#recent-list').textContent()) ?? '', /deploy 42 done/);
    await shoot(page, 'queues');
  });

  test('a dead letter leaves the list when Replay is clicked, and its row is queued again', async () => {
    const dead = await relay.outbox.dead();
    const ops = dead.find((row) => row.robot === 'ops')!;
    const item = page.locator(`#dead-list .dead[data-id="${ops.id}"]`);
    await item.waitFor({ timeout: UI_WAIT_MS });
    assert.match((await item.textContent()) ?? '', /310000/);
    assert.match((await item.textContent()) ?? '', /no keyword here/);
    await shoot(page, 'dead-letters');
    await item.locator('button.replay').click();
    await item.waitFor({ state: 'detached', timeout: UI_WAIT_MS });
    assert.equal((await relay.outbox.get(ops.id))!.state, 'queued');
    // The other one is still there, and the queue shows the replayed row.
    await page.locator('#dead-list .dead').first().waitFor({ timeout: UI_WAIT_MS });
    assert.equal(await page.locator('#dead-list .dead').count(), 1);
    await page
      .locator('#robots-body tr[data-robot="ops"] td.busy', { hasText: '1' })
      .waitFor({ timeout: UI_WAIT_MS });
  });

  test('Replay all empties the list', async () => {
    await page.locator('#replay-all').click();
    await page.locator('#dead-empty').waitFor({ state: 'visible', timeout: UI_WAIT_MS });
    assert.deepEqual(await relay.outbox.dead(), []);
  });

  test("the playground renders the route's template, an edited one, and points at a broken line", async () => {
    await page.locator('a[href="#playground"]').click();
    await page.locator('#pg-route').waitFor({ timeout: UI_WAIT_MS });
    await page.locator('#pg-route option[value="db"]').waitFor({ state: 'attached', timeout: UI_WAIT_MS });
    await page.selectOption('#pg-route', 'db');
    // The route's own template, on the first sample (Alertmanager, DiskFull on db-1).
    await page
      .locator('#pg-messages .bubble.markdown h3', { hasText: 'DiskFull on db-1:9100' })
      .waitFor({ timeout: UI_WAIT_MS });
    assert.match(await page.inputValue('#pg-template'), /escape_markdown/);

    await page.fill(
      '#pg-template',
      '### {{ status | upcase }}: **{{ commonLabels.alertname }}**\nfor {{ alerts.size }} alert',
    );
    await page
      .locator('#pg-messages .bubble.markdown strong', { hasText: 'DiskFull' })
      .waitFor({ timeout: UI_WAIT_MS });
    assert.match((await page.locator('#pg-messages h3').textContent()) ?? '', /FIRING/);
    await shoot(page, 'playground');

    await page.fill('#pg-template', 'fine\n{{ alerts[0].lables.x }}\n');
    await page.locator('#pg-messages .template-error').waitFor({ timeout: UI_WAIT_MS });
    assert.match((await page.locator('#pg-messages .template-error').textContent()) ?? '', /line 2/);
    assert.equal(await page.locator('#pg-lines .bad-line').textContent(), '2');
    // What would be sent instead: the built-in message.
    await page.locator('#pg-messages .bubble.markdown .md-font').first().waitFor({ timeout: UI_WAIT_MS });
    await shoot(page, 'playground-error');

    await page.selectOption('#pg-sample', 'grafana-firing');
    await page.locator('#pg-builtin').click();
    assert.equal(await page.inputValue('#pg-source'), 'grafana');
    await page.locator('#pg-messages .row-meta', { hasText: 'built-in' }).waitFor({ timeout: UI_WAIT_MS });
    await page.locator('#pg-messages .template-error').waitFor({ state: 'detached', timeout: UI_WAIT_MS });
  });

  test("a hook's template renders any pasted JSON", async () => {
    await page.selectOption('#pg-route', 'hook:github');
    assert.match(await page.inputValue('#pg-template'), /payload\.repository\.full_name/);
    await page.fill(
      '#pg-payload',
      JSON.stringify({ repository: { full_name: 'acme/api_v2' }, commits: [1, 2, 3] }),
    );
    await page
      .locator('#pg-messages .bubble.markdown h3', { hasText: 'acme/api_v2 pushed 3 commits' })
      .waitFor({ timeout: UI_WAIT_MS });
    assert.equal(await page.locator('#pg-builtin').isDisabled(), true);
    await shoot(page, 'playground-hook');
  });

  test('the language switch relabels the page', async () => {
    await page.locator('#lang').click();
    await page.locator('a[href="#playground"]', { hasText: '模板试验场' }).waitFor({ timeout: UI_WAIT_MS });
    await page
      .locator('#pg-messages .row-meta', { hasText: '配置中的内联模板' })
      .waitFor({ timeout: UI_WAIT_MS });
    await page.locator('#status', { hasText: '在线' }).waitFor({ timeout: UI_WAIT_MS });
    await shoot(page, 'playground-zh');
    await page.locator('#lang').click();
    await page
      .locator('a[href="#playground"]', { hasText: 'Template playground' })
      .waitFor({ timeout: UI_WAIT_MS });
  });
});

describe('a relay whose inputs require a token, in Chromium', { skip: !haveChromium }, () => {
  test('the page asks for the token, then shows the data', async () => {
    const relay = await serveRelay(`${BASE}
inputs:
  alertmanager:
    auth: { bearer: the-bearer-token }
`);
    assert.ok(browser);
    const page = await browser.newPage({ viewport: { width: 1280, height: 700 }, locale: 'en-US' });
    try {
      await page.goto(`${relay.url}/`);
      await page.locator('#signin').waitFor({ state: 'visible', timeout: UI_WAIT_MS });
      assert.equal(await page.locator('#robots-body tr').count(), 0);
      await page.fill('#signin input[name="token"]', 'wrong');
      await page.locator('#signin button[type="submit"]').click();
      await page.locator('#signin-wrong').waitFor({ state: 'visible', timeout: UI_WAIT_MS });
      await shoot(page, 'signin');
      await page.fill('#signin input[name="token"]', 'the-bearer-token');
      await page.locator('#signin button[type="submit"]').click();
      await page.locator('#robots-body tr[data-robot="ops"]').waitFor({ timeout: UI_WAIT_MS });
      assert.equal(await page.locator('#signin').isHidden(), true);
    } finally {
      await page.close();
      await relay.close();
    }
  });

  test('with basic auth, the page asks for the user and password', async () => {
    const relay = await serveRelay(`${BASE}
inputs:
  dingtalk:
    auth: { basic: { username: jenkins, password: "pässword" } }
`);
    assert.ok(browser);
    const page = await browser.newPage({ viewport: { width: 1280, height: 700 }, locale: 'en-US' });
    try {
      await page.goto(`${relay.url}/`);
      await page.locator('#signin .signin-basic').waitFor({ state: 'visible', timeout: UI_WAIT_MS });
      assert.equal(await page.locator('#signin .signin-bearer').isHidden(), true);
      await page.fill('#signin input[name="user"]', 'jenkins');
      await page.fill('#signin input[name="password"]', 'pässword');
      await page.locator('#signin button[type="submit"]').click();
      await page.locator('#robots-body tr[data-robot="ops"]').waitFor({ timeout: UI_WAIT_MS });
    } finally {
      await page.close();
      await relay.close();
    }
  });
});
