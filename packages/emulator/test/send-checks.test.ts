import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createEmulatorApp } from '../src/index.js';
import { send, text } from './helpers.js';

const robots = [
  { token: 'tok-active', name: 'active' },
  { token: 'tok-disabled', name: 'disabled', state: 'disabled' as const },
  { token: 'tok-dissolved', name: 'dissolved', state: 'dissolved' as const },
  { token: 'tok-gone', name: 'gone', state: 'gone' as const },
];

describe('POST /robot/send: success', () => {
  test('a valid text message answers HTTP 200 {"errcode":0,"errmsg":"ok"} and is recorded', async () => {
    const { app, state } = createEmulatorApp({ robots });
    const res = await send(app, '/robot/send?access_token=tok-active', text('我就是我, 是不一样的烟火'));
    assert.deepEqual(res, { status: 200, json: { errcode: 0, errmsg: 'ok' } });
    assert.equal(state.messages().length, 1);
    assert.equal(state.messages()[0]?.robot, 'active');
  });

  test('Content-Type with a charset parameter is accepted', async () => {
    const { app } = createEmulatorApp({ robots });
    const res = await send(app, '/robot/send?access_token=tok-active', text('hi'), {
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    assert.equal(res.json.errcode, 0);
  });
});

describe('POST /robot/send: refusals answer HTTP 200 with DingTalk errcodes', () => {
  test('GET answers 43002 需要POST请求 with HTTP 200', async () => {
    const { app, state } = createEmulatorApp({ robots });
    const res = await app.request('/robot/send?access_token=tok-active');
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { errcode: 43002, errmsg: '需要POST请求' });
    assert.equal(state.attempts()[0]?.errcode, 43002);
  });

  test('PUT answers 43002', async () => {
    const { app } = createEmulatorApp({ robots });
    const res = await send(app, '/robot/send?access_token=tok-active', text('x'), { method: 'PUT' });
    assert.deepEqual(res.json, { errcode: 43002, errmsg: '需要POST请求' });
  });

  test('a form content type answers 43004 无效的HTTP HEADER Content-Type', async () => {
    const { app } = createEmulatorApp({ robots });
    const res = await send(app, '/robot/send?access_token=tok-active', text('x'), {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.deepEqual(res, {
      status: 200,
      json: { errcode: 43004, errmsg: '无效的HTTP HEADER Content-Type' },
    });
  });

  test('a missing content type answers 43004', async () => {
    const { app } = createEmulatorApp({ robots });
    const res = await app.request('/robot/send?access_token=tok-active', {
      method: 'POST',
      body: new Uint8Array(Buffer.from(JSON.stringify(text('x')))),
    });
    assert.equal(((await res.json()) as { errcode: number }).errcode, 43004);
  });

  test('the method is checked before the content type', async () => {
    const { app } = createEmulatorApp({ robots });
    const res = await app.request('/robot/send', {
      method: 'GET',
      headers: { 'content-type': 'text/plain' },
    });
    assert.equal(((await res.json()) as { errcode: number }).errcode, 43002);
  });

  test('no access_token answers 40035 缺少参数 access_token', async () => {
    const { app, state } = createEmulatorApp({ robots });
    const res = await send(app, '/robot/send', text('x'));
    assert.deepEqual(res.json, { errcode: 40035, errmsg: '缺少参数 access_token' });
    assert.equal(state.attempts()[0]?.robot, null);
  });

  test('an empty access_token answers 40035', async () => {
    const { app } = createEmulatorApp({ robots });
    assert.equal((await send(app, '/robot/send?access_token=', text('x'))).json.errcode, 40035);
  });

  test('an unknown token answers 300005 token is not exist', async () => {
    const { app, state } = createEmulatorApp({ robots });
    const res = await send(app, '/robot/send?access_token=nope', text('x'));
    assert.deepEqual(res.json, { errcode: 300005, errmsg: 'token is not exist' });
    const attempt = state.attempts()[0];
    assert.equal(attempt?.robot, null);
    assert.match(attempt?.explanation ?? '', /token/i);
  });

  for (const [name, errcode, errmsg] of [
    ['disabled', 400102, '机器人已停用'],
    ['dissolved', 400013, '群已被解散'],
    ['gone', 400106, '机器人不存在'],
  ] as const) {
    test(`a ${name} robot answers ${errcode} ${errmsg}`, async () => {
      const { app, state } = createEmulatorApp({ robots });
      const res = await send(app, `/robot/send?access_token=tok-${name}`, text('x'));
      assert.deepEqual(res, { status: 200, json: { errcode, errmsg } });
      assert.equal(state.attempts()[0]?.robot, name);
      assert.equal(state.messages().length, 0);
    });
  }

  test('setRobotState switches a robot off and on again', async () => {
    const { app, state } = createEmulatorApp({ robots });
    state.setRobotState('active', 'disabled');
    assert.equal((await send(app, '/robot/send?access_token=tok-active', text('x'))).json.errcode, 400102);
    state.setRobotState('tok-active', 'active');
    assert.equal((await send(app, '/robot/send?access_token=tok-active', text('x'))).json.errcode, 0);
  });

  test('a body over 20000 UTF-8 bytes answers 460101 message too long, exceed 20000 bytes', async () => {
    const { app, state } = createEmulatorApp({ robots });
    // 7000 Chinese characters: 7000 characters, but 21000 bytes.
    const res = await send(app, '/robot/send?access_token=tok-active', text('烟'.repeat(7000)));
    assert.deepEqual(res.json, { errcode: 460101, errmsg: 'message too long, exceed 20000 bytes' });
    assert.equal(state.messages().length, 0);
  });

  test('a body of exactly 20000 bytes is accepted', async () => {
    const { app } = createEmulatorApp({ robots });
    const envelope = JSON.stringify(text('')).length;
    const body = JSON.stringify(text('a'.repeat(20000 - envelope)));
    assert.equal(Buffer.byteLength(body), 20000);
    assert.equal((await send(app, '/robot/send?access_token=tok-active', body)).json.errcode, 0);
  });

  test('a body over the 1 MiB server cap answers HTTP 413', async () => {
    const { app } = createEmulatorApp({ robots });
    const res = await app.request('/robot/send?access_token=tok-active', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(text('a'.repeat(1024 * 1024 + 10))),
    });
    assert.equal(res.status, 413);
  });

  test('invalid JSON answers 40035 缺少参数 json', async () => {
    const { app, state } = createEmulatorApp({ robots });
    const res = await send(app, '/robot/send?access_token=tok-active', '{"msgtype": "text", ');
    assert.deepEqual(res, { status: 200, json: { errcode: 40035, errmsg: '缺少参数 json' } });
    assert.equal(state.attempts()[0]?.robot, 'active');
  });

  test('a JSON array body answers 40035 缺少参数 json', async () => {
    const { app } = createEmulatorApp({ robots });
    assert.deepEqual((await send(app, '/robot/send?access_token=tok-active', [text('x')])).json, {
      errcode: 40035,
      errmsg: '缺少参数 json',
    });
  });

  for (const msgtype of ['image', 'file', 'voice', 'TEXT']) {
    test(`msgtype ${msgtype} answers 400105 不支持的消息类型`, async () => {
      const { app, state } = createEmulatorApp({ robots });
      const res = await send(app, '/robot/send?access_token=tok-active', {
        msgtype,
        [msgtype]: { mediaId: '@x', content: 'x' },
      });
      assert.deepEqual(res.json, { errcode: 400105, errmsg: '不支持的消息类型' });
      assert.equal(state.attempts()[0]?.msgtype, msgtype);
    });
  }

  test('a missing msgtype answers 40035 缺少参数 msgtype', async () => {
    const { app } = createEmulatorApp({ robots });
    const res = await send(app, '/robot/send?access_token=tok-active', { text: { content: 'x' } });
    assert.deepEqual(res.json, { errcode: 40035, errmsg: '缺少参数 msgtype' });
  });
});

describe('missing required fields answer 400403 miss param (legacy) / 400402 (modern)', () => {
  const link = { title: 't', text: 'x', messageUrl: 'https://a.example' };
  const card = { title: 't', text: 'x', singleTitle: 'read', singleURL: 'https://a.example' };
  const feedLink = { title: 't', messageURL: 'https://a.example', picURL: 'https://a.example/p.png' };
  const cases: [string, Record<string, unknown>, string][] = [
    ['text without text', { msgtype: 'text' }, 'text'],
    ['text without content', { msgtype: 'text', text: {} }, 'text.content'],
    ['text with empty content', { msgtype: 'text', text: { content: '' } }, 'text.content'],
    ['link without title', { msgtype: 'link', link: { ...link, title: undefined } }, 'link.title'],
    ['link without text', { msgtype: 'link', link: { ...link, text: undefined } }, 'link.text'],
    [
      'link with messageURL (feedCard casing) instead of messageUrl',
      { msgtype: 'link', link: { title: 't', text: 'x', messageURL: 'https://a.example' } },
      'link.messageUrl',
    ],
    ['markdown without title', { msgtype: 'markdown', markdown: { text: '# hi' } }, 'markdown.title'],
    ['markdown without text', { msgtype: 'markdown', markdown: { title: 'hi' } }, 'markdown.text'],
    [
      'actionCard without title',
      { msgtype: 'actionCard', actionCard: { ...card, title: undefined } },
      'actionCard.title',
    ],
    [
      'actionCard without text',
      { msgtype: 'actionCard', actionCard: { ...card, text: undefined } },
      'actionCard.text',
    ],
    [
      'actionCard with singleTitle but no singleURL',
      { msgtype: 'actionCard', actionCard: { ...card, singleURL: undefined } },
      'actionCard.singleURL',
    ],
    [
      'actionCard without any button',
      { msgtype: 'actionCard', actionCard: { title: 't', text: 'x' } },
      'actionCard.singleTitle',
    ],
    [
      'actionCard button without actionURL',
      {
        msgtype: 'actionCard',
        actionCard: { title: 't', text: 'x', btns: [{ title: 'a', actionURL: 'u' }, { title: 'b' }] },
      },
      'actionCard.btns[1].actionURL',
    ],
    ['feedCard without links', { msgtype: 'feedCard', feedCard: {} }, 'feedCard.links'],
    ['feedCard with empty links', { msgtype: 'feedCard', feedCard: { links: [] } }, 'feedCard.links'],
    [
      'feedCard link without picURL',
      { msgtype: 'feedCard', feedCard: { links: [{ ...feedLink, picURL: undefined }] } },
      'feedCard.links[0].picURL',
    ],
  ];
  for (const [name, body, field] of cases) {
    test(name, async () => {
      const { app, state } = createEmulatorApp({ robots });
      const res = await send(app, '/robot/send?access_token=tok-active', body);
      assert.deepEqual(res.json, { errcode: 400403, errmsg: `miss param : ${field.split('.').join('->')}` });
      assert.equal(state.messages().length, 0);
    });
  }

  test('modern wording: 400402 错误描述:参数 a --》 b 缺失 (as DingTalk answered in 2025)', async () => {
    const { app } = createEmulatorApp({ robots, wording: 'modern' });
    const res = await send(app, '/robot/send?access_token=tok-active', {
      msgtype: 'markdown',
      markdown: { text: '# hi' },
    });
    assert.deepEqual(res.json, {
      errcode: 400402,
      errmsg:
        '错误描述:参数 markdown --》 title 缺失，或者参数格式不正确; 解决方案:请填充上对应参数;参考链接:请参考本接口对应文档查看参数获取方式，或者在https://open.dingtalk.com/document/  搜索对应文档;',
    });
  });

  test('half a single button does not hide complete btns (btns are void only once singleTitle AND singleURL are set)', async () => {
    const { app, state } = createEmulatorApp({ robots });
    const btns = [{ title: 'a', actionURL: 'https://a.example' }];
    for (const half of [{ singleTitle: 'read' }, { singleURL: 'https://a.example' }]) {
      const body = { msgtype: 'actionCard', actionCard: { title: 't', text: 'x', ...half, btns } };
      assert.deepEqual((await send(app, '/robot/send?access_token=tok-active', body)).json, {
        errcode: 0,
        errmsg: 'ok',
      });
    }
    assert.equal(state.messages().length, 2);
  });

  test('a complete single button wins over incomplete btns', async () => {
    const { app } = createEmulatorApp({ robots });
    const body = { msgtype: 'actionCard', actionCard: { ...card, btns: [{ title: 'no url' }] } };
    assert.equal((await send(app, '/robot/send?access_token=tok-active', body)).json.errcode, 0);
  });

  const valid: [string, Record<string, unknown>][] = [
    ['link', { msgtype: 'link', link }],
    ['markdown', { msgtype: 'markdown', markdown: { title: 'hi', text: '# hi' } }],
    ['actionCard with one button', { msgtype: 'actionCard', actionCard: card }],
    [
      'actionCard with several buttons',
      {
        msgtype: 'actionCard',
        actionCard: { title: 't', text: 'x', btns: [{ title: 'a', actionURL: 'u' }] },
      },
    ],
    ['feedCard', { msgtype: 'feedCard', feedCard: { links: [feedLink, feedLink] } }],
  ];
  for (const [name, body] of valid) {
    test(`a complete ${name} is accepted`, async () => {
      const { app, state } = createEmulatorApp({ robots });
      assert.deepEqual((await send(app, '/robot/send?access_token=tok-active', body)).json, {
        errcode: 0,
        errmsg: 'ok',
      });
      assert.equal(state.messages()[0]?.msgtype, body['msgtype']);
    });
  }
});
