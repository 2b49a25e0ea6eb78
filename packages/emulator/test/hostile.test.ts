/**
 * Hostile or odd input must never break the emulator: people run it inside their own test suites.
 * Each case reproduces a finding of the adversarial review (issue 10 §6).
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { connect } from 'node:net';
import { describe, test } from 'node:test';
import { setImmediate as turn } from 'node:timers/promises';
import { serve } from '@hono/node-server';
import { defaults } from '../src/defaults.js';
import { MAX_QUEUED_BYTES } from '../src/events.js';
import { createEmulatorApp } from '../src/index.js';
import { send, text } from './helpers.js';

type App = ReturnType<typeof createEmulatorApp>['app'];

const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

/** A text message with `extra` spliced in as raw JSON (so its nesting reaches the emulator as written). */
const rawText = (extra: string, content = 'x') =>
  `{"msgtype":"text","text":{"content":${JSON.stringify(content)}},"extra":${extra}}`;

async function getJson(app: App, path: string) {
  const res = await app.request(path);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('deeply nested JSON', () => {
  test('5000 nested arrays: refused as a bad body, and the API and the sender never see an error', async () => {
    const { app, state } = createEmulatorApp({ robots: [{ token: 't', keywords: ['alert'] }] });
    // An open event stream (the preview tab): serialising the record for it used to throw, so the
    // sender got errcode -1 for a message that was stored.
    const events = await app.request('/api/events');
    const reply = await send(app, '/robot/send?access_token=t', rawText(nested(5000), 'alert'));
    assert.equal(reply.status, 200);
    assert.equal(reply.json.errcode, 40035);
    assert.equal(reply.json.errmsg, '缺少参数 json');
    assert.equal(state.messages().length, 0, 'refused, so not stored');
    // Refused for keywords too, it used to be kept as an attempt with its payload.
    await send(app, '/robot/send?access_token=t', rawText(nested(5000), 'no keyword'));
    for (const path of ['/api/messages', '/api/attempts']) {
      const { status } = await getJson(app, path);
      assert.equal(status, 200, path);
    }
    const attempts = (await getJson(app, '/api/attempts')).body['attempts'] as Record<string, unknown>[];
    assert.equal(attempts.length, 2);
    for (const attempt of attempts) {
      assert.equal(attempt['payload'], undefined);
      assert.match(String(attempt['explanation']), /more than 1000 levels deep/);
    }
    await events.body?.cancel();
  });

  test(`up to ${defaults.maxJsonDepth} levels is accepted, stored and served; brackets in strings do not count`, async () => {
    const { app, state } = createEmulatorApp({});
    const events = await app.request('/api/events');
    const reader = (events.body as ReadableStream<Uint8Array>).getReader();
    await reader.read(); // the opening comment
    // The body object itself is one level.
    const deepest = rawText(nested(defaults.maxJsonDepth - 1));
    assert.deepEqual((await send(app, '/robot/send?access_token=a', deepest)).json, {
      errcode: 0,
      errmsg: 'ok',
    });
    const inString = rawText('"x"', `${'['.repeat(5000)}{"\\"[`);
    assert.deepEqual((await send(app, '/robot/send?access_token=a', inString)).json, {
      errcode: 0,
      errmsg: 'ok',
    });
    assert.equal(
      (await send(app, '/robot/send?access_token=a', rawText(nested(defaults.maxJsonDepth)))).json.errcode,
      40035,
    );
    assert.equal(state.messages().length, 2);
    const { status, body } = await getJson(app, '/api/messages');
    assert.equal(status, 200);
    assert.equal((body['messages'] as unknown[]).length, 2);
    let streamed = '';
    while (!streamed.includes('event: message\n')) {
      const { value, done } = await reader.read();
      assert.ok(!done, 'the stream ended before the message event');
      streamed += new TextDecoder().decode(value);
    }
    await reader.cancel();
  });
});

describe('msgUuid of any length', () => {
  test('ids of 16 384+ characters are remembered by a fixed-size digest; clear() releases them', async () => {
    const { app, state } = createEmulatorApp({ rateLimit: false });
    const path = '/robot/send?access_token=uuids';
    // V8 hashes strings over 16383 characters by their length alone: same-length ids all collided.
    const id = (n: number) => `${String(n).padStart(8, '0')}${'u'.repeat(16_400)}`;
    for (let n = 0; n < 50; n++) await send(app, path, text(`m${n}`, { msgUuid: id(n) }));
    // The same long id again answers ok and is not stored twice; a different one of the same length is.
    await send(app, path, text('again', { msgUuid: id(7) }));
    assert.equal(state.messages().length, 50);
    const robot = state.robots.byToken('uuids');
    assert.ok(robot);
    assert.equal(robot.msgUuids.size, 50);
    const keyChars = [...robot.msgUuids.keys()].reduce((sum, key) => sum + key.length, 0);
    assert.ok(keyChars <= 50 * 64, `${keyChars} characters of keys for 50 ids`);
    state.clear();
    assert.equal(robot.msgUuids.size, 0);
    assert.equal((await send(app, path, text('after clear', { msgUuid: id(7) }))).json.errcode, 0);
    assert.equal(state.messages().length, 1, 'a cleared emulator posts a resent id again');
  });
});

describe('a stuck event-stream client', () => {
  test('is dropped and its connection closed, not left open with its backlog', async () => {
    const { app, state } = createEmulatorApp({});
    const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }) as Server;
    await new Promise((resolve) => server.once('listening', resolve));
    const serverSockets: Socket[] = [];
    server.on('connection', (socket) => serverSockets.push(socket));
    const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
    client.on('error', () => {});
    try {
      client.write('GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      // Read the headers and the opening comment, then never read again.
      await new Promise((resolve) => client.once('data', resolve));
      client.pause();
      while (state.events.clientCount === 0) await turn();
      const chunk = { payload: 'x'.repeat(256 * 1024) };
      let published = 0;
      // Kernel buffers take some megabytes first; the emulator's own queue then passes its cap.
      while (state.events.clientCount > 0) {
        assert.ok(published < 4000, 'the stuck client was never dropped');
        state.events.publish('message', chunk);
        published++;
        await turn();
      }
      assert.ok(published * 256 * 1024 > MAX_QUEUED_BYTES);
      assert.equal(serverSockets.length, 1);
      assert.equal(serverSockets[0]?.destroyed, true, 'the dropped client still holds a connection');
    } finally {
      client.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('pagination of /api/messages and /api/attempts', () => {
  const seed = async (count: number, contentBytes: number) => {
    const emulator = createEmulatorApp({ rateLimit: false, maxRecords: 2000 });
    const content = 'y'.repeat(contentBytes);
    for (let n = 0; n < count; n++)
      await send(emulator.app, '/robot/send?access_token=p', text(`${n} ${content}`));
    return emulator;
  };

  test(`without a limit an answer holds the ${defaults.pageSize} most recent; before= pages back to the first`, async () => {
    const { app } = await seed(250, 10);
    const first = await getJson(app, '/api/messages');
    const ids = (page: Record<string, unknown>) => (page['messages'] as { id: number }[]).map((m) => m.id);
    assert.equal(ids(first.body).length, defaults.pageSize);
    assert.deepEqual(ids(first.body).slice(0, 2), [151, 152], 'the most recent, oldest first');
    assert.equal(first.body['nextBefore'], 151);
    const second = await getJson(app, '/api/messages?before=151');
    assert.deepEqual([ids(second.body)[0], ids(second.body).at(-1)], [51, 150]);
    const third = await getJson(app, `/api/messages?before=${second.body['nextBefore']}`);
    assert.deepEqual([ids(third.body)[0], ids(third.body).at(-1)], [1, 50]);
    assert.equal(third.body['nextBefore'], null);
    const exact = await getJson(app, '/api/messages?limit=250');
    assert.equal(ids(exact.body).length, 250);
    assert.equal(exact.body['nextBefore'], null);
  });

  test('1000 records of 19 kB: one answer stays under the byte bound, and paging still reaches them all', async () => {
    const { app } = await seed(1000, 19_000);
    const seen = new Set<number>();
    let before: number | null | undefined;
    let pages = 0;
    do {
      const res = await app.request(`/api/messages?limit=1000${before ? `&before=${before}` : ''}`);
      const raw = await res.text();
      assert.ok(raw.length <= defaults.maxPageBytes + 1024, `an answer of ${raw.length} bytes`);
      const body = JSON.parse(raw) as { messages: { id: number }[]; nextBefore: number | null };
      assert.ok(body.messages.length > 0);
      for (const message of body.messages) seen.add(message.id);
      before = body.nextBefore;
      pages++;
    } while (before !== null);
    assert.equal(seen.size, 1000);
    assert.ok(pages >= 19, `${pages} pages`);
  });

  test('attempts page the same way; limit over the maximum answers 400 naming it', async () => {
    const { app } = createEmulatorApp({ robots: [{ token: 'known' }] });
    for (let n = 0; n < 120; n++) await send(app, '/robot/send?access_token=unknown', text(`${n}`));
    const page = await getJson(app, '/api/attempts');
    assert.equal((page.body['attempts'] as unknown[]).length, defaults.pageSize);
    assert.equal(typeof page.body['nextBefore'], 'number');
    const older = await getJson(app, `/api/attempts?before=${page.body['nextBefore']}`);
    assert.equal((older.body['attempts'] as unknown[]).length, 20);
    const tooMany = await getJson(app, `/api/messages?limit=${defaults.maxPageSize + 1}`);
    assert.equal(tooMany.status, 400);
    assert.equal(tooMany.body['parameter'], 'limit');
    assert.match(String(tooMany.body['error']), /at most 1000/);
    assert.equal((await getJson(app, '/api/messages?before=0')).status, 400);
  });
});
