import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import { type EmulatorHandle, startEmulator } from '../src/index.js';

// DingTalk's own Node Stream SDK, loaded as CommonJS: its client reads `constants.GATEWAY_URL` at
// call time, so pointing that export at the emulator is all it takes.
const require = createRequire(import.meta.url);
const constants = require('dingtalk-stream/constants') as { GATEWAY_URL: string };
const { DWClient, TOPIC_ROBOT } = require('dingtalk-stream') as typeof import('dingtalk-stream');

const APP = { clientId: 'dingsdkapp', clientSecret: 'sdk-secret-not-real', name: 'helper' };
const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

describe('the official dingtalk-stream SDK against the emulator', () => {
  let emulator: EmulatorHandle;
  let client: InstanceType<typeof DWClient>;
  const gatewayUrl = constants.GATEWAY_URL;

  before(async () => {
    emulator = await startEmulator({ apps: [APP] });
    constants.GATEWAY_URL = `${emulator.url}/v1.0/gateway/connections/open`;
  });
  after(async () => {
    client?.disconnect();
    constants.GATEWAY_URL = gatewayUrl;
    await emulator.close();
  });

  test('connects, receives a message sent through POST /api/chat, acks it and replies through sessionWebhook', async () => {
    client = new DWClient({ clientId: APP.clientId, clientSecret: APP.clientSecret });
    const received: Record<string, unknown>[] = [];
    client.registerCallbackListener(TOPIC_ROBOT, async (res) => {
      const message = JSON.parse(res.data) as Record<string, unknown>;
      received.push(message);
      // What the SDK's own example does: reply through the session webhook, then ack.
      await fetch(message['sessionWebhook'] as string, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          msgtype: 'text',
          text: { content: `you said:${(message['text'] as { content: string }).content}` },
          at: { atUserIds: [message['senderStaffId']] },
        }),
      });
      client.socketCallBackResponse(res.headers.messageId, {});
    });
    await client.connect();
    while (!client.connected) await settle();
    assert.equal(emulator.apps()[0]?.connections.length, 1);

    const res = await fetch(`${emulator.url}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ robot: APP.clientId, text: '@helper deploy api' }),
    });
    const { msgId, delivery } = (await res.json()) as { msgId: string; delivery: string };
    assert.equal(delivery, 'stream');
    const reply = await emulator.nextReply(msgId);
    assert.deepEqual(reply.payload['text'], { content: 'you said: deploy api' });
    assert.equal(reply.via, 'sessionWebhook');
    assert.equal(reply.inReplyTo, msgId);
    assert.equal(received[0]?.['msgId'], msgId);

    const chat = () => emulator.chats().find((c) => c.msgId === msgId);
    while (chat()?.ackedAt === undefined) await settle();
    assert.equal(chat()?.acks[0]?.code, 200);
    assert.deepEqual(JSON.parse(chat()?.acks[0]?.data ?? 'null'), { response: {} });
  });

  test('answers the SYSTEM ping with an echo', async () => {
    const [app] = emulator.state.apps.apps;
    assert.ok(app);
    assert.equal(emulator.state.apps.gateway.ping(app), 1);
    const connection = () => emulator.state.apps.gateway.connectionsOf(app)[0];
    assert.notEqual(connection()?.outstandingPing, undefined);
    while (connection()?.outstandingPing !== undefined) await settle();
  });
});
