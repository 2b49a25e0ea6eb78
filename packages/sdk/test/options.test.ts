import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { inspect } from 'node:util';
import {
  closest,
  didYouMean,
  isDingbotError,
  OptionsError,
  RETRY_POLICIES,
  Robot,
  type RobotOptions,
} from '../src/index.js';
import { resolveRetry } from '../src/robot/options.js';

const TOKEN = '6a1c'.repeat(16);
const WEBHOOK = `https://oapi.dingtalk.com/robot/send?access_token=${TOKEN}`;
const SECRET = `SEC${'9f8e'.repeat(16)}`;

/** Builds a Robot and returns the OptionsError it threw. */
function refused(options: unknown): OptionsError {
  try {
    new Robot(options as RobotOptions);
  } catch (error) {
    assert.ok(error instanceof OptionsError, String(error));
    assert.ok(isDingbotError(error));
    assert.equal(error.code, 'INVALID_OPTIONS');
    assert.equal(error.retryable, false);
    assert.ok(error.message.startsWith('dingbot: option `'), 'names the package and the option');
    assert.ok(error.message.includes(error.hint), 'and says how to fix it');
    return error;
  }
  assert.fail(`new Robot(${inspect(options)}) did not throw`);
}

/** Every way the error can be shown. */
function everyText(error: Error): string {
  return [error.message, String(error), JSON.stringify(error), inspect(error, { depth: 10 })].join('\n');
}

describe('the target', () => {
  test('missing options', () => {
    assert.equal(refused(undefined).option, 'options');
    assert.equal(refused(null).option, 'options');
  });

  test('neither webhook nor accessToken', () => {
    const error = refused({ secret: SECRET });
    assert.equal(error.option, 'webhook');
    assert.match(error.message, /is missing/);
    assert.match(error.hint, /accessToken/);
  });

  test('both webhook and accessToken', () => {
    const error = refused({ webhook: WEBHOOK, accessToken: TOKEN });
    assert.match(error.message, /both set/);
    assert.ok(!everyText(error).includes(TOKEN));
  });

  test('a webhook that is not a URL, not http(s), or has no token', () => {
    assert.match(refused({ webhook: 'oapi.dingtalk.com/robot/send' }).message, /is not a URL/);
    assert.match(
      refused({ webhook: `ftp://oapi.dingtalk.com/robot/send?access_token=${TOKEN}` }).message,
      /ftp:/,
    );
    const error = refused({ webhook: 'https://oapi.dingtalk.com/robot/send' });
    assert.match(error.message, /has no access_token/);
    assert.match(error.hint, /access_token=/);
  });

  test('a token with white space in it (a bad copy)', () => {
    const error = refused({ accessToken: `${TOKEN.slice(0, 20)}\n${TOKEN.slice(20)}` });
    assert.equal(error.option, 'accessToken');
    assert.match(error.message, /white space/);
    assert.match(
      refused({ webhook: `${WEBHOOK.slice(0, 70)}%20${WEBHOOK.slice(70)}` }).message,
      /white space/,
    );
  });

  test('the whole webhook URL pasted as accessToken is detected, explained, and the token not shown', () => {
    for (const pasted of [
      WEBHOOK,
      `oapi.dingtalk.com/robot/send?access_token=${TOKEN}`,
      `access_token=${TOKEN}`,
    ]) {
      const error = refused({ accessToken: pasted });
      assert.equal(error.option, 'accessToken');
      assert.match(error.message, /looks like a whole webhook URL/);
      assert.match(error.hint, /`webhook`/);
      assert.match(error.hint, /token is not exist/);
      const shown = everyText(error);
      assert.ok(!shown.includes(TOKEN), shown);
    }
  });

  test('an empty accessToken, or not a string', () => {
    assert.match(refused({ accessToken: '' }).message, /is empty/);
    assert.match(refused({ accessToken: 42 }).message, /is a number, not a string/);
  });

  test('a baseUrl that is not an http(s) URL', () => {
    assert.equal(refused({ accessToken: TOKEN, baseUrl: 'localhost:8080' }).option, 'baseUrl');
    assert.equal(refused({ accessToken: TOKEN, baseUrl: 'not a url' }).option, 'baseUrl');
    assert.match(refused({ accessToken: TOKEN, baseUrl: 'file:///tmp' }).message, /file:/);
    // the send path or a query pasted into baseUrl would be doubled: .../robot/send/robot/send
    const withPath = refused({ accessToken: TOKEN, baseUrl: 'http://127.0.0.1:8080/robot/send' });
    assert.equal(withPath.option, 'baseUrl');
    assert.match(withPath.message, /webhook/);
    assert.equal(
      refused({ accessToken: TOKEN, baseUrl: 'http://127.0.0.1:8080/?access_token=x' }).option,
      'baseUrl',
    );
  });

  test('valid targets; the url shown is redacted', () => {
    const fromWebhook = new Robot({ webhook: WEBHOOK });
    assert.equal(fromWebhook.url, 'https://oapi.dingtalk.com/robot/send?access_token=[REDACTED]');
    const fromToken = new Robot({ accessToken: TOKEN, baseUrl: 'http://127.0.0.1:8080/' });
    assert.equal(fromToken.url, 'http://127.0.0.1:8080/robot/send?access_token=[REDACTED]');
    assert.equal(new Robot({ accessToken: TOKEN }).url, fromWebhook.url, 'the default host is DingTalk’s');
    assert.ok(!inspect(fromWebhook, { depth: 10 }).includes(TOKEN), 'inspecting a robot shows no token');
  });
});

