import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createEmulatorApp } from '../src/index.js';
import { fakeClock, send, text } from './helpers.js';

const robots = [
  { token: 'tok-ops-123456', name: 'ops', secret: 'SECsecret-never-shown', keywords: ['Alert'] },
  { token: 'tok-dev-123456', name: 'dev' },
];

async function getJson(app: ReturnType<typeof createEmulatorApp>['app'], path: string) {
  const res = await app.request(path);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function seeded() {
  const clock = fakeClock(1_000_000);
  const emulator = createEmulatorApp({ robots, now: clock.now });
  for (let i = 0; i < 3; i++) {
    await send(emulator.app, '/robot/send?access_token=tok-dev-123456', text(`dev ${i}`));
    clock.advance(1000);
  }
  await send(emulator.app, '/robot/send?access_token=tok-dev-123456', { msgtype: 'image' });
  await send(emulator.app, '/robot/send?access_token=nope', text('x'));
  return { ...emulator, clock };
}

describe('GET /api/messages', () => {
  test('lists accepted messages oldest first', async () => {
    const { app } = await seeded();
    const { status, body } = await getJson(app, '/api/messages');
    assert.equal(status, 200);
    const messages = body['messages'] as { receivedAt: number; robot: string }[];
    assert.equal(messages.length, 3);
    assert.deepEqual(
      messages.map((m) => m.receivedAt),
      [1_000_000, 1_001_000, 1_002_000],
    );
  });

  test('filters by robot name', async () => {
    const { app } = await seeded();
    assert.equal(((await getJson(app, '/api/messages?robot=dev')).body['messages'] as unknown[]).length, 3);
    assert.equal(((await getJson(app, '/api/messages?robot=ops')).body['messages'] as unknown[]).length, 0);
  });

  test('since keeps records received at or after it', async () => {
    const { app } = await seeded();
    const messages = (await getJson(app, '/api/messages?since=1001000')).body['messages'] as {
      receivedAt: number;
    }[];
    assert.deepEqual(
      messages.map((m) => m.receivedAt),
      [1_001_000, 1_002_000],
    );
  });

  test('limit keeps the most recent ones, still oldest first', async () => {
    const { app } = await seeded();
    const messages = (await getJson(app, '/api/messages?limit=2')).body['messages'] as {
      receivedAt: number;
    }[];
    assert.deepEqual(
      messages.map((m) => m.receivedAt),
      [1_001_000, 1_002_000],
    );
  });

  for (const [query, parameter] of [
    ['limit=abc', 'limit'],
    ['limit=0', 'limit'],
    ['limit=-3', 'limit'],
    ['since=yesterday', 'since'],
    ['since=1.5', 'since'],
    ['robot=', 'robot'],
    ['colour=red', 'colour'],
  ] as const) {
    test(`?${query} answers HTTP 400 naming ${parameter}`, async () => {
      const { app } = await seeded();
      const { status, body } = await getJson(app, `/api/messages?${query}`);
      assert.equal(status, 400);
      assert.match(String(body['error']), new RegExp(parameter));
    });
  }
});

describe('GET /api/attempts', () => {
  test('lists refused sends, with the same filters', async () => {
    const { app } = await seeded();
    const all = (await getJson(app, '/api/attempts')).body['attempts'] as {
      errcode: number;
      robot: string | null;
    }[];
    assert.deepEqual(
      all.map((a) => [a.errcode, a.robot]),
      [
        [400105, 'dev'],
        [300005, null],
      ],
    );
    const dev = (await getJson(app, '/api/attempts?robot=dev')).body['attempts'] as unknown[];
    assert.equal(dev.length, 1);
  });

  test('validates its parameters too', async () => {
    const { app } = await seeded();
    assert.equal((await getJson(app, '/api/attempts?limit=x')).status, 400);
  });
});

describe('DELETE /api/messages', () => {
  test('clears messages and attempts', async () => {
    const { app, state } = await seeded();
    const res = await app.request('/api/messages', { method: 'DELETE' });
    assert.deepEqual(await res.json(), { cleared: true });
    assert.equal(state.messages().length, 0);
    assert.equal(state.attempts().length, 0);
  });
});

describe('GET /api/robots', () => {
  test('lists robots with webhook URL, state, signed and keywords, never the secret', async () => {
    const { app } = createEmulatorApp({ robots, allowedHosts: ['emulator.test'] });
    const res = await app.request('http://emulator.test:9000/api/robots');
    const text = await res.text();
    assert.ok(!text.includes('SECsecret-never-shown'));
    assert.deepEqual(JSON.parse(text), [
      {
        name: 'ops',
        token: 'tok-ops-123456',
        webhookUrl: 'http://emulator.test:9000/robot/send?access_token=tok-ops-123456',
        state: 'active',
        signed: true,
        keywords: ['Alert'],
        open: false,
      },
      {
        name: 'dev',
        token: 'tok-dev-123456',
        webhookUrl: 'http://emulator.test:9000/robot/send?access_token=tok-dev-123456',
        state: 'active',
        signed: false,
        keywords: [],
        open: false,
      },
    ]);
  });

  test('reflects state changes', async () => {
    const { app, state } = createEmulatorApp({ robots });
    state.setRobotState('dev', 'dissolved');
    const list = (await (await app.request('/api/robots')).json()) as { name: string; state: string }[];
    assert.equal(list.find((r) => r.name === 'dev')?.state, 'dissolved');
  });
});

describe('open mode robots', () => {
  test('a new token appears in /api/robots and is announced as a robot event', async () => {
    const { app } = createEmulatorApp();
    const events = await app.request('/api/events');
    const reader = (events.body as ReadableStream<Uint8Array>).getReader();
    await reader.read(); // the opening comment
    await send(app, '/robot/send?access_token=fresh-token-1', text('x'));
    const chunk = new TextDecoder().decode((await reader.read()).value);
    assert.match(chunk, /^event: robot\ndata: .*"token":"fresh-token-1"/);
    await reader.cancel();
    const list = (await (await app.request('/api/robots')).json()) as { token: string; open: boolean }[];
    assert.deepEqual(
      list.map((r) => [r.token, r.open]),
      [['fresh-token-1', true]],
    );
  });

  test('event streams carry a comment heartbeat', async () => {
    const { app, state } = createEmulatorApp({ heartbeatMs: 20 });
    // The heartbeat timer is unref'd (a server's socket keeps the process alive, not the timer);
    // without a server here, hold the event loop open while waiting for it.
    const hold = setTimeout(() => {}, 120_000);
    const reader = ((await app.request('/api/events')).body as ReadableStream<Uint8Array>).getReader();
    await reader.read(); // the opening comment
    const chunk = new TextDecoder().decode((await reader.read()).value);
    clearTimeout(hold);
    assert.equal(chunk, ': heartbeat\n\n');
    await reader.cancel();
    assert.equal(state.events.clientCount, 0);
  });

  test('maxOpenRobots bounds how many tokens become robots', async () => {
    const { app } = createEmulatorApp({ maxOpenRobots: 2 });
    assert.equal((await send(app, '/robot/send?access_token=a1', text('x'))).json.errcode, 0);
    assert.equal((await send(app, '/robot/send?access_token=a2', text('x'))).json.errcode, 0);
    assert.equal((await send(app, '/robot/send?access_token=a3', text('x'))).json.errcode, 300005);
    assert.equal((await send(app, '/robot/send?access_token=a1', text('x'))).json.errcode, 0);
  });
});

describe('server hygiene', () => {
  test('unknown paths answer 404 JSON', async () => {
    const { app } = createEmulatorApp();
    const res = await app.request('/nope');
    assert.equal(res.status, 404);
    assert.match(res.headers.get('content-type') ?? '', /json/);
  });

  test('GET / is served by the preview', async () => {
    const { app } = createEmulatorApp();
    assert.equal((await app.request('/')).status, 200);
  });

  test('log lines redact tokens to their first 6 characters and never contain secrets', async () => {
    const lines: string[] = [];
    const { app, state } = createEmulatorApp({ robots, log: (line) => lines.push(line) });
    await send(app, '/robot/send?access_token=tok-ops-123456&timestamp=1&sign=x', text('x'));
    await send(app, '/robot/send?access_token=tok-dev-123456', text('x'));
    state.log.flush();
    assert.ok(lines.length >= 2);
    for (const line of lines) {
      assert.ok(!line.includes('tok-ops-123456'), line);
      assert.ok(!line.includes('tok-dev-123456'), line);
      assert.ok(!line.includes('SECsecret'), line);
    }
    assert.ok(lines.some((line) => line.includes('tok-de')));
  });

  test('the log sink is called asynchronously, not during the send', async () => {
    const lines: string[] = [];
    const { app } = createEmulatorApp({ log: (line) => lines.push(line) });
    await send(app, '/robot/send?access_token=abc', text('x'));
    assert.equal(lines.length, 0);
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(lines.some((line) => line.startsWith('accepted text')));
  });

  test('bad options fail at once, naming the option', () => {
    assert.throws(() => createEmulatorApp({ wording: 'new' as never }), /wording/);
    assert.throws(() => createEmulatorApp({ robots: [{ token: '' }] }), /robots\[0\]\.token/);
    assert.throws(
      () => createEmulatorApp({ robots: [{ token: 'a', ipAllowList: ['10.0.0.0/33'] }] }),
      /ipAllowList/,
    );
    assert.throws(() => createEmulatorApp({ maxBodyBytes: 20000 }), /maxBodyBytes/);
  });
});
