import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createEmulatorApp } from '../src/index.js';
import { dingSign, fakeClock, send, signedPath, text } from './helpers.js';

const SECRET = 'SECd1ab2c3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2';
const HOUR = 60 * 60 * 1000;

const MODERN = {
  keyword:
    'description:关键词不匹配;solution:请联系群管理员查看此机器人的关键词，并在发送的信息中包含此关键词;',
  // As DingTalk answered in 2024 and 2025 (qd-today/qd#510, sunmh207/AI-Codereview-Gitlab#142).
  sign: 'description:机器人发送签名不匹配;solution:请确认签名和生成签名的时间戳必须都放在调用的网址中，请确认机器人的密钥加密和填写正确;link:请参考本接口对应文档获得具体要求，或者在https://open.dingtalk.com/document/  搜索相关文档;',
  ip: 'description:ip 不在白名单中;solution:请联系对应群的管理员，设置机器人安全ip地址段',
};

describe('IP allow-list (310000)', () => {
  const robots = [{ token: 'tok-ip', name: 'ip', ipAllowList: ['203.0.113.7', '10.1.0.0/16'] }];

  test('an address on the list is accepted', async () => {
    const { app } = createEmulatorApp({ robots });
    const res = await send(app, '/robot/send?access_token=tok-ip', text('x'), {
      env: { remoteAddress: '203.0.113.7' },
    });
    assert.equal(res.json.errcode, 0);
  });

  test('an address inside a CIDR range is accepted, also as IPv4-mapped IPv6', async () => {
    const { app } = createEmulatorApp({ robots });
    for (const remoteAddress of ['10.1.0.1', '10.1.255.254', '::ffff:10.1.2.3']) {
      const res = await send(app, '/robot/send?access_token=tok-ip', text('x'), { env: { remoteAddress } });
      assert.equal(res.json.errcode, 0, remoteAddress);
    }
  });

  test('an address outside answers 310000 ip X.X.X.X not in whitelist', async () => {
    const { app, state } = createEmulatorApp({ robots });
    for (const remoteAddress of ['10.2.0.1', '203.0.113.8', '10.0.255.255']) {
      const res = await send(app, '/robot/send?access_token=tok-ip', text('x'), { env: { remoteAddress } });
      assert.deepEqual(res, {
        status: 200,
        json: { errcode: 310000, errmsg: `ip ${remoteAddress} not in whitelist` },
      });
    }
    assert.equal(state.attempts().length, 3);
  });

  test('modern wording', async () => {
    const { app } = createEmulatorApp({ robots, wording: 'modern' });
    const res = await send(app, '/robot/send?access_token=tok-ip', text('x'), {
      env: { remoteAddress: '8.8.8.8' },
    });
    assert.deepEqual(res.json, { errcode: 310000, errmsg: MODERN.ip });
  });

  test('an IPv6 client never matches (DingTalk has no IPv6 allow-list)', async () => {
    const { app } = createEmulatorApp({ robots: [{ token: 't', ipAllowList: ['0.0.0.0/0'] }] });
    const res = await send(app, '/robot/send?access_token=t', text('x'), {
      env: { remoteAddress: '2001:db8::1' },
    });
    assert.equal(res.json.errcode, 310000);
  });

  test('the IP check comes before the signature check', async () => {
    const { app } = createEmulatorApp({
      robots: [{ token: 't', secret: SECRET, ipAllowList: ['10.0.0.1'] }],
    });
    const res = await send(app, '/robot/send?access_token=t&timestamp=1&sign=bad', text('x'), {
      env: { remoteAddress: '10.0.0.2' },
    });
    assert.equal(res.json.errmsg, 'ip 10.0.0.2 not in whitelist');
  });
});

