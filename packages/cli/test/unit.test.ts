import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { type DingbotErrorCode, ERROR_CODES } from '@dingbot/sdk';
import fc from 'fast-check';
import { formatDuration, parseDuration, parseRate } from '../src/duration.js';
import { EXIT, EXIT_CODE_OF_SDK_CODE, EXIT_CODE_TABLE, exitCodeForSdkCode } from '../src/exit-codes.js';
import { type CliIO, run } from '../src/index.js';
import { resolveLocale, withLocale } from '../src/locale.js';
import { messageUuid } from '../src/uuid.js';

/** An in-process terminal: collects what `run()` writes. */
function fakeIO(
  env: Record<string, string> = {},
  tty = true,
): CliIO & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (s: string) => (out += s), isTTY: tty },
    stderr: { write: (s: string) => (err += s), isTTY: tty },
    stdin: Readable.from([]),
    env,
    out: () => out,
    err: () => err,
  };
}

describe('durations and rates', () => {
  test('parse with units, refuse bare numbers, format for people', () => {
    assert.equal(parseDuration('500ms', '--x'), 500);
    assert.equal(parseDuration('30s', '--x'), 30_000);
    assert.equal(parseDuration('10m', '--x'), 600_000);
    assert.equal(parseDuration('1h30m', '--x'), 5_400_000);
    assert.equal(parseDuration('0', '--x'), 0);
    assert.throws(() => parseDuration('10', '--wait'), /--wait "10" is not a duration/);
    assert.throws(() => parseDuration('10m junk', '--wait'), /not a duration/);
    assert.deepEqual(parseRate('20/60s', '--r'), { limit: 20, windowMs: 60_000 });
    assert.deepEqual(parseRate('100/m', '--r'), { limit: 100, windowMs: 60_000 });
    assert.throws(() => parseRate('0/1s', '--r'), /not a rate/);
    assert.equal(formatDuration(598_000), '9m58s');
    assert.equal(formatDuration(42_000), '42s');
    assert.equal(formatDuration(3_900_000), '1h05m');
  });
});

describe('exit codes', () => {
  test('SDK error codes map to distinct exit codes, listed in the help table', () => {
    assert.equal(exitCodeForSdkCode('SIGN_MISMATCH'), EXIT.SECURITY);
    assert.equal(exitCodeForSdkCode('KEYWORD_MISSING'), EXIT.SECURITY);
    assert.equal(exitCodeForSdkCode('RATE_LIMITED'), EXIT.THROTTLED);
    assert.equal(exitCodeForSdkCode('UNKNOWN_TOKEN'), EXIT.ROBOT);
    assert.equal(exitCodeForSdkCode('ROBOT_GONE'), EXIT.ROBOT);
    assert.equal(exitCodeForSdkCode('TIMEOUT'), EXIT.NETWORK);
    assert.equal(exitCodeForSdkCode('VALIDATION'), EXIT.USAGE);
    assert.equal(exitCodeForSdkCode('INVALID_OPTIONS'), EXIT.CONFIG);
    assert.equal(exitCodeForSdkCode('CONTENT_REJECTED'), EXIT.FAILURE);
    assert.equal(exitCodeForSdkCode('REDIRECT'), EXIT.NETWORK);
    assert.equal(exitCodeForSdkCode('SOMETHING_NEWER'), EXIT.FAILURE);
    assert.deepEqual(
      EXIT_CODE_TABLE.map(([code]) => code),
      [0, 1, 2, 3, 4, 5, 6, 7],
    );
  });

  test('every error code of the SDK has an exit code, checked at compile time and at run time', () => {
    // A map missing one of the SDK's codes does not compile: this is how a new code cannot ship unmapped.
    const { REDIRECT: _dropped, ...withoutRedirect } = EXIT_CODE_OF_SDK_CODE;
    // @ts-expect-error REDIRECT is missing
    const incomplete: Record<DingbotErrorCode, number> = withoutRedirect;
    assert.ok(incomplete);
    const missing = Object.keys(ERROR_CODES).filter((code) => !Object.hasOwn(EXIT_CODE_OF_SDK_CODE, code));
    assert.deepEqual(missing, []);
    assert.equal(EXIT_CODE_OF_SDK_CODE.REDIRECT, EXIT.NETWORK);
  });
});

