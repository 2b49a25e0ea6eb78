import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import fc from 'fast-check';
import { WebSocket } from 'ws';
import { type EmulatorHandle, startEmulator } from '../src/index.js';
import { manualTime, ProtocolClient, postJson } from './apps-helpers.js';

const APP = { clientId: 'dingstream1', clientSecret: 'stream-secret-1', name: 'bot' };
const GROUP = {
  id: 'cidStream',
  title: 'Stream group',
  members: [
    { staffId: 'u1', name: 'Alice', admin: true },
    { staffId: 'u2', name: 'Bob' },
  ],
};

describe('Stream mode on a real port', () => {
  let emulator: EmulatorHandle;
  let time: ReturnType<typeof manualTime>;
  const clients: ProtocolClient[] = [];
  const connect = async (topics?: string[]) => {
    const client = await ProtocolClient.open(emulator.url, APP.clientId, APP.clientSecret, topics);
    clients.push(client);
    return client;
  };
  const chaos = (body: Record<string, unknown>) => postJson(`${emulator.url}/api/apps/bot/chaos`, body);

  // A fresh emulator per test: no leftover timers, redeliveries or chaos switches.
  beforeEach(async () => {
    time = manualTime();
    emulator = await startEmulator({
      apps: [APP],
      groups: [GROUP],
      now: time.now,
      timers: time.timers,
      log: process.env['DEBUG_EMULATOR'] ? (line) => console.log(line) : undefined,
    });
  });
  afterEach(async () => {
    for (const client of clients.splice(0))
      if (client.socket.readyState === WebSocket.OPEN) await client.close();
    await emulator.close();
  });

  test('a client written from the protocol connects, receives, acks and replies through sessionWebhook', async () => {
    const client = await connect();
    const sent = await postJson(`${emulator.url}/api/chat`, {
      robot: APP.clientId,
      text: '@bot ping',
      sender: 'u2',
    });
    assert.equal(sent.status, 200);
    assert.equal(sent.json['delivery'], 'stream');
    const frame = await client.nextCallback();
    assert.equal(frame.specVersion, '1.0');
    assert.equal(frame.headers['topic'], '/v1.0/im/bot/messages/get');
    assert.equal(frame.headers['contentType'], 'application/json');
    assert.equal(frame.headers['time'], String(time.now()));
    assert.equal(typeof frame.data, 'string', 'data is a JSON string');
    const message = JSON.parse(frame.data) as Record<string, unknown>;
    assert.equal(message['msgId'], sent.json['msgId']);
    assert.deepEqual(message['text'], { content: ' ping' });
    assert.equal(message['senderStaffId'], 'u2');
    assert.equal(message['sessionWebhook'], sent.json['sessionWebhook']);
    assert.match(
      message['sessionWebhook'] as string,
      new RegExp(`^${emulator.url}/robot/sendBySession\\?session=`),
    );
    client.ack(frame.headers['messageId'] as string);

    const reply = emulator.nextReply(message['msgId'] as string);
    const answer = await postJson(message['sessionWebhook'] as string, {
      msgtype: 'text',
      text: { content: 'pong' },
    });
    assert.deepEqual(answer.json, { errcode: 0, errmsg: 'ok' });
    const record = await reply;
    assert.deepEqual(record.payload, { msgtype: 'text', text: { content: 'pong' } });
    assert.equal(record.inReplyTo, message['msgId']);
    const chat = emulator.chats().find((c) => c.msgId === message['msgId']);
    assert.equal(chat?.ackedAt, time.now());
    assert.deepEqual(chat?.replies, [record.id]);
    // Acked: the redelivery timer is cancelled, so a minute later nothing was pushed again.
    time.advance(60_000);
    assert.equal(chat?.deliveries.length, 1);
  });

  test('an unacked callback is pushed again after 60 s with the same messageId, once by default', async () => {
    const client = await connect();
    const { json } = await postJson(`${emulator.url}/api/chat`, { robot: 'bot', text: '@bot hi' });
    const first = await client.nextCallback();
    time.advance(59_999);
    const chat = emulator.chats().find((c) => c.msgId === json['msgId']);
    assert.equal(chat?.deliveries.length, 1);
    time.advance(1);
    const again = await client.nextCallback();
    assert.equal(again.headers['messageId'], first.headers['messageId']);
    assert.equal(again.data, first.data);
    assert.deepEqual(
      chat?.deliveries.map((d) => d.reason),
      ['first', 'redelivery'],
    );
    time.advance(10 * 60_000);
    assert.equal(chat?.deliveries.length, 2);
  });

  test('withholdAcks: acks are recorded but ignored, so the callback comes again', async () => {
    const client = await connect();
    await chaos({ action: 'withholdAcks', on: true });
    const { json } = await postJson(`${emulator.url}/api/chat`, { robot: 'bot', text: '@bot hi' });
    const frame = await client.nextCallback();
    client.ack(frame.headers['messageId'] as string);
    const chat = emulator.chats().find((c) => c.msgId === json['msgId']);
    while ((chat?.acks.length ?? 0) === 0) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(chat?.acks[0]?.withheld, true);
    assert.equal(chat?.ackedAt, undefined);
    time.advance(60_000);
    const again = await client.nextCallback();
    assert.equal(again.headers['messageId'], frame.headers['messageId']);
  });

  test('duplicate: every callback is pushed twice at once', async () => {
    const client = await connect();
    await chaos({ action: 'duplicate', on: true });
    await postJson(`${emulator.url}/api/chat`, { robot: 'bot', text: '@bot twice' });
    const one = await client.nextCallback();
    const two = await client.nextCallback();
    assert.equal(one.headers['messageId'], two.headers['messageId']);
    assert.equal(one.data, two.data);
  });

  test('several connections share the load, round-robin', async () => {
    const a = await connect();
    const b = await connect();
    const ids = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const { json } = await postJson(`${emulator.url}/api/chat`, { robot: 'bot', text: `@bot n${i}` });
      const chat = emulator.chats().find((c) => c.msgId === json['msgId']);
      ids.add(chat?.deliveries[0]?.connectionId as string);
    }
    assert.equal(ids.size, 2);
    const fromA = await a.nextCallback();
    const fromB = await b.nextCallback();
    assert.notEqual(fromA.headers['connectionId'], fromB.headers['connectionId']);
  });

  test('a message sent with no connection waits, and goes out when one subscribes', async () => {
    const { json } = await postJson(`${emulator.url}/api/chat`, { robot: 'bot', text: '@bot early' });
    assert.equal(json['delivery'], 'pending');
    const eventsOnly = await connect([]);
    assert.equal(emulator.chats().find((c) => c.msgId === json['msgId'])?.pending, true);
    const client = await connect();
    const frame = await client.nextCallback();
    assert.equal((JSON.parse(frame.data) as Record<string, unknown>)['msgId'], json['msgId']);
    assert.equal(eventsOnly.frames.filter((f) => f.type === 'CALLBACK').length, 0);
  });

  test('a ticket opens one connection only, within 90 s', async () => {
    const res = await postJson(
      `${emulator.url}/v1.0/gateway/connections/open`,
      {
        clientId: APP.clientId,
        clientSecret: APP.clientSecret,
        subscriptions: [{ type: 'EVENT', topic: '*' }],
      },
      { accept: 'application/json' },
    );
    const url = `${res.json['endpoint']}?ticket=${res.json['ticket']}`;
    const status = (target: string) =>
      new Promise<number>((resolve) => {
        const socket = new WebSocket(target);
        socket.once('open', () => {
          socket.close();
          resolve(101);
        });
        socket.once('unexpected-response', (_request, response) => {
          resolve(response.statusCode ?? 0);
          socket.terminate();
        });
        socket.once('error', () => {});
      });
    assert.equal(await status(url), 101);
    assert.equal(await status(url), 401, 'used');
    assert.equal(await status(`${res.json['endpoint']}?ticket=made-up`), 401, 'unknown');
    const late = await postJson(
      `${emulator.url}/v1.0/gateway/connections/open`,
      {
        clientId: APP.clientId,
        clientSecret: APP.clientSecret,
        subscriptions: [{ type: 'EVENT', topic: '*' }],
      },
      { accept: 'application/json' },
    );
    time.advance(90_000);
    assert.equal(await status(`${late.json['endpoint']}?ticket=${late.json['ticket']}`), 401, 'expired');
  });

  test('SYSTEM ping every 30 s must be echoed, or the connection is closed', async () => {
    const client = await connect();
    time.advance(30_000);
    const ping = await client.next((f) => f.type === 'SYSTEM' && f.headers['topic'] === 'ping');
    assert.ok((JSON.parse(ping.data) as Record<string, unknown>)['opaque']);
    client.echo(ping);
    // Wait until the emulator has read the echo (the next ping is sent only if it has).
    const [app] = emulator.state.apps.apps;
    while (app && emulator.state.apps.gateway.connectionsOf(app)[0]?.outstandingPing !== undefined)
      await new Promise((resolve) => setImmediate(resolve));
    time.advance(30_000);
    await client.next((f) => f.type === 'SYSTEM' && f.headers['topic'] === 'ping');
    time.advance(30_000); // not echoed
    await client.closed;
    while (emulator.apps()[0]?.connections.length !== 0)
      await new Promise((resolve) => setImmediate(resolve));
  });

  test('disconnect: a SYSTEM disconnect frame, nothing more delivered on it, closed 10 s later', async () => {
    const client = await connect();
    const done = await chaos({ action: 'disconnect', reason: 'going away' });
    assert.deepEqual(done.json, { action: 'disconnect', affected: 1 });
    const frame = await client.next((f) => f.type === 'SYSTEM' && f.headers['topic'] === 'disconnect');
    assert.deepEqual(JSON.parse(frame.data), { reason: 'going away' });
    const { json } = await postJson(`${emulator.url}/api/chat`, { robot: 'bot', text: '@bot during' });
    assert.equal(json['delivery'], 'pending');
    time.advance(10_000);
    await client.closed;
    const next = await connect();
    const delivered = await next.nextCallback();
    assert.equal((JSON.parse(delivered.data) as Record<string, unknown>)['msgId'], json['msgId']);
  });

  test('drop: the socket is cut without a close frame', async () => {
    const client = await connect();
    const done = await chaos({ action: 'drop' });
    assert.equal(done.json['affected'], 1);
    assert.equal(await client.closed, 1006);
  });

  test('garbage upstream frames are ignored; the connection keeps working', async () => {
    const client = await connect();
    const garbage = fc.sample(
      fc.oneof(
        fc.string(),
        fc.json(),
        fc.jsonValue().map((v) => JSON.stringify({ headers: v, code: v })),
      ),
      200,
    );
    for (const text of garbage) client.socket.send(text);
    client.socket.send(Buffer.from([0, 1, 2, 255]), { binary: true });
    const { msgId } = await emulator.chat({ robot: 'bot', text: '@bot still there?' });
    const frame = await client.nextCallback();
    client.ack(frame.headers['messageId'] as string);
    const chat = () => emulator.chats().find((c) => c.msgId === msgId);
    while (chat()?.ackedAt === undefined) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(emulator.apps()[0]?.connections.length, 1);
  });

  test('the handle has the chaos switches too', async () => {
    const client = await connect();
    assert.deepEqual(emulator.chaos('bot', { action: 'ping' }), { action: 'ping', affected: 1 });
    await client.next((f) => f.type === 'SYSTEM' && f.headers['topic'] === 'ping');
    assert.throws(() => emulator.chaos('bot', { action: 'nope' }), /action: use one of/);
  });

  test('at most 1000 undelivered messages wait: the oldest beyond that is dropped', async () => {
    const first = await emulator.chat({ robot: 'bot', text: '@bot number 0' });
    for (let i = 1; i <= 1000; i++) await emulator.chat({ robot: 'bot', text: `@bot number ${i}` });
    const client = await connect();
    const last = await client.next((f) => f.type === 'CALLBACK' && f.data.includes('number 1000'));
    assert.ok(last);
    const callbacks = client.frames.filter((f) => f.type === 'CALLBACK');
    assert.equal(callbacks.length, 1000);
    assert.equal(
      callbacks.some((f) => f.data.includes(first.msgId)),
      false,
    );
  });

  test('the WebSocket upgrade checks the Host name like every route', async () => {
    const res = await postJson(
      `${emulator.url}/v1.0/gateway/connections/open`,
      {
        clientId: APP.clientId,
        clientSecret: APP.clientSecret,
        subscriptions: [{ type: 'EVENT', topic: '*' }],
      },
      { accept: 'application/json' },
    );
    const status = await new Promise<number>((resolve) => {
      const socket = new WebSocket(`${res.json['endpoint']}?ticket=${res.json['ticket']}`, {
        headers: { host: 'attacker.example' },
      });
      socket.once('open', () => resolve(101));
      socket.once('unexpected-response', (_request, response) => {
        resolve(response.statusCode ?? 0);
        socket.terminate();
      });
      socket.once('error', () => {});
    });
    assert.equal(status, 403);
  });

  test('streamMaxRedeliveries and streamRedeliveryMs/streamPingMs 0 are honoured', async () => {
    await emulator.close();
    time = manualTime();
    emulator = await startEmulator({
      apps: [APP],
      groups: [GROUP],
      now: time.now,
      timers: time.timers,
      streamMaxRedeliveries: 3,
      streamRedeliveryMs: 1000,
      streamPingMs: 0,
    });
    const client = await connect();
    const { msgId } = await emulator.chat({ robot: 'bot', text: '@bot again and again' });
    await client.nextCallback();
    for (let i = 0; i < 5; i++) time.advance(1000);
    const chat = emulator.chats().find((c) => c.msgId === msgId);
    assert.deepEqual(
      chat?.deliveries.map((d) => d.reason),
      ['first', 'redelivery', 'redelivery', 'redelivery'],
    );
    assert.equal(client.frames.filter((f) => f.type === 'SYSTEM').length, 0, 'no ping with streamPingMs 0');

    await emulator.close();
    time = manualTime();
    emulator = await startEmulator({
      apps: [APP],
      groups: [GROUP],
      now: time.now,
      timers: time.timers,
      streamRedeliveryMs: 0,
      streamPingMs: 0,
    });
    const quiet = await connect();
    await emulator.chat({ robot: 'bot', text: '@bot once' });
    await quiet.nextCallback();
    assert.equal(time.pending, 0, 'no redelivery timer, no ping timer');
  });

  test('GET /api/apps lists open connections with their subscriptions', async () => {
    await connect();
    const res = await fetch(`${emulator.url}/api/apps`);
    const [info] = (await res.json()) as { connections: { subscriptions: string[] }[] }[];
    assert.deepEqual(info?.connections[0]?.subscriptions, ['EVENT *', 'CALLBACK /v1.0/im/bot/messages/get']);
  });
});