describe('signing (加签, 310000)', () => {
  const robots = [{ token: 'tok-signed', name: 'signed', secret: SECRET }];

  test('a correctly signed request is accepted', async () => {
    const clock = fakeClock();
    const { app } = createEmulatorApp({ robots, now: clock.now });
    const res = await send(app, signedPath('tok-signed', SECRET, clock.now()), text('x'));
    assert.deepEqual(res.json, { errcode: 0, errmsg: 'ok' });
  });

  test('timestamps up to one hour away either way are accepted', async () => {
    const clock = fakeClock();
    const { app } = createEmulatorApp({ robots, now: clock.now });
    for (const skew of [-HOUR + 1000, HOUR - 1000]) {
      const res = await send(app, signedPath('tok-signed', SECRET, clock.now() + skew), text('x'));
      assert.equal(res.json.errcode, 0, `skew ${skew}`);
    }
  });

  test('a timestamp more than one hour old answers 310000 invalid timestamp', async () => {
    const clock = fakeClock();
    const { app } = createEmulatorApp({ robots, now: clock.now });
    const res = await send(app, signedPath('tok-signed', SECRET, clock.now() - HOUR - 1000), text('x'));
    assert.deepEqual(res.json, { errcode: 310000, errmsg: 'invalid timestamp' });
  });

  test('a timestamp more than one hour ahead answers 310000 invalid timestamp', async () => {
    const clock = fakeClock();
    const { app } = createEmulatorApp({ robots, now: clock.now, wording: 'modern' });
    const res = await send(app, signedPath('tok-signed', SECRET, clock.now() + HOUR + 1000), text('x'));
    // No newer wording is known for the timestamp: the older one stays in both wordings.
    assert.deepEqual(res.json, { errcode: 310000, errmsg: 'invalid timestamp' });
  });

  test('a timestamp in seconds (not ms) answers invalid timestamp', async () => {
    const clock = fakeClock();
    const { app } = createEmulatorApp({ robots, now: clock.now });
    const seconds = Math.floor(clock.now() / 1000);
    const res = await send(app, signedPath('tok-signed', SECRET, seconds), text('x'));
    assert.equal(res.json.errmsg, 'invalid timestamp');
  });

  test('a missing timestamp and sign answer 310000', async () => {
    const { app } = createEmulatorApp({ robots });
    const res = await send(app, '/robot/send?access_token=tok-signed', text('x'));
    assert.equal(res.json.errcode, 310000);
  });

  test('a sign without a timestamp answers sign not match, as DingTalk does (not invalid timestamp)', async () => {
    const clock = fakeClock();
    const { app, state } = createEmulatorApp({ robots, now: clock.now });
    const sign = encodeURIComponent(dingSign(SECRET, clock.now()));
    for (const query of [`sign=${sign}`, `timestamp=&sign=${sign}`]) {
      const res = await send(app, `/robot/send?access_token=tok-signed&${query}`, text('x'));
      assert.deepEqual(res.json, { errcode: 310000, errmsg: 'sign not match' }, query);
    }
    assert.match(state.attempts().at(-1)?.explanation ?? '', /put both timestamp and sign in the URL/);
    const modern = createEmulatorApp({ robots, now: clock.now, wording: 'modern' });
    const res = await send(modern.app, `/robot/send?access_token=tok-signed&sign=${sign}`, text('x'));
    assert.match(res.json.errmsg, /机器人发送签名不匹配/);
  });

  test('the tolerance is configurable', async () => {
    const clock = fakeClock();
    const { app } = createEmulatorApp({ robots, now: clock.now, timestampToleranceMs: 60_000 });
    const res = await send(app, signedPath('tok-signed', SECRET, clock.now() - 120_000), text('x'));
    assert.equal(res.json.errmsg, 'invalid timestamp');
  });

  test('a sign made with another secret answers 310000 sign not match', async () => {
    const clock = fakeClock();
    const { app, state } = createEmulatorApp({ robots, now: clock.now });
    const res = await send(app, signedPath('tok-signed', `${SECRET}x`, clock.now()), text('x'));
    assert.deepEqual(res.json, { errcode: 310000, errmsg: 'sign not match' });
    assert.match(state.attempts()[0]?.explanation ?? '', /secret/);
  });

  test('a sign for another timestamp answers sign not match', async () => {
    const clock = fakeClock();
    const { app } = createEmulatorApp({ robots, now: clock.now });
    const sign = encodeURIComponent(dingSign(SECRET, clock.now() - 1));
    const res = await send(
      app,
      `/robot/send?access_token=tok-signed&timestamp=${clock.now()}&sign=${sign}`,
      text('x'),
    );
    assert.equal(res.json.errmsg, 'sign not match');
  });

  test('a double-encoded sign answers sign not match', async () => {
    const clock = fakeClock();
    const { app } = createEmulatorApp({ robots, now: clock.now });
    // Find a timestamp whose sign has characters that encoding changes (+, / or =): practically always.
    const ts = clock.now();
    const once = encodeURIComponent(dingSign(SECRET, ts));
    assert.notEqual(once, dingSign(SECRET, ts));
    const twice = encodeURIComponent(once);
    const res = await send(
      app,
      `/robot/send?access_token=tok-signed&timestamp=${ts}&sign=${twice}`,
      text('x'),
    );
    assert.deepEqual(res.json, { errcode: 310000, errmsg: 'sign not match' });
  });

  test('modern wording of sign not match', async () => {
    const clock = fakeClock();
    const { app } = createEmulatorApp({ robots, now: clock.now, wording: 'modern' });
    const res = await send(
      app,
      `/robot/send?access_token=tok-signed&timestamp=${clock.now()}&sign=abc`,
      text('x'),
    );
    assert.deepEqual(res.json, { errcode: 310000, errmsg: MODERN.sign });
  });

  test('security runs before the size check', async () => {
    const { app } = createEmulatorApp({ robots });
    const res = await send(app, '/robot/send?access_token=tok-signed', text('烟'.repeat(8000)));
    assert.equal(res.json.errcode, 310000);
  });
});