describe('run() in-process', () => {
  test('errors are red on a terminal, plain with NO_COLOR or when not a terminal', async () => {
    const tty = fakeIO();
    const noColor = fakeIO({ NO_COLOR: '1' });
    const piped = fakeIO({}, false);
    for (const io of [tty, noColor, piped]) assert.equal(await run(['send', 'text', 'x'], io), EXIT.CONFIG);
    assert.match(tty.err(), /\u001b\[31mdingbot:\u001b\[39m no robot configured/);
    assert.equal(noColor.err().includes('\u001b['), false);
    assert.equal(piped.err().includes('\u001b['), false);
    assert.match(piped.err(), /^dingbot: no robot configured\nhint: /);
  });

  test('"-" on a terminal says it reads from it (instead of seeming to hang)', async () => {
    const io = fakeIO({}, false);
    io.stdin = Object.assign(Readable.from(['typed text\n']), { isTTY: true });
    const code = await run(['send', 'text', '-', '--token', 'unit-token-0123456789', '--dry-run'], io);
    assert.equal(code, EXIT.OK);
    assert.match(io.err(), /^dingbot: reading <content> from the terminal; end it with Ctrl\+D\n$/);
    assert.match(io.out(), /"content": "typed text"/);
  });

  test('a secret given on the command line never reaches the output, even quoted in an error', async () => {
    const io = fakeIO({}, false);
    const secret = 'SECunit-secret-with spaces';
    const code = await run(
      ['send', 'text', 'x', '--token', 'unit-token-0123456789', '--secret', secret, '--json'],
      io,
    );
    assert.equal(code, EXIT.CONFIG);
    assert.equal(io.out().includes(secret), false);
    assert.equal(io.out().includes('unit-token-0123456789'), false);
    assert.equal(JSON.parse(io.out()).error.code, 'INVALID_OPTIONS');
  });

  test('--dry-run works in-process and reads stdin', async () => {
    const io = fakeIO({}, false);
    io.stdin = Readable.from(['from stdin\n']);
    const code = await run(
      ['send', 'markdown', '--title', 'T', '-', '--dry-run', '--json', '--token', 'unit-token-0123456789'],
      io,
    );
    assert.equal(code, EXIT.OK, io.err());
    const out = JSON.parse(io.out());
    assert.deepEqual(out.body, { msgtype: 'markdown', markdown: { title: 'T', text: 'from stdin' } });
    assert.equal(out.url, 'https://oapi.dingtalk.com/robot/send?access_token=[REDACTED]');
  });
});

describe('--locale and DINGBOT_LOCALE', () => {
  test('reach the Robot as its `locale` option; a wrong value is refused naming where it came from (exit 3)', async () => {
    assert.equal(resolveLocale('zh-CN', {}), 'zh-CN');
    assert.equal(resolveLocale(undefined, { DINGBOT_LOCALE: 'en' }), 'en');
    assert.equal(resolveLocale('en', { DINGBOT_LOCALE: 'zh-CN' }), 'en', 'the flag wins');
    assert.equal(resolveLocale(undefined, {}), undefined);
    assert.deepEqual(withLocale({ accessToken: 't' }, 'zh-CN'), { accessToken: 't', locale: 'zh-CN' });
    assert.deepEqual(withLocale({ accessToken: 't' }, undefined), { accessToken: 't' });
    const flag = fakeIO({}, false);
    const variable = fakeIO({ DINGBOT_LOCALE: 'zh_cn' }, false);
    const ok = fakeIO({ DINGBOT_LOCALE: 'zh-CN' }, false);
    const args = ['send', 'text', 'x', '--token', 'unit-token-0123456789', '--dry-run'];
    assert.equal(await run([...args, '--locale', 'chinese'], flag), EXIT.CONFIG);
    assert.equal(await run(args, variable), EXIT.CONFIG);
    assert.equal(await run(args, ok), EXIT.OK, ok.err());
    assert.match(
      flag.err(),
      /^dingbot: --locale "chinese" is not a locale dingbot knows\nhint: Use zh-CN or en\./,
    );
    assert.match(
      variable.err(),
      /^dingbot: DINGBOT_LOCALE "zh_cn" is not a locale dingbot knows\nhint: Did you mean zh-CN\?/,
    );
  });
});

describe('messageUuid', () => {
  test('is a version-4, variant-10 UUID, from all 32 bits of each draw', () => {
    const v4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), {
          minLength: 4,
          maxLength: 4,
        }),
        (draws) => {
          let i = 0;
          assert.match(
            messageUuid(() => draws[i++]!),
            v4,
          );
        },
      ),
    );
    assert.equal(
      messageUuid(() => 0),
      '00000000-0000-4000-8000-000000000000',
    );
    assert.equal(
      messageUuid(() => 0.999_999_999_999),
      'ffffffff-ffff-4fff-bfff-ffffffffffff',
    );
  });

  test('never repeats across many messages', () => {
    const seen = new Set(Array.from({ length: 20_000 }, () => messageUuid()));
    assert.equal(seen.size, 20_000);
  });
});
