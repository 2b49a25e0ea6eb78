/**
 * An AI card in Debian's Chromium: a robot creates one through the OpenAPI and streams into it; the
 * preview's timeline shows the text as it grows, then the final text and "finished". Waits are for
 * elements, never for a duration.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { defaults, type EmulatorHandle, startEmulator } from '../src/index.js';
import { chromiumAvailable, launchChromium, UI_WAIT_MS } from './chromium.js';

const haveChromium = chromiumAvailable('the AI card browser test');

let emulator: EmulatorHandle;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

async function call(method: 'POST' | 'PUT', path: string, body: unknown, token?: string) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers['x-acs-dingtalk-access-token'] = token;
  const res = await fetch(emulator.url + path, { method, headers, body: JSON.stringify(body) });
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()) as Record<string, unknown>;
}

before(async () => {
  if (!haveChromium) return;
  emulator = await startEmulator({ port: 0 });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 900, height: 700 } });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(emulator.url + '/');
  await page.locator('#status.live').waitFor({ timeout: UI_WAIT_MS });
});

after(async () => {
  await browser?.close();
  await emulator?.close();
});

const maybe = haveChromium ? test : test.skip;

maybe('a streamed AI card shows its text as it grows, then its final text', async () => {
  const { clientId, clientSecret } = defaults.apps.app;
  const token = (
    await call('POST', '/v1.0/oauth2/accessToken', { appKey: clientId, appSecret: clientSecret })
  )['accessToken'] as string;
  await call(
    'POST',
    '/v1.0/card/instances/createAndDeliver',
    {
      cardTemplateId: 'tpl.schema',
      outTrackId: 'track-browser',
      openSpaceId: `dtv1.card//IM_GROUP.${defaults.apps.group.id}`,
      imGroupOpenDeliverModel: { robotCode: clientId },
      cardData: { cardParamMap: { msgContent: '' } },
    },
    token,
  );
  const card = page.locator('article[data-robot="bot"]', { hasText: 'via card/streaming' });
  await card.locator('.card-processing').waitFor({ timeout: UI_WAIT_MS });
  const stream = (content: string, isFinalize = false) =>
    call(
      'PUT',
      '/v1.0/card/streaming',
      {
        outTrackId: 'track-browser',
        guid: crypto.randomUUID(),
        key: 'msgContent',
        content,
        isFull: true,
        isFinalize,
      },
      token,
    );
  await stream('Deploys go');
  await card.locator('.bubble', { hasText: 'Deploys go' }).waitFor({ timeout: UI_WAIT_MS });
  await card.locator('.card-inputing').waitFor({ timeout: UI_WAIT_MS });
  await stream('Deploys go through **CI**.', true);
  await card.locator('.card-finished').waitFor({ timeout: UI_WAIT_MS });
  assert.equal((await card.locator('.bubble').innerText()).trim(), 'Deploys go through CI.');
  assert.equal(await card.locator('.bubble strong').innerText(), 'CI');
  assert.match(await card.locator('.exchange-line').innerText(), /2 updates/);
  // One card, one timeline entry, redrawn in place.
  assert.equal(await page.locator('article', { hasText: 'via card/streaming' }).count(), 1);
  assert.deepEqual(pageErrors, []);
});
