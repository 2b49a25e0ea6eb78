import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { type EmulatorHandle, startEmulator } from '../src/index.js';

// The README's "build a robot that answers", verbatim but for `api` (the emulator's port) and the
// returned socket: it must keep working with the emulator's defaults (no config at all).
async function startReadmeRobot(api: string): Promise<WebSocket> {
  const clientId = 'dingemulatorappkey';
  const clientSecret = 'emulator-app-secret-not-real';

  const res = await fetch(`${api}/v1.0/gateway/connections/open`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({
      clientId,
      clientSecret,
      subscriptions: [{ type: 'CALLBACK', topic: '/v1.0/im/bot/messages/get' }],
      ua: 'my-bot/1.0',
    }),
  });
  const { endpoint, ticket } = (await res.json()) as { endpoint: string; ticket: string };
  const socket = new WebSocket(`${endpoint}?ticket=${encodeURIComponent(ticket)}`);

  socket.on('message', async (raw) => {
    const frame = JSON.parse(String(raw));
    if (frame.type === 'SYSTEM' && frame.headers.topic === 'ping') {
      socket.send(JSON.stringify({ code: 200, headers: frame.headers, message: 'OK', data: frame.data }));
      return;
    }
    if (frame.type !== 'CALLBACK') return;
    // Ack first: an unacked callback comes again 60 s later.
    socket.send(
      JSON.stringify({
        code: 200,
        headers: { contentType: 'application/json', messageId: frame.headers.messageId },
        message: 'OK',
        data: JSON.stringify({ response: null }),
      }),
    );
    const message = JSON.parse(frame.data);
    if (message.text.content.trim() === 'ping') {
      await fetch(message.sessionWebhook, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ msgtype: 'text', text: { content: 'pong' } }),
      });
    }
  });
  return socket;
}

let emulator: EmulatorHandle;
before(async () => {
  emulator = await startEmulator();
});
after(async () => {
  await emulator.close();
});

test("the README's robot answers pong to '@bot ping' on a default emulator", async () => {
  const socket = await startReadmeRobot(emulator.url);
  await new Promise((resolve) => socket.once('open', resolve));
  const { msgId, delivery } = await emulator.chat({ robot: 'bot', text: '@bot ping' });
  assert.equal(delivery, 'stream');
  const reply = await emulator.nextReply(msgId);
  assert.deepEqual(reply.payload, { msgtype: 'text', text: { content: 'pong' } });
  assert.equal(reply.robot, 'bot');
  socket.close();
});
