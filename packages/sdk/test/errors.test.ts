import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { inspect } from 'node:util';
import fc from 'fast-check';
import { classifyDingTalkError } from '../src/errors/dingtalk.js';
import {
  BadRequestError,
  BusyError,
  ContentRejectedError,
  DingbotError,
  DingTalkError,
  HttpError,
  IpNotAllowedError,
  isDingbotError,
  KeywordError,
  MessageTooLongError,
  OptionsError,
  RateLimitedError,
  RequestError,
  Robot,
  RobotUnavailableError,
  SecurityError,
  SessionExpiredError,
  SignatureError,
  TimeoutError,
  TimestampError,
  TokenError,
  text,
  UnknownDingTalkError,
  UnsupportedMessageTypeError,
  ValidationError,
} from '../src/index.js';
import { DIRECT } from './helpers/direct.js';
import { closedPort, dingtalk, type Reply, startServer, type TestServer } from './helpers/server.js';

const TOKEN = 'a'.repeat(64);
const SECRET = `SEC${'0123456789abcdef'.repeat(4)}`;

let server: TestServer;
before(async () => {
  server = await startServer();
});
after(() => server.close());
beforeEach(() => server.reset());

/** Sends one text through a Robot pointed at the test server and returns what it threw. */
async function sendAndCatch(
  reply: Reply | Reply[],
  options: Partial<ConstructorParameters<typeof Robot>[0]> = {},
): Promise<DingbotError> {
  // One reply answers every attempt; a list answers in turn, then the server keeps its fallback.
  if (Array.isArray(reply)) server.reply(...reply);
  else server.fallback = reply;
  const robot = new Robot({ accessToken: TOKEN, baseUrl: server.url, retry: 'fast', ...DIRECT, ...options });
  const error = await robot.text('hello').then(
    () => assert.fail('send() resolved although DingTalk refused'),
    (e: unknown) => e,
  );
  assert.ok(isDingbotError(error), `not a DingbotError: ${String(error)}`);
  return error;
}

type Class = abstract new (...args: never[]) => DingbotError;

/**
 * DingTalk's answers (API.md §2 and §4), with the class, stable code, retryable flag and number of
 * attempts the transport must make (4 = the first plus the fast policy's 3 retries).
 */