describe('the secret', () => {
  test('not a string', () => {
    const error = refused({ webhook: WEBHOOK, secret: 12345 });
    assert.equal(error.option, 'secret');
    assert.match(error.message, /not a string/);
  });

  test('empty', () => {
    assert.match(refused({ webhook: WEBHOOK, secret: '  ' }).message, /is empty/);
  });

  test('not starting with SEC (the token pasted instead, say) — and not shown', () => {
    const error = refused({ webhook: WEBHOOK, secret: TOKEN });
    assert.match(error.message, /does not start with "SEC"/);
    assert.match(error.hint, /加签/);
    assert.ok(!everyText(error).includes(TOKEN));
  });

  test('with white space — and not shown', () => {
    const secret = `${SECRET} `;
    const error = refused({ webhook: WEBHOOK, secret });
    assert.match(error.message, /white space/);
    assert.ok(!everyText(error).includes(SECRET));
  });
});

describe('keywords, mentions, timeouts, retry, fetch', () => {
  test('keywords must be a list of non-empty strings, at most 10', () => {
    assert.equal(refused({ webhook: WEBHOOK, keywords: 'alert' }).option, 'keywords');
    assert.equal(refused({ webhook: WEBHOOK, keywords: ['alert', ''] }).option, 'keywords');
    assert.equal(refused({ webhook: WEBHOOK, keywords: [' '] }).option, 'keywords');
    assert.equal(refused({ webhook: WEBHOOK, keywords: [1] }).option, 'keywords');
    const many = refused({ webhook: WEBHOOK, keywords: Array.from({ length: 11 }, (_, i) => `k${i}`) });
    assert.match(many.message, /11 entries/);
    assert.match(many.hint, /at most 10/);
    new Robot({ webhook: WEBHOOK, keywords: Array.from({ length: 10 }, (_, i) => `k${i}`) });
  });

  test('keywordPlacement is start or end', () => {
    const error = refused({ webhook: WEBHOOK, keywords: ['a'], keywordPlacement: 'middle' });
    assert.equal(error.option, 'keywordPlacement');
    assert.match(error.hint, /'start' or 'end'/);
  });

  test('insertMentions is a boolean', () => {
    assert.equal(refused({ webhook: WEBHOOK, insertMentions: 'no' }).option, 'insertMentions');
  });

  test('timeoutMs is a positive finite number', () => {
    for (const timeoutMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '100']) {
      const error = refused({ webhook: WEBHOOK, timeoutMs });
      assert.equal(error.option, 'timeoutMs');
      assert.match(error.hint, /positive number of milliseconds/);
    }
  });

  test('retry names a policy or is a complete, sane object', () => {
    const unknown = refused({ webhook: WEBHOOK, retry: 'aggressive' });
    assert.equal(unknown.option, 'retry');
    assert.match(unknown.hint, /'default', 'fast', 'none'/);
    assert.equal(refused({ webhook: WEBHOOK, retry: 'toString' }).option, 'retry');
    assert.equal(refused({ webhook: WEBHOOK, retry: null }).option, 'retry');
    assert.equal(refused({ webhook: WEBHOOK, retry: -1 }).option, 'retry');
    assert.equal(refused({ webhook: WEBHOOK, retry: 1.5 }).option, 'retry');
    assert.equal(refused({ webhook: WEBHOOK, retry: true }).option, 'retry');
    const policy = { retries: 2, minDelayMs: 10, maxDelayMs: 100, factor: 2 };
    assert.equal(refused({ webhook: WEBHOOK, retry: { ...policy, retries: -1 } }).option, 'retry.retries');
    assert.equal(refused({ webhook: WEBHOOK, retry: { ...policy, retries: 1.5 } }).option, 'retry.retries');
    assert.equal(
      refused({ webhook: WEBHOOK, retry: { ...policy, minDelayMs: Number.NaN } }).option,
      'retry.minDelayMs',
    );
    assert.equal(refused({ webhook: WEBHOOK, retry: { ...policy, factor: -2 } }).option, 'retry.factor');
    assert.equal(refused({ webhook: WEBHOOK, retry: { ...policy, jitter: 'yes' } }).option, 'retry.jitter');
    for (const retry of ['default', 'fast', 'none', policy] as const) new Robot({ webhook: WEBHOOK, retry });
  });

  test('fetch is a function', () => {
    assert.equal(refused({ webhook: WEBHOOK, fetch: 'undici' }).option, 'fetch');
  });
});

