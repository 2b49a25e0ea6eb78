import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { shouldRetry } from '../src/core/retry.js';
import { classifyDingTalkError } from '../src/errors/dingtalk.js';
import {
  AbortedError,
  BadRequestError,
  BusyError,
  ContentRejectedError,
  type DingbotError,
  type DingbotErrorCode,
  ERROR_CODES,
  errorTraits,
  HttpError,
  IpNotAllowedError,
  isDingbotErrorCode,
  KeywordError,
  MessageTooLongError,
  OptionsError,
  QueueFullError,
  RateLimitedError,
  RequestError,
  RobotClosedError,
  RobotUnavailableError,
  SecurityError,
  SessionExpiredError,
  SignatureError,
  TimeoutError,
  TimestampError,
  TokenError,
  UnknownDingTalkError,
  UnsupportedMessageTypeError,
  ValidationError,
} from '../src/index.js';

const init = { errcode: 1, errmsg: 'x' };

/** One instance of every error dingbot throws, each code at least once. */
const SAMPLES: readonly DingbotError[] = [
  new ValidationError('text.content', 'is missing', 'Give it.'),
  new OptionsError('secret', 'is empty', 'Copy it.'),
  new MessageTooLongError(30_000, 20_000, 'link'),
  new UnsupportedMessageTypeError(init),
  new ContentRejectedError(init),
  new BadRequestError(init),
  new QueueFullError(10),
  new RobotClosedError(),
  new AbortedError(),
  new RateLimitedError(init),
  new BusyError(init),
  new UnknownDingTalkError(init),
  new SignatureError(init),
  new TimestampError(init),
  new KeywordError([], init),
  new IpNotAllowedError('1.2.3.4', init),
  new SecurityError('SECURITY_REJECTED', 'Refused', 'Check.', false, init),
  new TokenError(true, init),
  new TokenError(false, init),
  new SessionExpiredError(init),
  new RobotUnavailableError('disabled', init),
  new RobotUnavailableError('dissolved', init),
  new RobotUnavailableError('gone', init),
  new RequestError('Could not reach DingTalk', 'Check the network.', {}),
  new TimeoutError(1000, {}),
  new RequestError('A redirect', 'Check the URL.', {}, 'REDIRECT', false),
  new HttpError(502, 'bad gateway', {}),
  new HttpError(404, 'not found', {}),
];