const ANSWERS: {
  errcode: number;
  errmsg: string;
  cls: Class;
  parents: Class[];
  code: string;
  retryable: boolean;
  attempts: number;
}[] = [
  {
    errcode: -1,
    errmsg: '系统繁忙',
    cls: BusyError,
    parents: [DingTalkError],
    code: 'DINGTALK_BUSY',
    retryable: true,
    attempts: 4,
  },
  {
    errcode: 130101,
    errmsg: 'send too fast, exceed 20 times per minute',
    cls: RateLimitedError,
    parents: [DingTalkError],
    code: 'RATE_LIMITED',
    retryable: true,
    attempts: 1,
  },
  {
    errcode: 410100,
    errmsg: '发送速度太快而限流',
    cls: RateLimitedError,
    parents: [DingTalkError],
    code: 'RATE_LIMITED',
    retryable: true,
    attempts: 1,
  },
  {
    errcode: 300001,
    errmsg: 'token is not exist',
    cls: TokenError,
    parents: [DingTalkError],
    code: 'UNKNOWN_TOKEN',
    retryable: false,
    attempts: 1,
  },
  {
    errcode: 300005,
    errmsg: 'token is not exist',
    cls: TokenError,
    parents: [DingTalkError],
    code: 'UNKNOWN_TOKEN',
    retryable: false,
    attempts: 1,
  },
  {
    errcode: 400101,
    errmsg: 'access_token不存在',
    cls: TokenError,
    parents: [DingTalkError],
    code: 'UNKNOWN_TOKEN',
    retryable: false,
    attempts: 1,
  },
  {
    errcode: 40035,
    errmsg: '缺少参数 access_token',
    cls: TokenError,
    parents: [DingTalkError],
    code: 'MISSING_TOKEN',
    retryable: false,
    attempts: 1,
  },
  {
    errcode: 40035,
    errmsg: '缺少参数 json',
    cls: BadRequestError,
    parents: [DingTalkError],
    code: 'BAD_REQUEST',
    retryable: false,
    attempts: 1,
  },
  {
    errcode: 400403,
    errmsg: 'miss param : markdown->text',
    cls: BadRequestError,
    parents: [DingTalkError],
    code: 'BAD_REQUEST',
    retryable: false,
    attempts: 1,
  },
  {
    errcode: 400402,
    errmsg: '错误描述:参数 markdown --》 title 缺失;解决方案:请检查参数;',
    cls: BadRequestError,
    parents: [DingTalkError],
    code: 'BAD_REQUEST',
    retryable: false,
    attempts: 1,
  },
  {
    errcode: 43002,
    errmsg: '需要POST请求',
    cls: BadRequestError,
    parents: [DingTalkError],
    code: 'BAD_REQUEST',
    retryable: false,
    attempts: 1,
  },
  {
    errcode: 43004,
    errmsg: '无效的HTTP HEADER Content-Type',
    cls: BadRequestError,
    parents: [DingTalkError],
    code: 'BAD_REQUEST',
    retryable: false,
    attempts: 1,
  },
  {
    errcode: 310000,
    errmsg: 'keywords not in content',
    cls: KeywordError,
    parents: [SecurityError, DingTalkError],
    code: 'KEYWORD_MISSING',
    retryable: false,
    attempts: 1,
  },
  {
    errcode: 310000,
    errmsg:
      'description:关键词不匹配;solution:请联系群管理员查看此机器人的关键词，并在发送的信息中包含此关键词;',
    cls: KeywordError,
    parents: [SecurityError, DingTalkError],
    code: 'KEYWORD_MISSING',
    retryable: false,
    attempts: 1,
  },
  {
    errcode: 310000,
    errmsg: 'sign not match',
    cls: SignatureError,
    parents: [SecurityError, DingTalkError],
    code: 'SIGN_MISMATCH',
    retryable: false,
    attempts: 1,
  },
  {
    errcode: 310000,
    errmsg:
      'description:机器人发送签名不匹配;solution:请确认签名和生成签名的时间戳必须都放在调用的网址中，请确认机器人的密钥加密和填写正确;',
    cls: SignatureError,
    parents: [SecurityError, DingTalkError],
    code: 'SIGN_MISMATCH',
    retryable: false,
    attempts: 1,
  },
  {
    errcode: 310000,
    errmsg: 'invalid timestamp',
    cls: TimestampError,
    parents: [SecurityError, DingTalkError],
    code: 'INVALID_TIMESTAMP',
    retryable: false,
    attempts: 1,
  },
  {
    errcode: 310000,
    errmsg: 'ip 203.0.113.7 not in whitelist',
    cls: IpNotAllowedError,
    parents: [SecurityError, DingTalkError],
    code: 'IP_NOT_ALLOWED',
    retryable: false,
    attempts: 1,
  },
  {
    errcode: 310000,
    errmsg: 'description:ip 不在白名单中;solution:请联系对应群的管理员，设置机器人安全ip地址段',
    cls: IpNotAllowedError,
    parents: [SecurityError, DingTalkError],
    code: 'IP_NOT_ALLOWED',
    retryable: false,
    attempts: 1,
  },
  {
    errcode: 400013,
    errmsg: '群已被解散',
    cls: RobotUnavailableError,
    parents: [DingTalkError],
    code: 'GROUP_DISSOLVED',
    retryable: false,
    attempts: 1,
  },
  {
    errcode: 400102,
    errmsg: '机器人已停用',
    cls: RobotUnavailableError,
    parents: [DingTalkError],
    code: 'ROBOT_DISABLED',
    retryable: false,
    attempts: 1,
  },
  {
    errcode: 400106,
    errmsg: '机器人不存在',
    cls: RobotUnavailableError,
    parents: [DingTalkError],
    code: 'ROBOT_GONE',
    retryable: false,
    attempts: 1,
  },
  {
    errcode: 400105,
    errmsg: '不支持的消息类型',
    cls: UnsupportedMessageTypeError,
    parents: [DingTalkError],
    code: 'UNSUPPORTED_MSGTYPE',
    retryable: false,
    attempts: 1,
  },
  {
    errcode: 460101,
    errmsg: 'message too long, exceed 20000 bytes',
    cls: MessageTooLongError,
    parents: [],
    code: 'MESSAGE_TOO_LONG',
    retryable: false,
    attempts: 1,
  },
  ...['含有不安全的外链', '含有不合适的文本', '含有不合适的图片', '含有不合适的内容'].map((errmsg, i) => ({
    errcode: 430101 + i,
    errmsg,
    cls: ContentRejectedError,
    parents: [DingTalkError],
    code: 'CONTENT_REJECTED',
    retryable: false,
    attempts: 1,
  })),
  {
    errcode: 300001,
    errmsg: 'session 不存在',
    cls: SessionExpiredError,
    parents: [DingTalkError],
    code: 'SESSION_EXPIRED',
    retryable: false,
    attempts: 1,
  },
  {
    errcode: 999999,
    errmsg: 'something new',
    cls: UnknownDingTalkError,
    parents: [DingTalkError],
    code: 'DINGTALK_ERROR',
    retryable: false,
    attempts: 1,
  },
];

