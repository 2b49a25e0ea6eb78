/**
 * The preview's chat box in Debian's Chromium: a member of the default group writes "@bot ping" to a
 * Stream robot written here from the protocol alone, the robot's "pong" shows in the timeline, and the
 * exchange's details (Stream, the ack, the session webhook) are one click away; chaos switches work
 * from the page. Waits are for elements, never for a duration.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { WebSocket } from 'ws';
import { defaults, type EmulatorHandle, startEmulator } from '../src/index.js';
import { chromiumAvailable, launchChromium, UI_WAIT_MS } from './chromium.js';

const haveChromium = chromiumAvailable('the chat box browser tests');
/** Screenshots for humans: `PREVIEW_SCREENSHOTS=1` writes /tmp/preview-chatbox-*.png. Never committed. */
const screenshots = process.env['PREVIEW_SCREENSHOTS'] === '1';

let emulator: EmulatorHandle;
let browser: Browser;
let page: Page;
let robot: WebSocket;
const pageErrors: string[] = [];
const consoleErrors: string[] = [];

/**
 * The smallest Stream robot: open a connection, echo pings, ack every callback at once, answer
 * "pong" to "ping" through the message's sessionWebhook (as in the README walkthrough).
 */
async function startPongRobot(api: string): Promise<WebSocket> {
  const { clientId, clientSecret } = defaults.apps.app;
  const res = await fetch(`${api}/v1.0/gateway/connections/open`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({
      clientId,
      clientSecret,
      subscriptions: [{ type: 'CALLBACK', topic: '/v1.0/im/bot/messages/get' }],
      ua: 'pong-bot/1.0',
    }),
  });
  assert.equal(res.status, 200);
  const { endpoint, ticket } = (await res.json()) as { endpoint: string; ticket: string };
  const socket = new WebSocket(`${endpoint}?ticket=${encodeURIComponent(ticket)}`);
  socket.on('message', async (raw) => {
    const frame = JSON.parse(String(raw)) as { type: string; headers: Record<string, string>; data: string };
    if (frame.type === 'SYSTEM' && frame.headers['topic'] === 'ping') {
      socket.send(JSON.stringify({ code: 200, headers: frame.headers, message: 'OK', data: frame.data }));
      return;
    }
    if (frame.type !== 'CALLBACK') return;
    socket.send(
      JSON.stringify({
        code: 200,
        headers: { contentType: 'application/json', messageId: frame.headers['messageId'] },
        message: 'OK',
        data: JSON.stringify({ response: null }),
      }),
    );
    const message = JSON.parse(frame.data) as { text: { content: string }; sessionWebhook: string };
    if (message.text.content.trim() === 'ping') {
      await fetch(message.sessionWebhook, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ msgtype: 'text', text: { content: 'pong' } }),
      });
    }
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return socket;
}

async function screenshot(name: string): Promise<void> {
  if (!screenshots) return;
  const path = `/tmp/preview-chatbox-${name}.png`;
  await page.screenshot({ path });
  const dir = process.env['PREVIEW_SCREENSHOTS_DIR'];
  if (dir) {
    await mkdir(dir, { recursive: true });
    await copyFile(path, `${dir}/${name}.png`);
  }
}

before(async () => {
  if (!haveChromium) return;
  // The defaults: one Stream robot "bot", one group with three members.
  emulator = await startEmulator({ port: 0, rateLimit: false });
  robot = await startPongRobot(emulator.url);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  await page.goto(emulator.url + '/');
  await page.locator('#status.live').waitFor({ timeout: UI_WAIT_MS });
  await page.locator('#chatbox').waitFor({ timeout: UI_WAIT_MS });
});

after(async () => {
  robot?.close();
  await browser?.close();
  await emulator?.close();
});

const maybe = haveChromium ? test : test.skip;

maybe('the chat box offers the groups and their members', async () => {
  // The group, then a 1:1 chat with each app robot.
  await page
    .locator('#chat-group option', { hasText: '1:1 with bot' })
    .waitFor({ state: 'attached', timeout: UI_WAIT_MS });
  assert.deepEqual(await page.locator('#chat-group option').allTextContents(), [
    defaults.apps.group.title,
    '1:1 with bot',
  ]);
  assert.deepEqual(
    await page.locator('#chat-member option').allTextContents(),
    defaults.apps.group.members.map((member) => member.name),
  );
  assert.match(
    (await page.locator('#empty').textContent()) ?? '',
    /or write to an app robot in the chat box/,
  );
  // The robot filter knows the app robot, and that it has no webhook URL to copy.
  await page.selectOption('#robot', 'bot');
  await page.locator('#robot-info', { hasText: 'app robot (Stream mode)' }).waitFor({ timeout: UI_WAIT_MS });
  assert.equal(await page.locator('#copy').isDisabled(), true);
  await page.selectOption('#robot', '');
  // Stream, with the robot's one connection (the app event may come after the first load).
  await page.locator('#chaos summary').click();
  await page.locator('#chaos-info', { hasText: 'Stream · 1 connection' }).waitFor({ timeout: UI_WAIT_MS });
});

