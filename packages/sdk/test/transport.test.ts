import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, beforeEach, describe, test } from 'node:test';
import { retryDelay } from '../src/core/retry.js';
import {
  BusyError,
  HttpError,
  isDingbotError,
  RETRY_POLICIES,
  Robot,
  TimeoutError,
  text,
  VERSION,
} from '../src/index.js';
import { DIRECT } from './helpers/direct.js';
import { dingtalk, OK, type Reply, startServer, type TestServer } from './helpers/server.js';

const TOKEN = '0123456789abcdef'.repeat(4);
const SECRET = 'SECf00dfeedbeef0123456789';

let server: TestServer;
before(async () => {
  server = await startServer();
});
after(() => server.close());
beforeEach(() => server.reset());

function robot(options: Partial<ConstructorParameters<typeof Robot>[0]> = {}): Robot {
  return new Robot({ accessToken: TOKEN, baseUrl: server.url, retry: 'fast', ...DIRECT, ...options });
}

function bodyOf(i: number): Record<string, unknown> {
  return server.requests[i]!.body as Record<string, unknown>;
}

describe('the request', () => {
  test('POST /robot/send?access_token=… with JSON, User-Agent dingbot/<version>', async () => {
    const result = await robot().text('hello');
    assert.equal(server.requests.length, 1);
    const request = server.requests[0]!;
    assert.equal(request.method, 'POST');
    assert.equal(request.url, `/robot/send?access_token=${TOKEN}`);
    assert.match(String(request.headers['content-type']), /^application\/json\b/);
    assert.match(String(request.headers['content-type']), /charset=utf-8/i);
    assert.equal(request.headers['user-agent'], `dingbot/${VERSION}`);
    assert.equal(VERSION, (await import('../package.json', { with: { type: 'json' } })).default.version);
    assert.equal(bodyOf(0).msgtype, 'text');
    assert.deepEqual(bodyOf(0).text, { content: 'hello' });
    assert.equal(result.attempts, 1);
    assert.equal(result.msgUuid, bodyOf(0).msgUuid);
  });

  test('the body is UTF-8', async () => {
    await robot().text('钉钉 😀 é');
    assert.equal(server.requests[0]!.rawBody.toString('utf8').includes('钉钉 😀 é'), true);
  });

  test('the webhook form posts to the same URL, without timestamp/sign pasted in', async () => {
    const webhook = `${server.url}/robot/send?access_token=${TOKEN}&timestamp=1&sign=stale`;
    await new Robot({ webhook, retry: 'none', ...DIRECT }).text('hi');
    assert.equal(server.requests[0]!.url, `/robot/send?access_token=${TOKEN}`);
  });

  test('every message carries a random msgUuid', async () => {
    const r = robot();
    await r.text('one');
    await r.text('two');
    const [a, b] = [bodyOf(0).msgUuid, bodyOf(1).msgUuid];
    assert.equal(typeof a, 'string');
    assert.ok((a as string).length >= 16);
    assert.notEqual(a, b);
  });

  test('a caller-given msgUuid is kept', async () => {
    await robot().send({ ...text('hi'), msgUuid: 'my-key-1' });
    assert.equal(bodyOf(0).msgUuid, 'my-key-1');
  });

  test('resolves only on errcode 0', async () => {
    server.reply(dingtalk(0, 'ok'));
    await robot().text('ok');
    server.reply(dingtalk(310000, 'sign not match'));
    await assert.rejects(robot().text('x'), (e: unknown) => isDingbotError(e) && e.code === 'SIGN_MISMATCH');
  });
});