describe('every DingTalk answer, through a real server, becomes its own class', () => {
  for (const a of ANSWERS) {
    test(`${a.errcode} ${a.errmsg.slice(0, 40)} → ${a.cls.name} ${a.code}`, async () => {
      // HTTP 200 with a non-zero errcode is a failure: DingTalk reports refusals that way.
      const error = await sendAndCatch(dingtalk(a.errcode, a.errmsg));
      assert.ok(error instanceof a.cls, `${error.name} is not a ${a.cls.name}`);
      for (const parent of a.parents) assert.ok(error instanceof parent);
      assert.ok(error instanceof DingbotError);
      assert.ok(error instanceof Error);
      assert.equal(error.code, a.code);
      assert.equal(error.errcode, a.errcode);
      assert.equal(error.errmsg, a.errmsg);
      assert.equal(error.retryable, a.retryable);
      assert.equal(error.name, a.cls.name);
      assert.ok(error.hint.length > 20, 'a hint says what to do');
      assert.ok(error.message.includes(error.hint), 'the message carries the hint');
      assert.ok(error.message.includes(String(a.errcode)), 'the message names the errcode');
      assert.equal(server.requests.length, a.attempts, 'attempts made');
      assert.equal(error.request?.method, 'POST');
      assert.ok(error.request?.url.startsWith(`${server.url}/robot/send?access_token=[REDACTED]`));
      assert.ok(!error.request?.url.includes(TOKEN));
    });
  }
});