describe('the error-code table', () => {
  test('a map over every code is checked at compile time', () => {
    const blame = {
      VALIDATION: 1,
      INVALID_OPTIONS: 1,
      MESSAGE_TOO_LONG: 1,
      UNSUPPORTED_MSGTYPE: 1,
      CONTENT_REJECTED: 1,
      BAD_REQUEST: 1,
      QUEUE_FULL: 1,
      ROBOT_CLOSED: 1,
      ABORTED: 1,
      RATE_LIMITED: 1,
      DINGTALK_BUSY: 1,
      DINGTALK_ERROR: 1,
      SIGN_MISMATCH: 1,
      INVALID_TIMESTAMP: 1,
      KEYWORD_MISSING: 1,
      IP_NOT_ALLOWED: 1,
      SECURITY_REJECTED: 1,
      MISSING_TOKEN: 1,
      UNKNOWN_TOKEN: 1,
      SESSION_EXPIRED: 1,
      ROBOT_DISABLED: 1,
      GROUP_DISSOLVED: 1,
      ROBOT_GONE: 1,
      REQUEST_FAILED: 1,
      TIMEOUT: 1,
      REDIRECT: 1,
      HTTP_ERROR: 1,
    } satisfies Record<DingbotErrorCode, number>;
    // A map that forgets a code does not compile: this is how the CLI's exit codes stay complete.
    const { REDIRECT: _forgotten, ...rest } = blame;
    // @ts-expect-error REDIRECT is missing
    const incomplete = rest satisfies Record<DingbotErrorCode, number>;
    // @ts-expect-error not a code
    const unknown: DingbotErrorCode = 'REDIRECTED';
    assert.deepEqual(Object.keys(blame).sort(), Object.keys(ERROR_CODES).sort());
    assert.ok(incomplete);
    assert.equal(isDingbotErrorCode(unknown), false);
  });

  test('every error dingbot makes carries a code of the table, and its retryable trait', () => {
    const seen = new Set<string>();
    for (const error of SAMPLES) {
      assert.ok(isDingbotErrorCode(error.code), error.code);
      seen.add(error.code);
      const trait = errorTraits(error.code).retryable;
      if (trait !== 'status') assert.equal(error.retryable, trait, error.code);
    }
    assert.deepEqual([...seen].sort(), Object.keys(ERROR_CODES).sort(), 'the samples cover every code');
  });

  test('the classifier only makes codes of the table', () => {
    for (const errcode of [
      130101, 410100, 310000, 40035, 300001, 300005, 400101, 400102, 400013, 400106, 400105, 460101, -1,
      43002, 430102, 999,
    ]) {
      for (const errmsg of [
        '',
        'sign not match',
        'keywords not in content',
        'invalid timestamp',
        'ip 1.2.3.4 not in whitelist',
        'session 不存在',
        'token is not exist',
      ]) {
        assert.ok(isDingbotErrorCode(classifyDingTalkError(errcode, errmsg).code));
      }
    }
  });

  test('the transport retries exactly what the table says', () => {
    for (const error of SAMPLES) {
      const traits = errorTraits(error.code);
      assert.equal(shouldRetry(error), traits.transportRetries && error.retryable, error.code);
    }
    assert.equal(shouldRetry(new HttpError(502, '', {})), true);
    assert.equal(shouldRetry(new HttpError(404, '', {})), false);
    assert.equal(shouldRetry(new RequestError('r', 'h', {}, 'REDIRECT', false)), false);
    assert.equal(shouldRetry(new Error('not ours')), false);
  });

  test('the READMEs (the SDK one, the root one and its Chinese twin) list every code', () => {
    for (const readme of ['../README.md', '../../../README.md', '../../../README.zh-CN.md']) {
      const text = readFileSync(new URL(readme, import.meta.url), 'utf8');
      const missing = Object.keys(ERROR_CODES).filter((code) => !text.includes(`\`${code}\``));
      assert.deepEqual(missing, [], readme);
    }
  });

  test('traits the engine and the pool derive from', () => {
    assert.equal(errorTraits('RATE_LIMITED').pausesRobot, true);
    assert.deepEqual(
      Object.entries(ERROR_CODES)
        .filter(([, t]) => t.aboutContent)
        .map(([code]) => code)
        .sort(),
      ['BAD_REQUEST', 'CONTENT_REJECTED', 'MESSAGE_TOO_LONG', 'UNSUPPORTED_MSGTYPE', 'VALIDATION'],
    );
    for (const code of ['VALIDATION', 'MESSAGE_TOO_LONG', 'INVALID_OPTIONS', 'ABORTED'] as const) {
      assert.equal(errorTraits(code).failsOver, false, code);
    }
    for (const code of [
      'SIGN_MISMATCH',
      'UNKNOWN_TOKEN',
      'RATE_LIMITED',
      'REQUEST_FAILED',
      'REDIRECT',
    ] as const) {
      assert.equal(errorTraits(code).failsOver, true, code);
    }
  });
});

describe('the structured summary', () => {
  test('is the message without the hint, with DingTalk`s answer', () => {
    for (const error of SAMPLES) {
      assert.equal(
        error.message,
        `${error.code === 'INVALID_OPTIONS' ? 'dingbot: ' : ''}${error.summary.text}. ${error.hint}`,
      );
      assert.ok(!error.summary.text.endsWith('.'), error.summary.text);
    }
    const refused = classifyDingTalkError(310000, 'sign not match');
    assert.equal(refused.summary.text, 'DingTalk refused the signature (errcode 310000: sign not match)');
    assert.equal(refused.summary.subject, undefined);
  });

  test('names the option or the field and the problem apart', () => {
    const option = new OptionsError('secret', 'is empty', 'Copy it.');
    assert.deepEqual(option.summary, {
      text: 'option `secret` is empty',
      subject: 'secret',
      problem: 'is empty',
    });
    const field = new ValidationError('at.atMobiles', 'is not an array', 'Give a list.');
    assert.equal(field.summary.subject, 'at.atMobiles');
    assert.equal(field.summary.problem, 'is not an array');
    assert.deepEqual(JSON.parse(JSON.stringify(field)).summary, field.summary);
  });

  test('never holds a secret', () => {
    const secret = `SEC${'ab12'.repeat(16)}`;
    const error = new OptionsError('secret', `is ${secret}`, `Not ${secret}.`, [secret]);
    assert.ok(!JSON.stringify(error.summary).includes(secret));
    assert.ok(!error.message.includes(secret));
  });
});
