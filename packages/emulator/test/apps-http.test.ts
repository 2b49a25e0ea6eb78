import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import { type EmulatorHandle, startEmulator } from '../src/index.js';
import { fakeClock } from './helpers.js';

const SECRET = 'http-app-secret-not-real';

/** What the test robot does with the next callback. */
type Behaviour = (message: Record<string, unknown>, res: ServerResponse) => Promise<void> | void;

describe('HTTP callbacks on a real port', () => {
  let robot: Server;
  let robotUrl: string;
  let emulator: EmulatorHandle;
  let behaviour: Behaviour;
  const clock = fakeClock();
  const received: {
    headers: IncomingMessage['headers'];
    message: Record<string, unknown>;
    signOk: boolean;
  }[] = [];

  before(async () => {
    robot = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const message = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      // Verification as DingTalk documents it, independent of the emulator's code.
      const timestamp = String(req.headers['timestamp']);
      const expected = createHmac('sha256', SECRET).update(`${timestamp}\n${SECRET}`).digest('base64');
      const given = Buffer.from(String(req.headers['sign']));
      const signOk =
        Math.abs(clock.now() - Number(timestamp)) <= 3_600_000 &&
        given.length === Buffer.byteLength(expected) &&
        timingSafeEqual(given, Buffer.from(expected));
      received.push({ headers: req.headers, message, signOk });
      await behaviour(message, res);
    });
    await new Promise<void>((resolve) => robot.listen(0, '127.0.0.1', resolve));
    robotUrl = `http://127.0.0.1:${(robot.address() as AddressInfo).port}/dingtalk`;
    emulator = await startEmulator({
      apps: [
        { clientId: 'dinghttp', clientSecret: SECRET, name: 'oncall', callbackUrl: robotUrl },
        { clientId: 'dingdead', clientSecret: 'x', name: 'dead', callbackUrl: 'http://127.0.0.1:1/nothing' },
      ],
      now: clock.now,
    });
  });
  beforeEach(() => {
    received.length = 0;
  });
  after(async () => {
    await emulator.close();
    robot.closeAllConnections();
    await new Promise((resolve) => robot.close(resolve));
  });

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };

  test('POSTs the message with timestamp and sign headers; a message in the answer is posted to the group', async () => {
    behaviour = (_message, res) =>
      json(res, 200, { msgtype: 'markdown', markdown: { title: 'pong', text: '**pong**' } });
    const result = await emulator.chat({ robot: 'oncall', text: '@oncall ping' });
    assert.equal(result.delivery, 'http');
    assert.equal(received.length, 1);
    const [call] = received;
    assert.equal(call?.signOk, true);
    assert.equal(call?.headers['timestamp'], String(clock.now()));
    assert.match(String(call?.headers['content-type']), /^application\/json/);
    assert.deepEqual(call?.message['text'], { content: ' ping' });
    assert.equal(call?.message['sessionWebhook'], result.sessionWebhook);
    const reply = emulator.messages().at(-1);
    assert.equal(reply?.via, 'callbackResponse');
    assert.equal(reply?.inReplyTo, result.msgId);
    assert.deepEqual(reply?.payload, { msgtype: 'markdown', markdown: { title: 'pong', text: '**pong**' } });
    const chat = emulator.chats().find((c) => c.msgId === result.msgId);
    assert.equal(chat?.deliveries[0]?.status, 200);
    assert.deepEqual(chat?.replies, [reply?.id]);
  });

  test('{"msgtype":"empty"} posts nothing; a reply through sessionWebhook during the callback is recorded', async () => {
    behaviour = async (message, res) => {
      await fetch(message['sessionWebhook'] as string, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ msgtype: 'text', text: { content: 'on it' } }),
      });
      json(res, 200, { msgtype: 'empty' });
    };
    const before = emulator.messages().length;
    const result = await emulator.chat({ robot: 'dinghttp', text: '@oncall page me' });
    const added = emulator.messages().slice(before);
    assert.equal(added.length, 1);
    assert.equal(added[0]?.via, 'sessionWebhook');
    assert.equal(added[0]?.inReplyTo, result.msgId);
  });

  test('an error answer and an unreachable URL are recorded; a malformed answer is a refused attempt', async () => {
    behaviour = (_message, res) => json(res, 500, { error: 'boom' });
    const failed = await emulator.chat({ robot: 'oncall', text: '@oncall crash' });
    const chat = emulator.chats().find((c) => c.msgId === failed.msgId);
    assert.equal(chat?.deliveries[0]?.status, 500);
    assert.equal(chat?.deliveries[0]?.body, '{"error":"boom"}');
    assert.deepEqual(chat?.replies, []);

    const dead = await emulator.chat({ robot: 'dead', text: '@dead hello' });
    const deadChat = emulator.chats().find((c) => c.msgId === dead.msgId);
    assert.equal(deadChat?.deliveries[0]?.status, 0);
    assert.ok(deadChat?.deliveries[0]?.error);

    behaviour = (_message, res) => json(res, 200, { msgtype: 'text', text: {} });
    await emulator.chat({ robot: 'oncall', text: '@oncall broken' });
    const attempt = emulator.attempts().at(-1);
    assert.equal(attempt?.robot, 'oncall');
    assert.equal(attempt?.errcode, 400403);
    assert.match(attempt?.explanation ?? '', /text\.content/);
  });

  test('the duplicate chaos switch posts every callback twice', async () => {
    behaviour = (_message, res) => json(res, 200, { msgtype: 'empty' });
    await fetch(`${emulator.url}/api/apps/oncall/chaos`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'duplicate', on: true }),
    });
    const result = await emulator.chat({ robot: 'oncall', text: '@oncall twice' });
    assert.equal(received.length, 2);
    assert.equal(received[0]?.message['msgId'], received[1]?.message['msgId']);
    const chat = emulator.chats().find((c) => c.msgId === result.msgId);
    assert.deepEqual(
      chat?.deliveries.map((d) => d.reason),
      ['first', 'duplicate'],
    );
  });
});