describe('hints', () => {
  test('sign mismatch points at the secret, double encoding and the clock', async () => {
    const error = await sendAndCatch(dingtalk(310000, 'sign not match'), { secret: SECRET });
    assert.match(error.hint, /secret/);
    assert.match(error.hint, /encod/i);
    assert.match(error.hint, /clock/);
  });

  test('invalid timestamp points at the clock', async () => {
    const error = await sendAndCatch(dingtalk(310000, 'invalid timestamp'), { secret: SECRET });
    assert.match(error.hint, /clock/);
    assert.match(error.hint, /1 hour/);
  });

  test('keyword missing names the configured keywords, in both wordings', async () => {
    for (const errmsg of [
      'keywords not in content',
      'description:关键词不匹配;solution:请联系群管理员查看此机器人的关键词，并在发送的信息中包含此关键词;',
    ]) {
      const error = await sendAndCatch(dingtalk(310000, errmsg), { keywords: ['告警', 'deploy'] });
      assert.ok(error instanceof KeywordError);
      assert.deepEqual(error.keywords, ['告警', 'deploy']);
      assert.ok(error.hint.includes('告警') && error.hint.includes('deploy'), error.hint);
    }
  });

  test('keyword missing without configured keywords tells to set `keywords`', async () => {
    const error = await sendAndCatch(dingtalk(310000, 'keywords not in content'));
    assert.match(error.hint, /`keywords`/);
  });

  test('IP not allowed prints the IP DingTalk saw (IPv4 and IPv6)', async () => {
    for (const ip of ['203.0.113.7', '2001:db8::1']) {
      const error = await sendAndCatch(dingtalk(310000, `ip ${ip} not in whitelist`));
      assert.ok(error instanceof IpNotAllowedError);
      assert.equal(error.ip, ip);
      assert.ok(error.message.includes(ip) && error.hint.includes(ip));
    }
  });

  test('IP not allowed in the newer wording (no IP given) invents none', () => {
    const error = classifyDingTalkError(
      310000,
      'description:ip 不在白名单中;solution:请联系对应群的管理员，设置机器人安全ip地址段',
    );
    assert.ok(error instanceof IpNotAllowedError);
    assert.equal(error.ip, undefined);
    assert.match(error.hint, /allow-list/);
  });

  test('an unknown token says to copy the webhook again', async () => {
    const error = await sendAndCatch(dingtalk(300005, 'token is not exist'));
    assert.match(error.hint, /webhook/);
  });

  test('a 460101 refusal names the body size', async () => {
    const error = await sendAndCatch(dingtalk(460101, 'message too long, exceed 20000 bytes'));
    assert.ok(error instanceof MessageTooLongError);
    assert.equal(error.limit, 20000);
    assert.equal(error.bytes, server.requests[0]!.rawBody.length);
  });
});

describe('answers that are not DingTalk’s, and no answer', () => {
  test('HTTP 5xx → HttpError, retryable, retried', async () => {
    server.fallback = { status: 502, body: '<html>Bad Gateway</html>' };
    const error = await sendAndCatch([]);
    assert.ok(error instanceof HttpError);
    assert.equal(error.code, 'HTTP_ERROR');
    assert.equal(error.status, 502);
    assert.equal(error.retryable, true);
    assert.equal(error.errcode, undefined);
    assert.equal(error.bodyStart, '<html>Bad Gateway</html>');
    assert.equal(server.requests.length, 4);
  });

  test('HTTP 404 → HttpError, not retried, hint at baseUrl/webhook', async () => {
    const error = await sendAndCatch({ status: 404, body: 'Not Found' });
    assert.ok(error instanceof HttpError);
    assert.equal(error.status, 404);
    assert.equal(error.retryable, false);
    assert.match(error.hint, /baseUrl|webhook/);
    assert.equal(server.requests.length, 1);
  });

  test('HTTP 200 whose body is not DingTalk JSON → HttpError, never success', async () => {
    for (const body of ['<html>captive portal</html>', '{"ok":true}', '[]', 'null', '{"errcode":"0"}']) {
      server.reset();
      const error = await sendAndCatch({ status: 200, body });
      assert.ok(error instanceof HttpError, body);
      assert.equal(error.status, 200);
      assert.equal(error.retryable, false);
      assert.match(error.hint, /not DingTalk JSON/);
    }
  });

  test('HTTP 500 carrying DingTalk JSON is still an HTTP error', async () => {
    const error = await sendAndCatch({ status: 500, body: { errcode: 0, errmsg: 'ok' } });
    assert.ok(error instanceof HttpError);
  });

  test('connection refused → RequestError (no response), retried', async () => {
    const port = await closedPort();
    const robot = new Robot({
      accessToken: TOKEN,
      baseUrl: `http://127.0.0.1:${port}`,
      retry: 'fast',
      ...DIRECT,
    });
    const error = await robot.text('x').catch((e: unknown) => e);
    assert.ok(error instanceof RequestError);
    assert.ok(!(error instanceof TimeoutError));
    assert.equal(error.code, 'REQUEST_FAILED');
    assert.equal(error.retryable, true);
    assert.match(error.message, /ECONNREFUSED/);
    assert.ok(!error.message.includes(TOKEN));
  });

  test('the socket closed without an answer → RequestError', async () => {
    server.fallback = { destroy: true };
    const error = await sendAndCatch([]);
    assert.ok(error instanceof RequestError);
    assert.equal(error.code, 'REQUEST_FAILED');
    assert.equal(server.requests.length, 4, 'retried');
  });

  test('no answer within timeoutMs → TimeoutError, a RequestError', async () => {
    // The answer would take an hour: getting an error at all shows the SDK gave up at the timeout.
    server.fallback = { delayMs: 3_600_000 };
    const error = await sendAndCatch([], { timeoutMs: 50, retry: 'none' });
    assert.ok(error instanceof TimeoutError);
    assert.ok(error instanceof RequestError);
    assert.equal(error.code, 'TIMEOUT');
    assert.equal(error.timeoutMs, 50);
    assert.equal(error.retryable, true);
  });

  test('a redirect is not followed, not retried, and explained', async () => {
    server.fallback = {
      status: 302,
      headers: { location: `${server.url}/elsewhere?access_token=${TOKEN}` },
      body: '',
    };
    const error = await sendAndCatch([]);
    assert.ok(error instanceof RequestError);
    assert.equal(error.code, 'REDIRECT');
    assert.equal(error.retryable, false);
    assert.match(error.hint, /baseUrl|webhook/);
    assert.equal(server.requests.length, 1);
    assert.ok(server.requests.every((r) => r.url.startsWith('/robot/send?')));
  });
});