describe('every option is checked, in the constructor', () => {
  test('a misspelt option is refused with the name meant', () => {
    const secert = refused({ webhook: WEBHOOK, secert: SECRET });
    assert.equal(secert.option, 'secert');
    assert.match(secert.message, /`secert` is not an option/);
    assert.equal(secert.hint, 'Did you mean `secret`?');
    assert.ok(!everyText(secert).includes(SECRET));
    assert.equal(refused({ webhook: WEBHOOK, timeout: 5000 }).hint, 'Did you mean `timeoutMs`?');
    assert.equal(refused({ webhook: WEBHOOK, token: TOKEN }).hint, 'Did you mean `accessToken`?');
    assert.equal(refused({ webhook: WEBHOOK, keyword: ['a'] }).hint, 'Did you mean `keywords`?');
    assert.equal(refused({ webhook: WEBHOOK, ratelimit: false }).hint, 'Did you mean `rateLimit`?');
    assert.match(refused({ webhook: WEBHOOK, zzzzzz: 1 }).hint, /^Use one of `webhook`, /);
  });

  test('every delivery option, with the values it takes', () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ penalty: 'explode' }, 'penalty', /Use 'wait' \(the default\) or 'fail'/],
      [{ split: { maxBytes: 100 } }, 'split.maxBytes', /from 1024 to 20000/],
      [{ split: { maxBytes: 30_000 } }, 'split.maxBytes', /from 1024 to 20000/],
      [{ split: { reserveBytes: 15_000 } }, 'split.reserveBytes', /from 0 to half/],
      [{ split: { maxbytes: 4000 } }, 'split.maxbytes', /Did you mean `maxBytes`\?/],
      [{ split: 'yes' }, 'split', /true \(the default\), false/],
      [{ digest: { maxItems: 1 } }, 'digest.maxItems', /2 or more/],
      [{ digest: { title: 'alerts' } }, 'digest.title', /function/],
      [{ digest: { build: 'summary' } }, 'digest.build', /Give a function \(messages, /],
      [{ digest: { builder: () => undefined } }, 'digest.builder', /Did you mean `build`\?/],
      [{ digest: { maxBytes: 10 } }, 'digest.maxBytes', /from 1024/],
      [{ digest: 1 }, 'digest', /true \(the default\), false/],
      [{ rateLimit: { limit: 0, windowMs: 1000 } }, 'rateLimit.limit', /at least 1/],
      [{ rateLimit: { limit: 20, window: 1000 } }, 'rateLimit.window', /Did you mean `windowMs`\?/],
      [{ rateLimit: true }, 'rateLimit', /or false/],
      [{ penaltyMs: -1 }, 'penaltyMs', /0 or more/],
      [{ maxQueue: 0 }, 'maxQueue', /at least 1/],
      [{ maxQueue: 2.5 }, 'maxQueue', /whole number/],
      [{ overflow: 'drop' }, 'overflow', /Use 'digest' \(the default\) or 'reject'/],
      [{ store: {} }, 'store', /acquire\(\)/],
      [{ store: 'redis' }, 'store', /LimiterStore/],
      [{ keepAlive: 'no' }, 'keepAlive', /true or false/],
      [{ locale: 'zh' }, 'locale', /Use 'en' \(the default\) or 'zh-CN'/],
      [{ keywordPlacement: 'middle' }, 'keywordPlacement', /'start' or 'end' \(the default\)/],
      [{ insertMentions: 'yes' }, 'insertMentions', /true or false/],
      [{ userAgent: '' }, 'userAgent', /non-empty/],
      [{ now: 5 }, 'now', /function/],
    ];
    for (const [options, option, hint] of cases) {
      const error = refused({ webhook: WEBHOOK, ...options });
      assert.equal(error.option, option, JSON.stringify(options));
      assert.match(error.message, hint);
      assert.equal(error.summary.subject, option);
    }
  });

  test('natural spellings of retry', () => {
    for (const retry of [
      false,
      0,
      3,
      { retries: 5 },
      { maxDelayMs: 1000 },
      'none',
      'fast',
      undefined,
    ] as const) {
      assert.ok(new Robot({ webhook: WEBHOOK, retry }));
    }
    assert.equal(refused({ webhook: WEBHOOK, retry: { retires: 5 } }).hint, 'Did you mean `retries`?');
    assert.deepEqual(resolveRetry(3), { ...RETRY_POLICIES.default, retries: 3 });
    assert.deepEqual(resolveRetry({ retries: 5 }), { ...RETRY_POLICIES.default, retries: 5 });
    assert.deepEqual(resolveRetry({ retries: 5, factor: undefined }), {
      ...RETRY_POLICIES.default,
      retries: 5,
    });
    assert.deepEqual(resolveRetry(false), RETRY_POLICIES.none);
    assert.deepEqual(resolveRetry(0), RETRY_POLICIES.none);
    assert.deepEqual(resolveRetry(undefined), RETRY_POLICIES.default);
  });

  test('the near-name helper the CLI shares', () => {
    assert.equal(closest('secert', ['webhook', 'secret']), 'secret');
    assert.equal(closest('time', ['timeoutMs']), 'timeoutMs', 'a prefix of 3 or more');
    assert.equal(closest('ti', ['timeoutMs']), undefined);
    assert.equal(closest('KEYWORDS', ['keywords']), 'keywords', 'case is ignored');
    assert.equal(closest('token', ['accessToken'], { token: 'accessToken' }), 'accessToken');
    assert.equal(closest('zzzz', ['webhook']), undefined);
    assert.equal(didYouMean('zzzz', ['a', 'b']), 'Use one of `a`, `b`.');
  });

  test('a SEC… secret given as the access token is refused with a hint', () => {
    const asToken = refused({ accessToken: SECRET });
    assert.equal(asToken.option, 'accessToken');
    assert.match(asToken.message, /signing secret, not the access token/);
    assert.match(asToken.hint, /as `secret`/);
    assert.ok(!everyText(asToken).includes(SECRET));
    const inWebhook = refused({ webhook: `https://oapi.dingtalk.com/robot/send?access_token=${SECRET}` });
    assert.equal(inWebhook.option, 'webhook');
    assert.ok(!everyText(inWebhook).includes(SECRET));
  });
});
