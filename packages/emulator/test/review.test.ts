/**
 * Realistic client flows and the fixes of the fidelity and security review.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import { MAX_CLIENTS, MAX_QUEUED_BYTES } from '../src/events.js';
import { createEmulatorApp } from '../src/index.js';
import { createMarkdownSubset } from '../src/preview/markdown.js';
import { assertLinear, fakeClock, send, text } from './helpers.js';

describe('realistic clients', () => {
  test("the seed's curl command (Content-Type: application/json, Chinese text) is accepted", async () => {
    const { app, state } = createEmulatorApp({ robots: [{ token: 'xxxxxxxx', keywords: ['烟火'] }] });
    const res = await send(
      app,
      '/robot/send?access_token=xxxxxxxx',
      '{"msgtype": "text","text": {"content": "我就是我, 是不一样的烟火"}}',
    );
    assert.deepEqual(res, { status: 200, json: { errcode: 0, errmsg: 'ok' } });
    assert.equal(
      state.messages()[0]?.bytes,
      Buffer.byteLength('{"msgtype": "text","text": {"content": "我就是我, 是不一样的烟火"}}'),
    );
  });

  test("DingTalk's Python snippet: quote_plus(base64(hmac)) is accepted", async () => {
    const clock = fakeClock();
    const secret = 'SECthis is secret';
    const { app } = createEmulatorApp({ robots: [{ token: 't', secret }], now: clock.now });
    // quote_plus encodes '+', '/' and '=' as %2B, %2F, %3D (and a space as '+', never in base64).
    const digest = createHmac('sha256', secret).update(`${clock.now()}\n${secret}`).digest('base64');
    const sign = digest.replace(/[+/=]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    const path = `/robot/send?access_token=t&timestamp=${clock.now()}&sign=${sign}`;
    assert.equal((await send(app, path, text('x'))).json.errcode, 0);
  });

  test('Content-Type application/json;charset=utf-8 and extra query parameters are accepted', async () => {
    const { app } = createEmulatorApp({ robots: [{ token: 't' }] });
    const res = await send(app, '/robot/send?foo=1&access_token=t&utm_source=x', text('x'), {
      headers: { 'content-type': 'application/json;charset=utf-8' },
    });
    assert.equal(res.json.errcode, 0);
  });

  test('a body starting with a UTF-8 byte-order mark is accepted (judgement call)', async () => {
    const { app, state } = createEmulatorApp({ robots: [{ token: 't' }] });
    const res = await send(app, '/robot/send?access_token=t', `\uFEFF${JSON.stringify(text('bom'))}`);
    assert.equal(res.json.errcode, 0);
    assert.deepEqual(state.messages()[0]?.payload, text('bom'));
  });

  test('a GET answers HTTP 200 with 43002', async () => {
    const { app } = createEmulatorApp({ robots: [{ token: 't' }] });
    const res = await app.request('/robot/send?access_token=t');
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { errcode: 43002, errmsg: '需要POST请求' });
  });

  test('modern wording of 460101 is the newer Chinese form', async () => {
    const { app } = createEmulatorApp({ robots: [{ token: 't' }], wording: 'modern' });
    const res = await send(app, '/robot/send?access_token=t', text('x'.repeat(20_001)));
    assert.deepEqual(res.json, {
      errcode: 460101,
      errmsg: 'description: body 大小不合法;solution:请保持大小在 20000bytes 以内;',
    });
  });
});

describe('hardening', () => {
  test('a stuck event-stream client is dropped after MAX_QUEUED_BYTES, not 10000 events', async () => {
    const { app, state } = createEmulatorApp({ robots: [{ token: 't' }] });
    const res = await app.request('/api/events');
    assert.equal(res.status, 200);
    assert.equal(state.events.clientCount, 1);
    const big = { payload: 'x'.repeat(19_000) };
    // Never read: 1000 events of 19 kB are over the byte cap but far under 10000 events.
    for (let i = 0; i < 1000; i++) state.events.publish('message', big);
    assert.ok(1000 * 19_000 > MAX_QUEUED_BYTES);
    assert.equal(state.events.clientCount, 0);
    // The stream is errored, so its 8 MB backlog is discarded instead of waiting to be read.
    await assert.rejects((res.body as ReadableStream<Uint8Array>).getReader().read(), /too far behind/);
  });

  test('event streams are capped; one more answers HTTP 503', async () => {
    const { app, state } = createEmulatorApp({});
    const open: Response[] = [];
    for (let i = 0; i < MAX_CLIENTS; i++) open.push(await app.request('/api/events'));
    const extra = await app.request('/api/events');
    assert.equal(extra.status, 503);
    assert.equal(state.events.clientCount, MAX_CLIENTS);
    state.events.closeAll();
  });

  test('log lines escape control characters from tokens and msgtypes', async () => {
    const lines: string[] = [];
    const { app, state } = createEmulatorApp({ log: (line) => lines.push(line) });
    await send(app, '/robot/send?access_token=ab%0Aaccepted%20text%20robot%3Dfake', text('x'));
    await send(app, '/robot/send?access_token=t2', { msgtype: 'x\nrefused 0 forged\u001b[2J' });
    state.log.flush();
    assert.ok(lines.length >= 3);
    for (const line of lines) assert.doesNotMatch(line, /[\n\r\u001b]/);
    assert.ok(lines.some((line) => line.includes('\\u000a')));
  });

  test('markdown: "[[[[…]" parses in linear time (labels longer than 1000 characters are not links)', () => {
    const md = createMarkdownSubset();
    // 10× the input: about 10× the time when linear, 100× when quadratic (measured in this run).
    assertLinear((n) => md.parse(`${'['.repeat(n)}]`), 1900, '"[" × n then "]"');
    assertLinear((n) => md.parse(`${'[a]('.repeat(n)})`), 490, '"[a](" × n then ")"');
    const label = 'a'.repeat(1500);
    assert.equal(md.parse(`[${label}](https://a.example)`).nodes[0]?.type, 'p');
    const node = md.parse(`[${label}](https://a.example)`).nodes[0];
    assert.ok(node && node.type === 'p' && node.children.every((child) => child.type === 'text'));
    const short = md.parse('[ok](https://a.example)').nodes[0];
    assert.ok(short && short.type === 'p' && short.children[0]?.type === 'a');
  });
});
