/**
 * The preview page in a real Chromium (Debian's, never a downloaded one), against a real emulator
 * on loopback: every message type as DingTalk would show it, live, and hostile content staying inert.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { type EmulatorHandle, startEmulator } from '../src/index.js';
import { chromiumAvailable, launchChromium, UI_WAIT_MS } from './chromium.js';

const haveChromium = chromiumAvailable('the preview browser tests');
/** Screenshots for humans while developing: `PREVIEW_SCREENSHOTS=1`. Never committed. */
const screenshots = process.env['PREVIEW_SCREENSHOTS'] === '1';

let emulator: EmulatorHandle;
let images: Server;
let imageOrigin: string;
let browser: Browser;
let page: Page;
const requests: string[] = [];
const dialogs: string[] = [];
const pageErrors: string[] = [];
const consoleErrors: string[] = [];

const svg = (fill: string) =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="80"><rect width="120" height="80" fill="${fill}"/>` +
  `<circle cx="60" cy="40" r="22" fill="#fff" opacity=".7"/></svg>`;

async function send(token: string, body: unknown): Promise<{ errcode: number; errmsg: string }> {
  const response = await fetch(`${emulator.url}/robot/send?access_token=${token}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await response.json()) as { errcode: number; errmsg: string };
}

/** Waits until the page shows the record with this data-key (message `m<id>`, attempt `a<id>`). */
async function shown(key: string): Promise<void> {
  await page.locator(`[data-key="${key}"]`).waitFor({ timeout: UI_WAIT_MS });
}

/** A full-page screenshot from the top (so the sticky header sits where it belongs). */
async function screenshot(name: string): Promise<void> {
  if (!screenshots) return;
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `/tmp/preview-${name}.png`, fullPage: true });
}

async function sendShown(token: string, body: unknown): Promise<string> {
  const before = emulator.messages().length;
  const reply = await send(token, body);
  assert.equal(reply.errcode, 0, `send refused: ${reply.errmsg}`);
  const record = emulator.messages()[before];
  assert.ok(record);
  await shown(`m${record.id}`);
  return `[data-key="m${record.id}"]`;
}

before(async () => {
  if (!haveChromium) return;
  images = createServer((request, response) => {
    const colour = request.url?.includes('b') ? '#15bc83' : '#3296fa';
    response.writeHead(200, { 'content-type': 'image/svg+xml' }).end(svg(colour));
  });
  await new Promise<void>((resolve) => images.listen(0, '127.0.0.1', resolve));
  imageOrigin = `http://127.0.0.1:${(images.address() as AddressInfo).port}`;
  emulator = await startEmulator({
    port: 0,
    rateLimit: false,
    robots: [
      { token: 'ops-token', name: 'ops' },
      { token: 'alerts-token', name: 'alerts', keywords: ['alert'] },
    ],
  });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
  page.on('request', (request) => requests.push(request.url()));
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  await page.goto(emulator.url + '/');
  await page.locator('#status.live').waitFor({ timeout: UI_WAIT_MS });
});

after(async () => {
  await browser?.close();
  await emulator?.close();
  await new Promise<void>((resolve) => (images ? images.close(() => resolve()) : resolve()));
});

const maybe = haveChromium ? test : test.skip;