describe('the hierarchy', () => {
  test('isDingbotError recognises errors of another copy of the package (the global brand)', () => {
    const foreign = Object.assign(new Error('from another copy'), {
      [Symbol.for('dingbot.error')]: true,
      code: 'RATE_LIMITED',
    });
    assert.equal(isDingbotError(foreign), true);
    assert.equal(
      isDingbotError({ [Symbol.for('dingbot.error')]: true, code: 'X' }),
      true,
      'a plain object from another realm',
    );
    assert.equal(isDingbotError(new Error('plain')), false);
    assert.equal(isDingbotError({ code: 'RATE_LIMITED' }), false);
    assert.equal(isDingbotError({ [Symbol('dingbot.error')]: true }), false);
    assert.equal(isDingbotError(null), false);
    assert.equal(isDingbotError('RATE_LIMITED'), false);
    assert.equal(isDingbotError(classifyDingTalkError(-1, '系统繁忙')), true);
  });

  test('client-side errors are DingbotErrors with their own codes', () => {
    assert.equal(new ValidationError('text.content', 'is empty', 'Give it some text.').code, 'VALIDATION');
    assert.equal(new OptionsError('secret', 'is empty', 'Copy it.').code, 'INVALID_OPTIONS');
    assert.equal(new MessageTooLongError(20001, 20000, 'link').code, 'MESSAGE_TOO_LONG');
    for (const e of [
      new ValidationError('a', 'b', 'c'),
      new OptionsError('a', 'b', 'c'),
      new MessageTooLongError(1, 2, 'text'),
    ]) {
      assert.ok(e instanceof DingbotError);
      assert.ok(!(e instanceof DingTalkError));
      assert.equal(e.retryable, false);
    }
  });

  test('classification does not depend on letter case or surrounding text', () => {
    assert.ok(classifyDingTalkError(310000, 'Sign Not Match') instanceof SignatureError);
    assert.ok(classifyDingTalkError(310000, 'Keywords not in content') instanceof KeywordError);
    assert.ok(classifyDingTalkError(310000, 'timestamp invalid') instanceof TimestampError);
    const other = classifyDingTalkError(310000, 'something else');
    assert.ok(other instanceof SecurityError);
    assert.equal(other.code, 'SECURITY_REJECTED');
  });

  test('toJSON carries what a program needs', () => {
    const error = classifyDingTalkError(130101, 'send too fast, exceed 20 times per minute');
    const json = JSON.parse(JSON.stringify(error)) as Record<string, unknown>;
    assert.equal(json.name, 'RateLimitedError');
    assert.equal(json.code, 'RATE_LIMITED');
    assert.equal(json.errcode, 130101);
    assert.equal(json.retryable, true);
    assert.equal(typeof json.hint, 'string');
    assert.equal(String(error), `RateLimitedError: ${error.message}`);
  });
});