maybe(
  '"@bot ping" typed with @-completion, sent; "pong" in the timeline; details: Stream and the ack',
  async () => {
    await page.locator('#chaos summary').click(); // close the chaos panel again
    await page.selectOption('#chat-member', 'dev002');
    const input = page.locator('#chat-text');
    await input.click();
    await input.pressSequentially('@b');
    const choice = page.locator('#chat-complete li', { hasText: '@bot' });
    await choice.waitFor({ timeout: UI_WAIT_MS });
    assert.match((await choice.textContent()) ?? '', /robot/);
    await screenshot('before');
    await input.press('Enter'); // accepts the completion, does not send
    assert.equal(await input.inputValue(), '@bot ');
    assert.equal(await page.locator('#chat-complete').isHidden(), true);
    await input.pressSequentially('ping');
    await page.locator('#chat-send').click();

    // The member's message, as the group shows it, then the robot's answer.
    const mine = page.locator('article.msg-chat', { hasText: '@bot ping' });
    await mine.waitFor({ timeout: UI_WAIT_MS });
    assert.equal(await mine.locator('.robot-name').textContent(), 'Han Meimei');
    assert.equal(await mine.locator('.mention').textContent(), '@bot');
    const pong = page.locator('article.msg-text', { hasText: 'pong' });
    await pong.waitFor({ timeout: UI_WAIT_MS });
    assert.equal(await pong.locator('.bubble.text').textContent(), 'pong');
    assert.equal(await pong.locator('.robot-name').textContent(), 'bot');
    assert.equal(await input.inputValue(), '');

    const [chat] = emulator.chats('bot');
    assert.ok(chat);
    assert.equal(chat.sender, 'dev002');
    assert.equal(chat.text, '@bot ping');

    // One click away from the reply: how its message went out and came back.
    await pong.locator('button.details-toggle').click();
    const panel = pong.locator('.exchange');
    await panel.waitFor({ timeout: UI_WAIT_MS });
    await panel.locator('dd', { hasText: 'acked after' }).waitFor({ timeout: UI_WAIT_MS });
    const facts = (await panel.textContent()) ?? '';
    assert.match(facts, /over Stream · connection /);
    assert.match(facts, /acked after \d+(\.\d)? m?s \(code 200\)/);
    assert.match(facts, /\/robot\/sendBySession\?session=\S{6}… · expires /);
    assert.equal(await pong.locator('button.details-toggle').getAttribute('aria-expanded'), 'true');
    // The member's message says it too, in a line, without opening anything.
    await mine
      .locator('.exchange-line', { hasText: /Stream · acked .* · 1 reply/ })
      .waitFor({ timeout: UI_WAIT_MS });
    await screenshot('after');

    await pong.locator('button.details-toggle').click();
    await panel.waitFor({ state: 'detached', timeout: UI_WAIT_MS });
  },
);

maybe('a 1:1 chat needs no @: the text goes whole, the reply comes back in the timeline', async () => {
  const before = emulator.chats().length;
  await page.selectOption('#chat-group', { label: '1:1 with bot' });
  await page.selectOption('#chat-member', 'ops003');
  await page.locator('#chat-text').fill('ping');
  await page.locator('#chat-text').press('Enter');
  const mine = page.locator('article.msg-chat', { hasText: '1:1 with bot' });
  await mine.waitFor({ timeout: UI_WAIT_MS });
  assert.equal(await mine.locator('.robot-name').textContent(), 'Zhang Wei');
  await page.locator('article.msg-text', { hasText: 'pong' }).nth(1).waitFor({ timeout: UI_WAIT_MS });
  const chat = emulator.chats('bot')[before];
  assert.equal(chat?.direct, true);
  assert.equal(chat?.sender, 'ops003');
  await page.selectOption('#chat-group', { label: defaults.apps.group.title });
});

maybe('a group message without an @robot is not sent, and the page says why', async () => {
  const before = emulator.chats().length;
  await page.locator('#chat-text').fill('ping');
  await page.locator('#chat-send').click();
  await page
    .locator('#chat-hint.error', { hasText: 'mention a robot of this group (@bot)' })
    .waitFor({ timeout: UI_WAIT_MS });
  assert.equal(emulator.chats().length, before);
  await page.locator('#chat-text').fill('');
});

maybe('chaos switches from the page: withhold acks (a toggle), expire sessions now', async () => {
  await page.locator('#chaos summary').click();
  const withhold = page.locator('button[data-chaos="withholdAcks"]');
  await withhold.click();
  await page
    .locator('button[data-chaos="withholdAcks"][aria-pressed="true"]')
    .waitFor({ timeout: UI_WAIT_MS });
  assert.equal(emulator.apps()[0]?.chaos.withholdAcks, true);
  await screenshot('chaos');
  await withhold.click();
  await page
    .locator('button[data-chaos="withholdAcks"][aria-pressed="false"]')
    .waitFor({ timeout: UI_WAIT_MS });
  assert.equal(emulator.apps()[0]?.chaos.withholdAcks, false);

  await page.locator('button[data-chaos="expireSessions"]').click();
  await page.locator('#chat-hint', { hasText: 'Expire sessions now on bot: 2 affected' }).waitFor({
    timeout: UI_WAIT_MS,
  });
  // Both sessions (the group chat's and the 1:1 chat's) ended.
  const [chat] = emulator.chats('bot');
  const res = await fetch(String(chat?.message['sessionWebhook']), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ msgtype: 'text', text: { content: 'too late' } }),
  });
  assert.deepEqual(await res.json(), { errcode: 300001, errmsg: 'session 不存在' });
  assert.deepEqual(pageErrors, []);
  assert.deepEqual(consoleErrors, []);
});
