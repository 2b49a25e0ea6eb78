import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { type EmulatorHandle, startEmulator } from '@dingbot/emulator';
import { EXIT } from '../src/exit-codes.js';
import {
  assertExit,
  assertNoSecrets,
  type CliResult,
  type Collected,
  cli,
  collector,
  json,
  spawnCli,
  tempHome,
  until,
} from './helpers.js';

const T = {
  ok: 'exit-ok-token-5d41402abc4b2a76',
  keyed: 'exit-keyed-token-8277e0910d750195',
  signed: 'exit-signed-token-b5d8c6bf2a1c3d90',
  ip: 'exit-ip-token-1f0e3dad99908345',
  disabled: 'exit-disabled-token-a87ff679a2f3e71d',
  dissolved: 'exit-dissolved-token-e4da3b7fbbce2345',
  gone: 'exit-gone-token-1679091c5a880faf',
  hot: 'exit-hot-token-8f14e45fceea167a',
  warm: 'exit-warm-token-c9f0f895fb98ab91',
  unknown: 'exit-unknown-token-45c48cce2e2d7fbd',
};
const SECRET = 'SECexit-secret-d3d9446802a44259';
const WRONG_SECRET = 'SECexit-wrong-secret-6512bd43d9caa6e0';
const ALL_SECRETS = [...Object.values(T), SECRET, WRONG_SECRET];

let emulator: EmulatorHandle;
const servers: Server[] = [];
const { home, cleanup } = tempHome();

/**
 * A server that answers every request with `body`, or never answers when `body` is undefined; with
 * `redirect`, it answers that status and a Location instead.
 */