describe('keywords (310000)', () => {
  const robots = [{ token: 'tok-kw', name: 'kw', keywords: ['监控报警', 'Alert'] }];
  const ok = { errcode: 0, errmsg: 'ok' };

  test('a text containing a keyword is accepted', async () => {
    const { app } = createEmulatorApp({ robots });
    assert.deepEqual(
      (await send(app, '/robot/send?access_token=tok-kw', text('磁盘满了 监控报警'))).json,
      ok,
    );
  });

  test('a text without any keyword answers 310000 keywords not in content', async () => {
    const { app, state } = createEmulatorApp({ robots });
    const res = await send(app, '/robot/send?access_token=tok-kw', text('磁盘满了'));
    assert.deepEqual(res, { status: 200, json: { errcode: 310000, errmsg: 'keywords not in content' } });
    assert.deepEqual(state.attempts()[0]?.payload, text('磁盘满了'));
  });

  test('keywords are case-sensitive', async () => {
    const { app } = createEmulatorApp({ robots });
    assert.equal(
      (await send(app, '/robot/send?access_token=tok-kw', text('alert: disk'))).json.errcode,
      310000,
    );
  });

  test('modern wording', async () => {
    const { app } = createEmulatorApp({ robots, wording: 'modern' });
    const res = await send(app, '/robot/send?access_token=tok-kw', text('磁盘满了'));
    assert.deepEqual(res.json, { errcode: 310000, errmsg: MODERN.keyword });
  });

  const inFields: [string, Record<string, unknown>][] = [
    ['a markdown title', { msgtype: 'markdown', markdown: { title: 'Alert', text: 'disk' } }],
    ['a markdown text', { msgtype: 'markdown', markdown: { title: 't', text: '## Alert' } }],
    ['a link title', { msgtype: 'link', link: { title: 'Alert', text: 'x', messageUrl: 'u' } }],
    ['a link text', { msgtype: 'link', link: { title: 't', text: 'Alert', messageUrl: 'u' } }],
    [
      'an actionCard button title',
      {
        msgtype: 'actionCard',
        actionCard: { title: 't', text: 'x', btns: [{ title: 'Alert', actionURL: 'u' }] },
      },
    ],
    [
      'an actionCard singleTitle',
      { msgtype: 'actionCard', actionCard: { title: 't', text: 'x', singleTitle: 'Alert', singleURL: 'u' } },
    ],
    [
      'a feedCard link title',
      { msgtype: 'feedCard', feedCard: { links: [{ title: 'Alert', messageURL: 'u', picURL: 'p' }] } },
    ],
  ];
  for (const [where, body] of inFields) {
    test(`a keyword in ${where} counts`, async () => {
      const { app } = createEmulatorApp({ robots });
      assert.deepEqual((await send(app, '/robot/send?access_token=tok-kw', body)).json, ok);
    });
  }

  test('a keyword only in a URL does not count', async () => {
    const { app } = createEmulatorApp({ robots });
    const body = { msgtype: 'link', link: { title: 't', text: 'x', messageUrl: 'https://a.example/Alert' } };
    assert.equal((await send(app, '/robot/send?access_token=tok-kw', body)).json.errcode, 310000);
  });

  test('the keyword check runs after the signature check', async () => {
    const { app } = createEmulatorApp({ robots: [{ token: 't', secret: SECRET, keywords: ['Alert'] }] });
    const res = await send(app, '/robot/send?access_token=t&timestamp=1&sign=x', text('none'));
    assert.equal(res.json.errmsg, 'invalid timestamp');
  });
});

describe('open mode', () => {
  test('any token is accepted without security and becomes a robot named after its prefix', async () => {
    const { app, state } = createEmulatorApp();
    const res = await send(app, '/robot/send?access_token=0123456789abcdef', text('x'));
    assert.equal(res.json.errcode, 0);
    const robots = state.robotList('http://h');
    assert.equal(robots.length, 1);
    assert.equal(robots[0]?.token, '0123456789abcdef');
    assert.ok('0123456789abcdef'.startsWith(robots[0]?.name ?? '-'));
    assert.ok((robots[0]?.name.length ?? 99) < 16);
    assert.equal(robots[0]?.open, true);
  });

  test('configured robots turn open mode off', async () => {
    const { app } = createEmulatorApp({ robots: [{ token: 'known' }] });
    assert.equal((await send(app, '/robot/send?access_token=other', text('x'))).json.errcode, 300005);
  });
});