maybe('text: real mentions highlighted, listed-but-missing ones noted', async () => {
  const item = await sendShown('ops-token', {
    msgtype: 'text',
    text: { content: '@13800000000 deploy of api v2.3 done: https://ci.example.com/build/42' },
    at: { atMobiles: ['13800000000', '13900000000'] },
  });
  const bubble = page.locator(`${item} .bubble.text`);
  assert.equal(await bubble.locator('.mention').textContent(), '@13800000000');
  assert.match((await bubble.textContent()) ?? '', /deploy of api v2\.3 done/);
  assert.equal(await bubble.locator('a').getAttribute('href'), 'https://ci.example.com/build/42');
  assert.equal(await bubble.locator('a').getAttribute('rel'), 'noopener noreferrer');
  const note = (await page.locator(`${item} .note-missing`).textContent()) ?? '';
  assert.match(note, /listed in at but not in the text: won't ping/);
  assert.match(note, /@13900000000/);
  assert.equal(await page.locator(`${item} .robot-name`).textContent(), 'ops');
});

maybe('markdown: the subset rendered, the title only in the notification line, the rest raw', async () => {
  const item = await sendShown('ops-token', {
    msgtype: 'markdown',
    markdown: {
      title: 'Deploy report',
      text:
        '### Deploy finished\n' +
        'Service **api** is *healthy*,\nsame paragraph  \nnew line\n\n' +
        '> 3 of 3 checks passed\n\n' +
        '- <font color=#d7263d>1 warning</font>\n- [details](https://ci.example.com/42)\n\n' +
        '1. build\n2. deploy\n\n' +
        `![chart](${imageOrigin}/chart.svg)\n\n` +
        '| host | ok |\n|---|---|\n| a | yes |\n\n~~old~~',
    },
  });
  const bubble = page.locator(`${item} .bubble.markdown`);
  assert.equal(await bubble.locator('h3').textContent(), 'Deploy finished');
  assert.equal(await bubble.locator('strong').textContent(), 'api');
  assert.equal(await bubble.locator('em').textContent(), 'healthy');
  // A single \n joins the paragraph; two trailing spaces break it.
  const paragraph = bubble.locator('p').first();
  assert.match((await paragraph.textContent()) ?? '', /healthy, same paragraph/);
  assert.equal(await paragraph.locator('br').count(), 1);
  assert.equal(await bubble.locator('blockquote').textContent(), '3 of 3 checks passed');
  assert.equal(await bubble.locator('ul > li').count(), 2);
  assert.equal(await bubble.locator('ol > li').count(), 2);
  const red = bubble.locator('.md-font');
  assert.equal(await red.evaluate((node) => getComputedStyle(node).color), 'rgb(215, 38, 61)');
  assert.equal(await bubble.locator('a').getAttribute('href'), 'https://ci.example.com/42');
  assert.equal(await bubble.locator('img').getAttribute('src'), `${imageOrigin}/chart.svg`);
  await page.waitForFunction(
    (selector) => (document.querySelector(selector) as HTMLImageElement | null)?.naturalWidth === 120,
    `${item} .bubble img`,
  );
  // Unsupported constructs are shown raw, with a badge.
  assert.match((await bubble.locator('pre.md-raw').textContent()) ?? '', /\| host \| ok \|/);
  assert.equal(await bubble.locator('table').count(), 0);
  const badges = await page.locator(`${item} .warn-badge`).allTextContents();
  assert.deepEqual(badges, ["DingTalk won't render: table", "DingTalk won't render: strikethrough"]);
  // The title: in the notification line, not in the bubble.
  assert.match((await page.locator(`${item} .notify`).textContent()) ?? '', /Deploy report/);
  assert.doesNotMatch((await bubble.textContent()) ?? '', /Deploy report/);
});

maybe(
  'escaped text reads literally, a nested list is indented and badged, sample pictures load',
  async () => {
    const item = await sendShown('ops-token', {
      msgtype: 'markdown',
      markdown: {
        title: 'Escapes',
        // What escapeMarkdown() makes of 'feature/*fast*_path', '# not a heading', '1. not a list', '<b>&lt;'.
        text:
          '**Branch:** feature/\\*fast\\*\\_path\n\n\\# not a heading\n\n1\\. not a list\n\n&lt;b&gt;&amp;lt;\n\n' +
          '- parent\n  - child\n    - grandchild\n- sibling\n\n' +
          `![chart](${emulator.url}/samples/chart.png) ![server](${emulator.url}/samples/server.png)\n\n` +
          `![banner](${emulator.url}/samples/banner.png) ![avatar](${emulator.url}/samples/avatar.png)`,
      },
    });
    const bubble = page.locator(`${item} .bubble`);
    const paragraphs = await bubble.locator('p').allTextContents();
    assert.deepEqual(paragraphs.slice(0, 4), [
      'Branch: feature/*fast*_path',
      '# not a heading',
      '1. not a list',
      '<b>&lt;',
    ]);
    assert.equal(await bubble.locator('em, h1, ol').count(), 0, 'nothing escaped became markup');
    assert.deepEqual(await bubble.locator('li.md-nested').allTextContents(), ['child', 'grandchild']);
    assert.match((await page.locator(`${item} .warn-badge`).allTextContents()).join(' '), /nested list/);
    const images = bubble.locator('img');
    assert.equal(await images.count(), 4);
    for (let index = 0; index < 4; index++) {
      const image = images.nth(index);
      await image.scrollIntoViewIfNeeded();
      await page.waitForFunction(
        (element) => (element as HTMLImageElement).complete,
        await image.elementHandle(),
        {
          timeout: UI_WAIT_MS,
        },
      );
      const width = await image.evaluate((element) => (element as HTMLImageElement).naturalWidth);
      assert.ok(width > 0, `sample ${index} did not load`);
    }
    await screenshot('escapes-nested-samples');
  },
);

maybe('link card: title, clamped text, picture, the whole card a safe link', async () => {
  const item = await sendShown('ops-token', {
    msgtype: 'link',
    link: {
      title: 'Release 2.3 is out',
      text: 'Faster sends, fewer retries. '.repeat(12),
      messageUrl: 'https://example.com/releases/2.3',
      picUrl: `${imageOrigin}/release.svg`,
    },
  });
  const card = page.locator(`${item} a.link-card`);
  assert.equal(await card.getAttribute('href'), 'https://example.com/releases/2.3');
  assert.equal(await card.getAttribute('target'), '_blank');
  assert.equal(await card.locator('.card-title').textContent(), 'Release 2.3 is out');
  assert.equal(await card.locator('img.link-pic').getAttribute('src'), `${imageOrigin}/release.svg`);
  const clamped = await card
    .locator('.link-text')
    .evaluate((node) => node.scrollHeight > node.clientHeight + 2);
  assert.ok(clamped, 'long link text is clamped');
});

maybe('action cards: text as markdown, buttons vertical, side by side, or the single form', async () => {
  const horizontal = await sendShown('ops-token', {
    msgtype: 'actionCard',
    actionCard: {
      title: 'Approve deploy?',
      text: '#### Deploy to **production**\nRequested by Li Lei',
      btnOrientation: '1',
      btns: [
        { title: 'Approve', actionURL: 'https://example.com/approve' },
        { title: 'Reject', actionURL: 'https://example.com/reject' },
      ],
    },
  });
  const vertical = await sendShown('ops-token', {
    msgtype: 'actionCard',
    actionCard: {
      title: 'Pick one',
      text: 'Which environment?',
      btnOrientation: '0',
      btns: [
        { title: 'staging', actionURL: 'https://example.com/s' },
        { title: 'production', actionURL: 'https://example.com/p' },
      ],
    },
  });
  const single = await sendShown('ops-token', {
    msgtype: 'actionCard',
    actionCard: {
      title: 'Weekly digest',
      text: '![](' + imageOrigin + '/b.svg)\n### 12 alerts this week',
      singleTitle: 'Read more',
      singleURL: 'https://example.com/digest',
      btns: [{ title: 'ignored', actionURL: 'https://example.com/ignored' }],
    },
  });
  assert.equal(await page.locator(`${horizontal} .card-md h4 strong`).textContent(), 'production');
  assert.match((await page.locator(`${horizontal} .notify`).textContent()) ?? '', /Approve deploy\?/);
  assert.doesNotMatch((await page.locator(`${horizontal} .card`).textContent()) ?? '', /Approve deploy\?/);
  const boxes = async (selector: string) =>
    Promise.all((await page.locator(selector).all()).map(async (button) => (await button.boundingBox())!));
  const [approve, reject] = await boxes(`${horizontal} .btn`);
  assert.ok(approve && reject);
  assert.equal(Math.round(approve.y), Math.round(reject.y), 'side by side');
  assert.ok(reject.x > approve.x);
  const [staging, production] = await boxes(`${vertical} .btn`);
  assert.ok(staging && production);
  assert.ok(production.y > staging.y, 'stacked');
  assert.equal(Math.round(staging.x), Math.round(production.x));
  // Single wins over btns.
  assert.equal(await page.locator(`${single} .btn`).count(), 1);
  assert.equal(
    await page.locator(`${single} .btn-single`).getAttribute('href'),
    'https://example.com/digest',
  );
  assert.equal(await page.locator(`${single} .btn-label`).textContent(), 'Read more');
});

maybe('feed card: a row per link with its picture', async () => {
  const item = await sendShown('ops-token', {
    msgtype: 'feedCard',
    feedCard: {
      links: [
        {
          title: 'Incident review: the 14:00 outage',
          messageURL: 'https://example.com/1',
          picURL: `${imageOrigin}/a.svg`,
        },
        { title: 'New on-call rota', messageURL: 'https://example.com/2', picURL: `${imageOrigin}/b.svg` },
        {
          title: 'Team lunch on Friday',
          messageURL: 'https://example.com/3',
          picURL: `${imageOrigin}/c.svg`,
        },
      ],
    },
  });
  const rows = page.locator(`${item} .feed-row`);
  assert.equal(await rows.count(), 3);
  assert.deepEqual(await page.locator(`${item} .feed-title`).allTextContents(), [
    'Incident review: the 14:00 outage',
    'New on-call rota',
    'Team lunch on Friday',
  ]);
  assert.equal(await rows.nth(1).getAttribute('href'), 'https://example.com/2');
  assert.equal(await rows.nth(2).locator('img').getAttribute('src'), `${imageOrigin}/c.svg`);
});

maybe('refused attempts appear as red system lines with errcode, errmsg and explanation', async () => {
  const reply = await send('alerts-token', { msgtype: 'text', text: { content: 'disk almost full' } });
  assert.equal(reply.errcode, 310000);
  const attempt = emulator.attempts().at(-1);
  assert.ok(attempt);
  await shown(`a${attempt.id}`);
  const line = page.locator(`[data-key="a${attempt.id}"]`);
  assert.equal(await line.locator('.errcode').textContent(), 'errcode 310000');
  assert.equal(await line.locator('.errmsg').textContent(), attempt.errmsg);
  assert.equal(await line.locator('.explanation').textContent(), attempt.explanation);
  assert.equal(await line.evaluate((node) => getComputedStyle(node).backgroundColor), 'rgb(253, 236, 238)');
  await send('alerts-token', {
    msgtype: 'markdown',
    markdown: { title: 'alert', text: '**alert**: disk 91%' },
  });
  await screenshot('all');
});

maybe('hostile content stays inert and later messages still render', async () => {
  const pwn = 'window.__pwned=1;alert(1)';
  const hostile: unknown[] = [
    { msgtype: 'text', text: { content: `<script>${pwn}</script><img src=x onerror="${pwn}">` } },
    {
      msgtype: 'markdown',
      markdown: {
        title: `<img src=x onerror="${pwn}">`,
        text:
          `<script>${pwn}</script>\n\n<img src=x onerror="${pwn}">\n\n[click](javascript:${pwn})\n\n` +
          `[tab](java\tscript:${pwn}) [data](data:text/html,<script>${pwn}</script>)\n\n` +
          `![x](javascript:${pwn}) <font color="red;background:url(javascript:x)" onclick="${pwn}">c</font>\n\n` +
          `<a href="javascript:${pwn}" onmouseover="${pwn}">a</a> <svg onload="${pwn}"></svg>\n\n` +
          '**unclosed *broken [link](\n\n```\nunterminated fence',
      },
    },
    {
      msgtype: 'link',
      link: { title: '<b>x</b>', text: 't', messageUrl: `javascript:${pwn}`, picUrl: `javascript:${pwn}` },
    },
    {
      msgtype: 'actionCard',
      actionCard: {
        title: 't',
        text: `[x](vbscript:${pwn})`,
        btnOrientation: 1,
        btns: [
          { title: 'go', actionURL: `javascript:${pwn}` },
          { title: 'dt', actionURL: 'dtmd://dingtalkclient/sendMessage?content=hi' },
        ],
      },
    },
    {
      msgtype: 'actionCard',
      actionCard: { title: 't', text: 'x', singleTitle: 'go', singleURL: ` JavaScript:${pwn}` },
    },
    {
      msgtype: 'feedCard',
      feedCard: {
        links: [
          {
            title: `<img src=x onerror="${pwn}">`,
            messageURL: `javascript:${pwn}`,
            picURL: `javascript:${pwn}`,
          },
        ],
      },
    },
  ];
  for (const body of hostile) await sendShown('ops-token', body);
  // Malformed fields of every kind: refused or accepted, the page must survive them.
  const malformed: unknown[] = [
    { msgtype: 'markdown', markdown: { title: { a: 1 }, text: ['x'] } },
    { msgtype: 'actionCard', actionCard: { title: 1, text: null, btns: 'nope' } },
    { msgtype: 'feedCard', feedCard: { links: [null, 3, { title: 7 }] } },
    { msgtype: 'text', text: { content: 5 }, at: { atMobiles: 'x' } },
    { msgtype: '<img src=x onerror=alert(1)>', x: 1 },
  ];
  for (const body of malformed) await send('ops-token', body);
  const alive = await sendShown('ops-token', { msgtype: 'text', text: { content: 'still alive' } });
  assert.equal(await page.locator(`${alive} .bubble`).textContent(), 'still alive');
  await screenshot('hostile');

  // No script ran, no dialog opened, nothing clickable points anywhere but http(s).
  await page.mouse.move(10, 10);
  for (const element of await page.locator('#timeline .inert').all()) await element.hover({ force: true });
  assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned), undefined);
  assert.deepEqual(dialogs, []);
  assert.deepEqual(pageErrors, []);
  assert.equal(
    await page.locator('#timeline script, #timeline iframe, #timeline svg, #timeline object').count(),
    0,
  );
  const hrefs = await page
    .locator('#timeline [href]')
    .evaluateAll((nodes) => nodes.map((n) => n.getAttribute('href')));
  for (const href of hrefs) assert.match(String(href), /^https?:\/\//);
  const srcs = await page
    .locator('#timeline [src]')
    .evaluateAll((nodes) => nodes.map((n) => n.getAttribute('src')));
  for (const src of srcs) assert.match(String(src), /^https?:\/\//);
  const handlers = await page
    .locator('#timeline *')
    .evaluateAll((nodes) =>
      nodes.flatMap((n) => [...n.attributes].map((a) => a.name)).filter((name) => name.startsWith('on')),
    );
  assert.deepEqual(handlers, []);
  // The raw HTML is visible as text, flagged.
  assert.ok((await page.locator('.md-raw', { hasText: '<script>' }).count()) > 0);
  // Every request went to the emulator or to an http(s) image.
  for (const url of requests) {
    assert.ok(url.startsWith(emulator.url) || url.startsWith(imageOrigin), `unexpected request ${url}`);
  }
  assert.deepEqual(
    consoleErrors.filter((text) => /Content Security Policy|Refused to/i.test(text)),
    [],
  );
});

maybe('header: robot filter, webhook URL, clear', async () => {
  await page.selectOption('#robot', 'alerts');
  assert.equal(await page.inputValue('#webhook'), emulator.webhookUrl('alerts-token'));
  assert.equal(await page.isEnabled('#copy'), true);
  assert.match((await page.locator('#robot-info').textContent()) ?? '', /keywords: alert/);
  const robotsShown = await page
    .locator('#timeline [data-robot]')
    .evaluateAll((nodes) => [...new Set(nodes.map((n) => n.getAttribute('data-robot')))]);
  assert.deepEqual(robotsShown, ['alerts']);
  assert.match(page.url(), /#robot=alerts$/);
  await screenshot('alerts');
  await page.selectOption('#robot', '');
  assert.equal(await page.inputValue('#webhook'), '');
  assert.ok((await page.locator('#timeline > *').count()) > 10);

  await page.click('#clear');
  await page.locator('#empty').waitFor({ state: 'visible', timeout: UI_WAIT_MS });
  assert.equal(await page.locator('#timeline > *').count(), 0);
  assert.equal(emulator.messages().length, 0);
  // Still live after a clear.
  await sendShown('ops-token', { msgtype: 'text', text: { content: 'after clear' } });
});

maybe('a long history loads one page at first; "Load older messages" brings the rest', async () => {
  emulator.clear();
  for (let n = 1; n <= 130; n++) {
    assert.equal(
      (await send('ops-token', { msgtype: 'text', text: { content: `history ${n}` } })).errcode,
      0,
    );
  }
  await page.reload();
  await page.locator('#status.live').waitFor({ timeout: UI_WAIT_MS });
  await page.locator('.bubble', { hasText: 'history 130' }).waitFor({ timeout: UI_WAIT_MS });
  assert.equal(await page.locator('#timeline .bubble').count(), 100);
  assert.equal(await page.isVisible('#load-older'), true);
  await screenshot('load-older');
  await page.click('#load-older');
  await page.locator('.bubble', { hasText: /^history 1$/ }).waitFor({ timeout: UI_WAIT_MS });
  assert.equal(await page.locator('#timeline .bubble').count(), 130);
  await page.locator('#older').waitFor({ state: 'hidden', timeout: UI_WAIT_MS });
  const texts = await page.locator('#timeline .bubble').allTextContents();
  assert.deepEqual(texts.slice(0, 2), ['history 1', 'history 2'], 'still oldest first');
});

maybe('live stream: shows the connection state, reconnects and resyncs after a restart', async () => {
  const port = emulator.port;
  await emulator.close();
  await page.locator('#status:not(.live)').waitFor({ timeout: UI_WAIT_MS });
  assert.match((await page.locator('#status').textContent()) ?? '', /reconnecting|offline/);
  emulator = await startEmulator({ port, rateLimit: false, robots: [{ token: 'ops-token', name: 'ops' }] });
  // Sent while the page is still away: the resync on reconnect must bring it in.
  await send('ops-token', { msgtype: 'text', text: { content: 'sent during the outage' } });
  await page.locator('#status.live').waitFor({ timeout: UI_WAIT_MS });
  // The restarted emulator numbers from 1 again: the page shows its state, not stale records.
  await page.locator('.bubble', { hasText: 'sent during the outage' }).waitFor({ timeout: UI_WAIT_MS });
  await sendShown('ops-token', { msgtype: 'text', text: { content: 'after the restart' } });
  assert.deepEqual(await page.locator('#timeline .bubble').allTextContents(), [
    'sent during the outage',
    'after the restart',
  ]);
});