async function fakeDingTalk(body: string | undefined, redirect?: number): Promise<string> {
  const server = createServer((req, res) => {
    req.resume();
    if (redirect !== undefined) {
      res.writeHead(redirect, { location: 'https://oapi.dingtalk.com/robot/send' });
      res.end();
    } else if (body !== undefined) res.end(body);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

before(async () => {
  emulator = await startEmulator({
    robots: [
      { token: T.ok, name: 'ok' },
      { token: T.keyed, name: 'keyed', keywords: ['needle'] },
      { token: T.signed, name: 'signed', secret: SECRET },
      { token: T.ip, name: 'ip', ipAllowList: ['10.0.0.1'] },
      { token: T.disabled, name: 'disabled', state: 'disabled' },
      { token: T.dissolved, name: 'dissolved', state: 'dissolved' },
      { token: T.gone, name: 'gone', state: 'gone' },
      { token: T.hot, name: 'hot' },
      { token: T.warm, name: 'warm' },
    ],
    rateLimit: { limit: 1000, windowMs: 60_000 },
  });
});
after(async () => {
  await emulator.close();
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
  cleanup();
});

function send(
  token: string,
  extra: string[] = [],
  env: Record<string, string> = {},
  stderr?: Collected,
): Promise<CliResult> {
  return cli(
    [
      'send',
      'text',
      'exit code check',
      '--token',
      token,
      '--base-url',
      emulator.url,
      '--retries',
      '0',
      ...extra,
    ],
    { home, env, ...(stderr ? { stderr } : {}) },
  );
}

function expect(result: CliResult, code: number, errorCode?: string): void {
  assertExit(result, code);
  assertNoSecrets(result, ALL_SECRETS);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  if (errorCode !== undefined) assert.equal(json(result).error.code, errorCode);
}

describe('exit codes a script can branch on', () => {
  test('0 delivered; 2 usage and invalid messages; 3 configuration', async () => {
    const [ok, unknownOption, missing, badType, invalid, tooLong, noRobot, badWebhook, badSecret] =
      await Promise.all([
        send(T.ok),
        cli(['send', 'text', 'x', '--bogus'], { home }),
        cli(['send', 'text', '--token', T.ok], { home }),
        cli(['send', 'image', 'x', '--token', T.ok], { home }),
        cli(
          ['send', 'link', '--title', 't', '--text', 'x', '--url', 'not a url', '--token', T.ok, '--json'],
          { home },
        ),
        cli(
          [
            'send',
            'link',
            '--title',
            't',
            '--text',
            'x'.repeat(25_000),
            '--url',
            'https://example.com',
            '--token',
            T.ok,
            '--base-url',
            emulator.url,
            '--json',
          ],
          { home },
        ),
        cli(['send', 'text', 'hello', '--json'], { home }),
        cli(['send', 'text', 'hello', '--webhook', 'not-a-url', '--json'], { home }),
        cli(['send', 'text', 'hello', '--token', T.ok, '--secret', 'abc-not-sec-1234', '--json'], { home }),
      ]);
    expect(ok, EXIT.OK);
    expect(unknownOption, EXIT.USAGE);
    assert.match(unknownOption.stderr, /unknown option --bogus/);
    assert.match(unknownOption.stderr, /dingbot send --help/);
    expect(missing, EXIT.USAGE);
    assert.match(missing.stderr, /missing <content>/);
    expect(badType, EXIT.USAGE);
    expect(invalid, EXIT.USAGE, 'VALIDATION');
    assert.match(json(invalid).error.message, /link\.messageUrl/);
    expect(tooLong, EXIT.USAGE, 'MESSAGE_TOO_LONG');
    expect(noRobot, EXIT.CONFIG, 'CONFIG');
    assert.match(json(noRobot).error.hint, /--webhook/);
    expect(badWebhook, EXIT.CONFIG, 'INVALID_OPTIONS');
    expect(badSecret, EXIT.CONFIG, 'INVALID_OPTIONS');
  });

  test('4 security refusals: sign, keyword, IP allow-list', async () => {
    const [wrongSign, noSign, keyword, ip, human] = await Promise.all([
      send(T.signed, ['--secret', WRONG_SECRET, '--json']),
      send(T.signed, ['--json']),
      send(T.keyed, ['--json']),
      send(T.ip, ['--json']),
      send(T.signed, ['--secret', WRONG_SECRET]),
    ]);
    expect(wrongSign, EXIT.SECURITY, 'SIGN_MISMATCH');
    assert.equal(json(wrongSign).error.errcode, 310000);
    assert.equal(json(wrongSign).error.errmsg, 'sign not match');
    assert.ok(json(wrongSign).error.hint.length > 0);
    expect(noSign, EXIT.SECURITY);
    expect(keyword, EXIT.SECURITY, 'KEYWORD_MISSING');
    assert.match(json(keyword).error.hint, /--keyword/);
    expect(ip, EXIT.SECURITY, 'IP_NOT_ALLOWED');
    // People get the error and its hint in two lines.
    expect(human, EXIT.SECURITY);
    const lines = human.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 2, human.stderr);
    assert.match(lines[0]!, /^dingbot: DingTalk refused the signature \(errcode 310000: sign not match\)$/);
    assert.match(lines[1]!, /^hint: /);
  });

  test('6 unknown token, robot disabled, group dissolved, robot gone', async () => {
    const results = await Promise.all(
      [T.unknown, T.disabled, T.dissolved, T.gone].map((t) => send(t, ['--json'])),
    );
    const codes = results.map((result) => {
      expect(result, EXIT.ROBOT);
      return json(result).error.code;
    });
    assert.deepEqual(codes, ['UNKNOWN_TOKEN', 'ROBOT_DISABLED', 'GROUP_DISSOLVED', 'ROBOT_GONE']);
  });

  test('7 network failure, timeout, a redirect (302/307); 1 an errcode dingbot does not know', async () => {
    const silent = await fakeDingTalk(undefined);
    const odd = await fakeDingTalk('{"errcode":777777,"errmsg":"something new"}');
    const notDingTalk = await fakeDingTalk('<html>captive portal</html>');
    const found = await fakeDingTalk(undefined, 302);
    const temporary = await fakeDingTalk(undefined, 307);
    const [refused, timeout, portal, unknownErrcode, redirect302, redirect307] = await Promise.all([
      cli(
        [
          'send',
          'text',
          'x',
          '--token',
          T.ok,
          '--base-url',
          'http://127.0.0.1:9',
          '--retries',
          '0',
          '--json',
        ],
        { home },
      ),
      cli(
        [
          'send',
          'text',
          'x',
          '--token',
          T.ok,
          '--base-url',
          silent,
          '--retries',
          '0',
          '--timeout',
          '300ms',
          '--json',
        ],
        { home },
      ),
      cli(['send', 'text', 'x', '--token', T.ok, '--base-url', notDingTalk, '--retries', '0', '--json'], {
        home,
      }),
      cli(['send', 'text', 'x', '--token', T.ok, '--base-url', odd, '--retries', '0', '--json'], { home }),
      cli(['send', 'text', 'x', '--token', T.ok, '--base-url', found, '--json'], { home }),
      cli(['send', 'text', 'x', '--token', T.ok, '--base-url', temporary], { home }),
    ]);
    // A redirect is not a DingTalk answer (and is never followed: the URL carries the token).
    expect(redirect302, EXIT.NETWORK, 'REDIRECT');
    expect(redirect307, EXIT.NETWORK);
    assert.match(redirect307.stderr, /^dingbot: .*redirect/);
    assert.doesNotMatch(redirect307.stderr, /internal error/);
    expect(refused, EXIT.NETWORK, 'REQUEST_FAILED');
    expect(timeout, EXIT.NETWORK, 'TIMEOUT');
    expect(portal, EXIT.NETWORK, 'HTTP_ERROR');
    expect(unknownErrcode, EXIT.FAILURE, 'DINGTALK_ERROR');
    assert.equal(json(unknownErrcode).error.errcode, 777777);
  });

  test('5 throttled: --no-wait fails at once, --wait gives up when the pause ends later', async () => {
    emulator.throttle('hot', 3_600_000);
    const [noWait, capped] = await Promise.all([
      send(T.hot, ['--no-wait', '--json']),
      send(T.hot, ['--wait', '1s']),
    ]);
    expect(noWait, EXIT.THROTTLED, 'RATE_LIMITED');
    assert.equal(json(noWait).error.errcode, 130101);
    // The penalty (10 minutes unless --penalty says otherwise) ends after --wait: give up at once.
    expect(capped, EXIT.THROTTLED);
    assert.match(capped.stderr, /resumes in about 10m00s, longer than --wait 1s allows/);
    assert.equal(emulator.messages({ robot: 'hot' }).length, 0);
  });

  test('a throttled send without a terminal says when it starts waiting and when it resumes, with timestamps', async () => {
    // The emulator throttles for an hour; the CLI retries every 200 ms (--penalty) until the test lifts
    // the penalty, so nothing depends on how fast anything starts.
    emulator.throttle('warm', 3_600_000);
    const stderr = collector(false);
    const sending = send(T.warm, ['--wait', '2h', '--penalty', '200ms'], {}, stderr);
    await until(() => stderr.text.includes('waiting until'));
    emulator.throttle('warm', 0);
    const waited = await sending;
    expect(waited, EXIT.OK);
    const iso = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z';
    const lines = waited.stderr.trimEnd().split('\n');
    assert.match(
      lines[0]!,
      new RegExp(
        `^dingbot: ${iso} DingTalk throttled the robot \\(errcode 130101: [^)]+\\); waiting until ${iso}, then sending \\(--wait allows until ${iso}\\)$`,
      ),
    );
    for (const line of lines.slice(1, -1)) assert.match(line, new RegExp(`^dingbot: ${iso} still throttled`));
    assert.match(lines.at(-1)!, new RegExp(`^dingbot: ${iso} resumed sending after waiting \\d+`));
    assert.match(waited.stdout, /delivered text message/);
    assert.equal(emulator.messages({ robot: 'warm' }).length, 1, 'sent once, however many tries');
  });
});

describe('real processes: exit codes reach the shell', () => {
  test('0, 2, 4 and 5 as process exit codes, stdin read from a pipe, no stack trace and no secret', async () => {
    emulator.throttle('hot', 3_600_000);
    const base = ['send', 'text', '-', '--base-url', emulator.url, '--retries', '0'];
    const [ok, usage, security, throttled] = await Promise.all([
      spawnCli([...base, '--token', T.ok, '--msg-uuid', 'spawned-stdin'], { home, input: 'df says 99%\n' }),
      spawnCli(['send', 'text'], { home }),
      spawnCli([...base, '--token', T.signed, '--secret', WRONG_SECRET], { home, input: 'x' }),
      spawnCli([...base, '--token', T.hot, '--no-wait'], { home, input: 'x' }),
    ]);
    expect(ok, EXIT.OK);
    expect(usage, EXIT.USAGE);
    expect(security, EXIT.SECURITY);
    expect(throttled, EXIT.THROTTLED);
    const piped = emulator.messages({ robot: 'ok' }).find((m) => m.payload.msgUuid === 'spawned-stdin');
    assert.deepEqual(piped?.payload.text, { content: 'df says 99%' });
  });
});