describe('redaction', () => {
  const token = fc.string({
    unit: fc.constantFrom(...'0123456789abcdefABCDEF_-'),
    minLength: 16,
    maxLength: 64,
  });
  const secret = fc.oneof(
    fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 8, maxLength: 64 }),
    fc.string({ unit: 'binary', minLength: 8, maxLength: 30 }).filter((s) => !/\s/.test(s)),
  );
  // A server that answers in many ways, some echoing the whole request URL back.
  const answer = fc.constantFrom<(url: string) => Reply>(
    () => dingtalk(310000, 'sign not match'),
    () => dingtalk(310000, 'invalid timestamp'),
    () => dingtalk(130101, 'send too fast, exceed 20 times per minute'),
    () => dingtalk(400105, '不支持的消息类型'),
    (url) => dingtalk(300005, `token is not exist: ${url}`),
    (url) => dingtalk(310000, `ip 10.0.0.1 not in whitelist (${url})`),
    (url) => ({ status: 502, body: `<html>upstream failed for ${url}</html>` }),
    (url) => ({ status: 200, body: `proxy says: GET http://x${url}` }),
    () => ({ destroy: true }),
    (url) => ({ status: 302, headers: { location: `http://127.0.0.1:1${url}` }, body: '' }),
  );

  test('no token, secret, sign or timestamp in any text of any error', async () => {
    await fc.assert(
      fc.asyncProperty(token, secret, answer, async (t, s, makeAnswer) => {
        server.reset();
        server.fallback = (request) => makeAnswer(request.url);
        const robot = new Robot({
          accessToken: t,
          secret: `SEC${s}`,
          baseUrl: server.url,
          retry: 'none',
          ...DIRECT,
        });
        const error = await robot.text('hello').catch((e: unknown) => e);
        assert.ok(isDingbotError(error));
        const query = server.requests[0]!.query;
        const sign = query.get('sign')!;
        const timestamp = query.get('timestamp')!;
        assert.ok(sign && timestamp);
        const texts = [
          error.message,
          String(error),
          JSON.stringify(error),
          error.request?.url ?? '',
          inspect(error, { depth: Number.POSITIVE_INFINITY }),
        ];
        for (const text of texts) {
          for (const secretText of [t, `SEC${s}`, sign, encodeURIComponent(sign)]) {
            assert.ok(!text.includes(secretText), `${JSON.stringify(secretText)} leaked into ${text}`);
          }
        }
        assert.ok(!error.request!.url.includes(timestamp), 'timestamp redacted in the request');
        assert.match(
          error.request!.url,
          /access_token=\[REDACTED\]&timestamp=\[REDACTED\]&sign=\[REDACTED\]$/,
        );
      }),
      { numRuns: 120 },
    );
  });

  test('a low-level cause that carries the URL, even nested, is redacted', () => {
    const url = `https://oapi.dingtalk.com/robot/send?access_token=${TOKEN}&timestamp=1&sign=abc%2Bdef`;
    const nested = new Error('outer', { cause: new Error(`connect failed for ${url}`) });
    const error = new RequestError('Could not reach DingTalk', 'Check the network.', {
      cause: nested,
      request: { method: 'POST', url },
      secrets: [TOKEN, SECRET],
    });
    const shown = inspect(error, { depth: Number.POSITIVE_INFINITY });
    assert.ok(!shown.includes(TOKEN), shown);
    assert.ok(!shown.includes('abc%2Bdef'), shown);
    assert.match(shown, /connect failed for/, 'the cause is kept, redacted');
  });
});

test('a message refused by DingTalk never resolves send()', async () => {
  // The classic mistake of other libraries: HTTP 200 taken for success.
  server.reply(dingtalk(310000, 'keywords not in content'));
  const robot = new Robot({ accessToken: TOKEN, baseUrl: server.url, retry: 'none', ...DIRECT });
  await assert.rejects(robot.send(text('hello')), KeywordError);
});
