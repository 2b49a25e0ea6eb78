/**
 * A second, adversarial pass over the preview page in Debian's Chromium: hostile robot names and
 * tokens (open mode), a hostile URL hash, bidi controls, huge fields, prototype keys, quadratic
 * markdown. One browser launch for the file.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { type EmulatorHandle, startEmulator } from '../src/index.js';
import { chromiumAvailable, launchChromium, UI_WAIT_MS } from './chromium.js';

const haveChromium = chromiumAvailable('the preview review browser tests');

const pwn = 'window.__pwned=1;alert(1)';
const xss = `<img src=x onerror="${pwn}"><script>${pwn}</script>`;
const rlo = '\u202e';

let emulator: EmulatorHandle;
let browser: Browser;
let page: Page;
const dialogs: string[] = [];
const pageErrors: string[] = [];

async function send(token: string, body: unknown): Promise<{ errcode: number; errmsg: string }> {
  const response = await fetch(`${emulator.url}/robot/send?access_token=${encodeURIComponent(token)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return (await response.json()) as { errcode: number; errmsg: string };
}

before(async () => {
  if (!haveChromium) return;
  // Open mode: every token becomes a robot named after its first 6 characters.
  emulator = await startEmulator({ port: 0, rateLimit: false });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on('pageerror', (error) => pageErrors.push(error.message));
});

after(async () => {
  await browser?.close();
  await emulator?.close();
});

const maybe = haveChromium ? test : test.skip;

maybe('hostile tokens, robot names, hash and payloads stay text; the page keeps its width', async () => {
  // A hostile robot filter in the URL hash, before the page even loads.
  await page.goto(`${emulator.url}/#robot=${encodeURIComponent(`${xss}${rlo}evil`)}`);
  await page.locator('#status.live').waitFor({ timeout: UI_WAIT_MS });
  assert.equal(await page.locator('#robot').inputValue(), `${xss}${rlo}evil`);
  await page.selectOption('#robot', '');

  const long = 'W'.repeat(9_000);
  const sends: [string, unknown][] = [
    ['<svg/onload=alert(1)>', { msgtype: 'text', text: { content: `${rlo}gnp.exe ${xss}` } }],
    [`${rlo}"'><x`, { msgtype: 'markdown', markdown: { title: long, text: `# ${long}` } }],
    [
      'proto-token',
      '{"msgtype":"text","text":{"content":"proto","__proto__":{"polluted":1}},"__proto__":{"isAdmin":true},' +
        '"at":{"atMobiles":["__proto__","constructor"],"isAtAll":true,"__proto__":{"x":1}}}',
    ],
    [
      'buttons',
      {
        msgtype: 'actionCard',
        actionCard: {
          title: 't',
          text: '>'.repeat(500) + ' deep',
          btnOrientation: 1,
          singleTitle: 'half a single button',
          btns: Array.from({ length: 300 }, (_, i) => ({ title: `b${i}`, actionURL: 'https://a.ex/' })),
        },
      },
    ],
    [
      'css',
      {
        msgtype: 'markdown',
        markdown: {
          title: 't',
          text:
            '<font color="red;position:fixed;inset:0;background:url(https://evil.example/x)">a</font> ' +
            "<font color=expression(alert(1))>b</font> <font color='#fff\\;display:none'>c</font> " +
            '<font color=currentColor>d</font> ' +
            '<font color=red>'.repeat(20) +
            'deep' +
            '</font>'.repeat(20) +
            `\n\n${'['.repeat(18_000)}]`,
        },
      },
    ],
    [
      'links',
      {
        msgtype: 'feedCard',
        feedCard: {
          links: [
            { title: long, messageURL: `data:text/html,${xss}`, picURL: `vbscript:${pwn}` },
            {
              title: 'b',
              messageURL: ' javascript:alert(1)',
              picURL: 'data:image/svg+xml,<svg onload=alert(1)>',
            },
          ],
        },
      },
    ],
  ];
  for (const [token, body] of sends) assert.equal((await send(token, body)).errcode, 0, token);
  // A refused send whose msgtype is a 20 kB hostile string.
  await send('refused', { msgtype: `${xss}${'M'.repeat(19_000)}` });
  const last = emulator.attempts().at(-1);
  assert.ok(last);
  await page.locator(`[data-key="a${last.id}"]`).waitFor({ timeout: UI_WAIT_MS });
  const lastMessage = emulator.messages().at(-1);
  await page.locator(`[data-key="m${lastMessage?.id}"]`).waitFor({ timeout: UI_WAIT_MS });

  // Re-render the whole timeline twice through the filter (the quadratic-markdown message included);
  // how fast the parser grows is held by the node tests, with ratios instead of a wall clock.
  await page.selectOption('#robot', 'css');
  await page.selectOption('#robot', '');
  await page.locator(`[data-key="m${lastMessage?.id}"]`).waitFor({ timeout: UI_WAIT_MS });

  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: '/tmp/preview-review-hostile.png', fullPage: false });

  assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned), undefined);
  assert.equal(
    await page.evaluate(() => (Object.prototype as Record<string, unknown>)['polluted']),
    undefined,
  );
  assert.deepEqual(dialogs, []);
  assert.deepEqual(pageErrors, []);
  assert.equal(await page.locator('body script, body svg, body iframe, body object').count(), 0);
  const handlers = await page
    .locator('body *')
    .evaluateAll((nodes) =>
      nodes.flatMap((n) => [...n.attributes].map((a) => a.name)).filter((name) => name.startsWith('on')),
    );
  assert.deepEqual(handlers, []);
  // Robot names from tokens are option text, never markup; the hostile hash robot was (checked above).
  const options = await page.locator('#robot option').allTextContents();
  assert.ok(options.includes('<svg/o'), options.join(' | '));
  // Only a colour ever reaches an inline style, and only an allow-listed one.
  const styles = await page
    .locator('#timeline [style]')
    .evaluateAll((nodes) => nodes.map((n) => n.getAttribute('style')));
  for (const style of styles) assert.match(String(style), /^color: (?:#[0-9a-f]{3,6}|[a-z]+);$/);
  assert.ok(styles.length >= 10, `coloured spans: ${styles.length}`);
  const hrefs = await page
    .locator('#timeline [href], #timeline [src]')
    .evaluateAll((nodes) => nodes.map((n) => n.getAttribute('href') ?? n.getAttribute('src')));
  for (const href of hrefs) assert.match(String(href), /^https?:\/\//);
  // Buttons are capped; btns still show when the single button is only half there.
  const buttons = await page.locator('.action-card .btn').count();
  assert.ok(buttons > 0 && buttons <= 50, `buttons rendered: ${buttons}`);
  // Nothing pushes the page sideways: long names, titles and msgtypes wrap or are cut.
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  assert.ok(overflow <= 0, `page overflows horizontally by ${overflow}px`);
  // Bidi controls stay inside their element.
  const isolated = await page
    .locator('.robot-name')
    .first()
    .evaluate((n) => getComputedStyle(n).unicodeBidi);
  assert.equal(isolated, 'isolate');
});