describe('retries', () => {
  const healing: [string, Reply][] = [
    ['errcode -1', dingtalk(-1, '系统繁忙')],
    ['HTTP 500', { status: 500, body: 'oops' }],
    ['HTTP 503', { status: 503, body: { errcode: -1, errmsg: 'x' } }],
    ['a closed socket', { destroy: true }],
    ['a timeout', { delayMs: 400 }],
  ];
  for (const [name, failure] of healing) {
    test(`${name} is retried with the same msgUuid until DingTalk says ok`, async () => {
      server.reply(failure, failure, OK);
      const result = await robot({ timeoutMs: 100 }).text('hello');
      assert.equal(result.attempts, 3);
      assert.equal(server.requests.length, 3);
      const uuids = server.requests.map((r) => (r.body as { msgUuid: string }).msgUuid);
      assert.equal(new Set(uuids).size, 1, 'one msgUuid for every attempt');
      assert.equal(uuids[0], result.msgUuid);
      // The same body every time, byte for byte.
      assert.ok(server.requests.every((r) => r.rawBody.equals(server.requests[0]!.rawBody)));
    });
  }

  test('gives up after the policy’s retries with the last error', async () => {
    server.fallback = dingtalk(-1, '系统繁忙');
    await assert.rejects(robot().text('x'), BusyError);
    assert.equal(server.requests.length, 1 + RETRY_POLICIES.fast.retries);
  });

  test('a timeout that never heals ends as TimeoutError after the retries', async () => {
    server.fallback = { delayMs: 300 };
    await assert.rejects(robot({ timeoutMs: 40 }).text('x'), TimeoutError);
    assert.equal(server.requests.length, 4);
  });

  test("retry: 'none' makes one attempt", async () => {
    server.fallback = { status: 502, body: '' };
    await assert.rejects(robot({ retry: 'none' }).text('x'), HttpError);
    assert.equal(server.requests.length, 1);
  });

  test('a custom policy: retries count and growing delays', async () => {
    server.fallback = dingtalk(-1, '系统繁忙');
    const policy = { retries: 2, minDelayMs: 40, maxDelayMs: 1000, factor: 2, jitter: false };
    await assert.rejects(robot({ retry: policy }).text('x'), BusyError);
    const times = server.requests.map((r) => r.receivedAt);
    assert.equal(times.length, 3);
    assert.ok(times[1]! - times[0]! >= 35, `first delay ${times[1]! - times[0]!}`);
    assert.ok(times[2]! - times[1]! >= 75, `second delay ${times[2]! - times[1]!}`);
  });

  const permanent: [string, Reply][] = [
    ['310000 sign not match', dingtalk(310000, 'sign not match')],
    ['310000 keywords', dingtalk(310000, 'keywords not in content')],
    ['310000 invalid timestamp', dingtalk(310000, 'invalid timestamp')],
    ['310000 ip', dingtalk(310000, 'ip 1.2.3.4 not in whitelist')],
    ['130101 throttled', dingtalk(130101, 'send too fast, exceed 20 times per minute')],
    ['410100 throttled', dingtalk(410100, '发送速度太快而限流')],
    ['400105 msgtype', dingtalk(400105, '不支持的消息类型')],
    ['300005 token', dingtalk(300005, 'token is not exist')],
    ['400102 disabled', dingtalk(400102, '机器人已停用')],
    ['460101 too long', dingtalk(460101, 'message too long, exceed 20000 bytes')],
    ['430102 content', dingtalk(430102, '含有不合适的文本')],
    ['HTTP 404', { status: 404, body: 'no' }],
    ['HTTP 200 not JSON', { status: 200, body: '<html>' }],
  ];
  for (const [name, failure] of permanent) {
    test(`${name} is never retried`, async () => {
      server.fallback = failure;
      await assert.rejects(robot().text('x'));
      assert.equal(server.requests.length, 1);
    });
  }
});

describe('signing', () => {
  test('each attempt carries a fresh timestamp and a sign that verifies', async () => {
    let clock = 1_700_000_000_000;
    server.reply(dingtalk(-1, '系统繁忙'), { status: 500 }, OK);
    await robot({ secret: SECRET, now: () => (clock += 1000) }).text('signed');
    assert.equal(server.requests.length, 3);
    const timestamps = server.requests.map((r) => Number(r.query.get('timestamp')));
    assert.deepEqual(timestamps, [1_700_000_001_000, 1_700_000_002_000, 1_700_000_003_000]);
    for (const request of server.requests) {
      const timestamp = request.query.get('timestamp')!;
      const expected = createHmac('sha256', SECRET).update(`${timestamp}\n${SECRET}`).digest('base64');
      // The query string decodes once to the base64 signature: encoded exactly once.
      assert.equal(request.query.get('sign'), expected);
      assert.ok(request.url.includes(`&sign=${encodeURIComponent(expected)}`));
      assert.ok(request.url.startsWith(`/robot/send?access_token=${TOKEN}&timestamp=${timestamp}&sign=`));
    }
  });

  test('the timestamp is in milliseconds and taken at send time', async () => {
    const before = Date.now();
    await robot({ secret: SECRET }).text('now');
    const timestamp = Number(server.requests[0]!.query.get('timestamp'));
    assert.ok(timestamp >= before && timestamp <= Date.now(), String(timestamp));
  });

  test('a robot without secret sends no timestamp or sign', async () => {
    await robot().text('plain');
    assert.equal(server.requests[0]!.query.has('sign'), false);
    assert.equal(server.requests[0]!.query.has('timestamp'), false);
  });
});

test('backoff: exponential, capped, with jitter between half and all of each delay', () => {
  const policy = RETRY_POLICIES.default;
  const bases = [1, 2, 3, 4, 5, 6, 7].map((n) => retryDelay({ ...policy, jitter: false }, n));
  assert.deepEqual(bases, [500, 1000, 2000, 4000, 8000, 8000, 8000]);
  for (let n = 1; n <= 7; n++) {
    assert.equal(
      retryDelay(policy, n, () => 0),
      bases[n - 1]! / 2,
    );
    assert.equal(retryDelay(policy, n, () => 0.999999).toFixed(0), bases[n - 1]!.toFixed(0));
  }
  const spread = new Set(Array.from({ length: 20 }, () => retryDelay(policy, 2)));
  assert.ok(spread.size > 10, 'jittered delays differ');
  assert.ok([...spread].every((d) => d >= 500 && d <= 1000));
});
