import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { type EmulatorHandle, startEmulator } from '../src/index.js';

const run = promisify(execFile);

/** Reads a response body as text chunks. */
function textReader(res: Response) {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  return {
    async read(): Promise<{ value: string; done: boolean }> {
      const { value, done } = await reader.read();
      return { value: value ? decoder.decode(value, { stream: true }) : '', done };
    },
    cancel: () => reader.cancel(),
  };
}
const TOKEN = 'seedtoken0123456789';
const SECRET = 'SEC0f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff';

// The seed's Python 3 snippet, verbatim but for the secret.
const PYTHON_SIGN = `
import time
import hmac
import hashlib
import base64
import urllib.parse

timestamp = str(round(time.time() * 1000))
secret = '${SECRET}'
secret_enc = secret.encode('utf-8')
string_to_sign = '{}\\n{}'.format(timestamp, secret)
string_to_sign_enc = string_to_sign.encode('utf-8')
hmac_code = hmac.new(secret_enc, string_to_sign_enc, digestmod=hashlib.sha256).digest()
sign = urllib.parse.quote_plus(base64.b64encode(hmac_code))
print(timestamp)
print(sign)
`;

describe('on a real port', () => {
  let emulator: EmulatorHandle;
  before(async () => {
    emulator = await startEmulator({
      port: 0,
      robots: [
        { token: TOKEN, name: 'seed' },
        { token: 'signedtoken', name: 'signed', secret: SECRET },
        { token: 'iptoken-local', name: 'local', ipAllowList: ['127.0.0.0/8'] },
        { token: 'iptoken-remote', name: 'remote', ipAllowList: ['10.0.0.0/8'] },
      ],
    });
  });
  after(async () => {
    await emulator.close();
  });

  test('binds 127.0.0.1 on a free port', () => {
    assert.ok(emulator.port > 0);
    assert.equal(emulator.url, `http://127.0.0.1:${emulator.port}`);
    assert.equal(emulator.webhookUrl('abc'), `${emulator.url}/robot/send?access_token=abc`);
  });

  test("the seed's curl command succeeds", async () => {
    const { stdout } = await run('/usr/bin/curl', [
      '-sS',
      `${emulator.url}/robot/send?access_token=${TOKEN}`,
      '-H',
      'Content-Type: application/json',
      '-d',
      '{"msgtype": "text","text": {"content": "我就是我, 是不一样的烟火"}}',
    ]);
    assert.deepEqual(JSON.parse(stdout), { errcode: 0, errmsg: 'ok' });
    const last = emulator.messages({ robot: 'seed' }).at(-1);
    assert.deepEqual(last?.payload, { msgtype: 'text', text: { content: '我就是我, 是不一样的烟火' } });
  });

  test("curl's default form content type answers 43004", async () => {
    const { stdout } = await run('/usr/bin/curl', [
      '-sS',
      `${emulator.url}/robot/send?access_token=${TOKEN}`,
      '-d',
      '{"msgtype": "text","text": {"content": "x"}}',
    ]);
    assert.equal(JSON.parse(stdout).errcode, 43004);
  });

  test("the seed's Python signing snippet produces a URL the emulator accepts", async () => {
    const { stdout } = await run('python3', ['-c', PYTHON_SIGN]);
    const [timestamp, sign] = stdout.trim().split('\n');
    const url = `${emulator.url}/robot/send?access_token=signedtoken&timestamp=${timestamp}&sign=${sign}`;
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ msgtype: 'text', text: { content: 'signed' } }),
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { errcode: 0, errmsg: 'ok' });
  });

  test('the IP allow-list sees the real client address', async () => {
    const post = (token: string) =>
      fetch(emulator.webhookUrl(token), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ msgtype: 'text', text: { content: 'ip' } }),
      }).then((res) => res.json());
    assert.deepEqual(await post('iptoken-local'), { errcode: 0, errmsg: 'ok' });
    assert.deepEqual(await post('iptoken-remote'), {
      errcode: 310000,
      errmsg: 'ip 127.0.0.1 not in whitelist',
    });
  });

  test('a body over the 1 MiB cap answers HTTP 413, one under it 460101', async () => {
    const post = (size: number) =>
      fetch(emulator.webhookUrl(TOKEN), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ msgtype: 'text', text: { content: 'a'.repeat(size) } }),
      });
    assert.equal((await post(2 * 1024 * 1024)).status, 413);
    const res = await post(30_000);
    assert.deepEqual(await res.json(), { errcode: 460101, errmsg: 'message too long, exceed 20000 bytes' });
  });

  test('GET /api/events streams a message event for a send', async () => {
    const controller = new AbortController();
    const res = await fetch(`${emulator.url}/api/events`, { signal: controller.signal });
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const reader = textReader(res);
    await reader.read(); // the opening comment
    await fetch(emulator.webhookUrl(TOKEN), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ msgtype: 'text', text: { content: 'over sse' } }),
    });
    let buffer = '';
    while (!buffer.includes('\n\n') || !buffer.includes('event: message')) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
    }
    const block = buffer.slice(buffer.indexOf('event: message')).split('\n\n')[0] ?? '';
    const data = JSON.parse(
      block
        .split('\n')
        .find((line) => line.startsWith('data: '))
        ?.slice(6) ?? 'null',
    );
    assert.equal(data.robot, 'seed');
    assert.deepEqual(data.payload.text, { content: 'over sse' });
    controller.abort();
  });
});

describe('close()', () => {
  // A hang (server.close() waiting on the stream or the idle keep-alive socket) fails by the test's
  // timeout, which is long on purpose: no wall-clock budget.
  test('ends with an open event stream and a keep-alive client', { timeout: 120_000 }, async () => {
    const emulator = await startEmulator();
    const res = await fetch(`${emulator.url}/api/events`);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    await fetch(emulator.webhookUrl('keepalive'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ msgtype: 'text', text: { content: 'x' } }),
    });
    await emulator.close();
    // The stream ends instead of hanging.
    for (;;) {
      const { done } = await reader.read().catch(() => ({ done: true }));
      if (done) break;
    }
  });

  test('an event stream receives robot and clear events', async () => {
    const emulator = await startEmulator({ robots: [{ token: 'abc', name: 'ops' }] });
    try {
      const res = await fetch(`${emulator.url}/api/events`);
      const reader = textReader(res);
      await reader.read();
      emulator.setRobotState('ops', 'disabled');
      emulator.clear();
      let buffer = '';
      while (!buffer.includes('event: clear')) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
      }
      assert.match(buffer, /event: robot\ndata: \{[^\n]*"state":"disabled"/);
      assert.match(buffer, /event: clear\ndata: /);
      await reader.cancel();
    } finally {
      await emulator.close();
    }
  });
});
