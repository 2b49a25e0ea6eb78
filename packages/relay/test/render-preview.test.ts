/**
 * The built-in templates sent for real: every fixture, in both languages and all three message types,
 * through the SDK's Robot to the emulator (which must accept each one), then shown on the emulator's
 * preview page in Debian's Chromium, which must find nothing DingTalk would not render.
 * `RELAY_SCREENSHOTS=<dir>` saves a screenshot of the page per language there.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type EmulatorHandle, startEmulator } from '@dingbot/emulator';
import { type Message, Robot } from '@dingbot/sdk';
import type { Browser, Page } from 'playwright-core';
import { chromiumAvailable, launchChromium } from '../../emulator/test/chromium.js';
import { parseAlertmanager } from '../src/inputs/alertmanager.js';
import { parseGrafana } from '../src/inputs/grafana.js';
import type { AlertNotification, Mentions } from '../src/model.js';
import { summariseAlerts } from '../src/render/digest.js';
import { createRenderer } from '../src/render/renderer.js';

const read = (path: string): unknown =>
  JSON.parse(readFileSync(new URL(`./fixtures/${path}`, import.meta.url), 'utf8'));
const fixtures: [string, AlertNotification][] = [
  ...['firing', 'resolved', 'group', 'group-mixed'].map((name): [string, AlertNotification] => [
    `alertmanager ${name}`,
    parseAlertmanager(read(`alertmanager/alertmanager-${name}.json`)),
  ]),
  ...['firing', 'resolved'].map((name): [string, AlertNotification] => [
    `grafana ${name}`,
    parseGrafana(read(`grafana/grafana-${name}.json`)),
  ]),
];
const NOW = new Date('2026-11-29T17:25:30Z');
const mentions: Mentions = { mobiles: ['13800000001'], userIds: [], all: false };
const screenshotDir = process.env['RELAY_SCREENSHOTS'];
const haveChromium = chromiumAvailable('the relay template preview tests');

let emulator: EmulatorHandle;
let browser: Browser | undefined;

before(async () => {
  emulator = await startEmulator({
    port: 0,
    rateLimit: false,
    robots: [
      { token: 'zh-token', name: 'zh-CN' },
      { token: 'en-token', name: 'en' },
    ],
  });
  if (haveChromium) browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await emulator?.close();
});

for (const locale of ['zh-CN', 'en'] as const) {
  describe(`built-in templates in ${locale}, through the emulator`, () => {
    const token = locale === 'zh-CN' ? 'zh-token' : 'en-token';
    const sent: Message[] = [];
    const labels: string[] = [];

    test('the emulator accepts every fixture in every type', async () => {
      const robot = new Robot({
        accessToken: token,
        baseUrl: emulator.url,
        rateLimit: false,
        digest: false,
        retry: 'none',
      });
      const renderer = createRenderer({ locale, timeZone: 'Asia/Shanghai', now: () => NOW });
      for (const [name, n] of fixtures) {
        for (const type of ['markdown', 'text', 'actionCard'] as const) {
          const { message } = await renderer.renderAlerts(n, { name, robot: 'r', type }, mentions);
          await robot.send(message);
          sent.push(message);
          labels.push(`${name} ${type}`);
        }
      }
      const digest = summariseAlerts(
        fixtures.map(([, n]) => n),
        { locale, timeZone: 'Asia/Shanghai' },
      );
      await robot.send(digest);
      sent.push(digest);
      labels.push('digest');
      await robot.close();
      assert.equal(emulator.messages({ robot: locale }).length, sent.length);
    });

    test('the preview shows them with nothing DingTalk would not render', {
      skip: !haveChromium,
    }, async () => {
      assert.ok(browser);
      const page: Page = await browser.newPage({ viewport: { width: 900, height: 900 } });
      try {
        await page.goto(`${emulator.url}/`);
        await page.locator('#status.live').waitFor({ timeout: 120_000 });
        const records = emulator.messages({ robot: locale });
        await page.locator(`[data-key="m${records.at(-1)!.id}"]`).waitFor({ timeout: 120_000 });
        if (screenshotDir) {
          // One picture per message, named after what it shows.
          mkdirSync(screenshotDir, { recursive: true });
          for (const [i, record] of records.entries()) {
            const label = labels[i] ?? `message-${i}`;
            await page
              .locator(`[data-key="m${record.id}"]`)
              .screenshot({ path: join(screenshotDir, `${locale}-${label.replace(/\W+/g, '-')}.png`) });
          }
        }
        assert.deepEqual(await page.locator('.warn-badge').allTextContents(), []);
        // Severity colours arrive as colours, not as raw <font> tags.
        const red = page.locator('.md-font').first();
        assert.equal(await red.evaluate((node) => getComputedStyle(node).color), 'rgb(217, 48, 38)');
        const pageText = (await page.locator('body').textContent()) ?? '';
        const bad = /<font|\\[[(*_]/.exec(pageText);
        assert.equal(bad, null, bad ? pageText.slice(bad.index - 200, bad.index + 100) : '');
        assert.match(pageText, locale === 'zh-CN' ? /已持续 5 分钟/ : /for 5 min/);
      } finally {
        await page.close();
      }
    });
  });
}
