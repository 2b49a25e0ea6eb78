import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type EmulatorHandle, startEmulator } from '@dingbot/emulator';
import { EXIT } from '../src/exit-codes.js';
import { assertExit, assertNoSecrets, type CliResult, cli, json, ROOT, tempHome } from './helpers.js';

const TOKEN = 'mistakes-token-6f4922f45568161a';
const SECRET = 'SECmistakes-secret-8cb22bdd0b7ba1ab';
const FILE_SECRET = 'SECmistakes-file-secret-9a1158154dfa42ca';
const FILE_TOKEN = 'mistakes-file-token-d82c8d1619ad8176';

let emulator: EmulatorHandle;
let webhook: string;
const { home, cleanup } = tempHome();

before(async () => {
  emulator = await startEmulator({
    robots: [{ token: TOKEN, name: 'signed', secret: SECRET }],
    rateLimit: false,
  });
  webhook = emulator.webhookUrl(TOKEN);
});
after(async () => {
  await emulator.close();
  cleanup();
});

/** Writes a config file of its own for one case and returns the environment that selects it. */
function configFile(name: string, text: string): Record<string, string> {
  const dir = join(home, name);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'config.json');
  writeFileSync(path, text);
  chmodSync(path, 0o600);
  return { DINGBOT_CONFIG: path };
}

/** The error's two lines: what happened, then the hint. */
function errorLines(result: CliResult): [string, string] {
  const [what = '', hint = ''] = result.stderr.trimEnd().split('\n');
  assert.match(what, /^dingbot: /, result.stderr);
  assert.match(hint, /^hint: /, result.stderr);
  assert.equal(result.stderr.trimEnd().split('\n').length, 2, result.stderr);
  return [what, hint];
}

describe('mistakes get a clear message, the right exit code, and no leaked secret', () => {
  test('a config file with a JSON syntax error is located by line and column, never quoted', async () => {
    const unquoted = configFile(
      'unquoted',
      `{\n  "profiles": {\n    "ops": { "token": "${FILE_TOKEN}", "secret": ${FILE_SECRET} }\n  }\n}\n`,
    );
    const singleQuoted = configFile(
      'single',
      `{"profiles": {"ops": {"token": "${FILE_TOKEN}", "secret": '${FILE_SECRET}'}}}`,
    );
    const trailingComma = configFile('comma', `{"profiles": {"ops": {"token": "${FILE_TOKEN}",}}}`);
    const results = await Promise.all([
      cli(['config', 'list'], { home, env: unquoted }),
      cli(['send', 'text', 'hi', '--profile', 'ops', '--json'], { home, env: singleQuoted }),
      cli(['sign', '--profile', 'ops'], { home, env: trailingComma }),
    ]);
    for (const result of results) {
      assertExit(result, EXIT.CONFIG);
      // Not even the start of a secret: V8's own message quotes the text around the mistake.
      assertNoSecrets(result, [FILE_TOKEN, FILE_SECRET, FILE_SECRET.slice(0, 10), FILE_TOKEN.slice(0, 10)]);
    }
    const [unquotedResult, singleResult, commaResult] = results as [CliResult, CliResult, CliResult];
    assert.match(
      errorLines(unquotedResult)[0],
      /is not valid JSON: unexpected character at line 3, column \d+$/,
    );
    assert.match(json(singleResult).error.message, /is not valid JSON: unexpected character at line 1/);
    assert.match(errorLines(commaResult)[0], /expected double-quoted property name at line 1, column \d+$/);
  });

  test('robot settings the SDK refuses are named as the user wrote them: flag, variable or profile field', async () => {
    const profile = configFile('url-as-token', JSON.stringify({ profiles: { ops: { token: webhook } } }));
    const [flag, variable, field, secret] = await Promise.all([
      cli(['send', 'text', 'hi', '--token', webhook], { home }),
      cli(['send', 'text', 'hi', '--json'], { home, env: { DINGTALK_ACCESS_TOKEN: webhook } }),
      cli(['send', 'text', 'hi', '--profile', 'ops'], { home, env: profile }),
      cli(['send', 'text', 'hi'], {
        home,
        env: { DINGTALK_WEBHOOK: webhook, DINGTALK_SECRET: 'abc-not-sec' },
      }),
    ]);
    for (const result of [flag, variable, field, secret]) {
      assertExit(result, EXIT.CONFIG);
      assertNoSecrets(result, [TOKEN, 'abc-not-sec']);
      assert.doesNotMatch(result.stderr, /dingbot: dingbot:|`accessToken`|`webhook`/);
    }
    const [what, hint] = errorLines(flag);
    assert.equal(what, 'dingbot: --token looks like a whole webhook URL');
    assert.match(hint, /Pass the URL as --webhook instead/);
    const error = json(variable).error;
    assert.equal(error.code, 'INVALID_OPTIONS');
    assert.equal(error.message, 'DINGTALK_ACCESS_TOKEN looks like a whole webhook URL');
    assert.match(error.hint, /as DINGTALK_WEBHOOK instead/);
    assert.match(
      errorLines(field)[0],
      /^dingbot: profiles\.ops\.token \(in .*config\.json\) looks like a whole webhook URL$/,
    );
    assert.match(errorLines(field)[1], /Pass the URL as profiles\.ops\.webhook instead/);
    assert.equal(errorLines(secret)[0], 'dingbot: DINGTALK_SECRET does not start with "SEC"');
  });

  test('a signed robot sent to without a secret says to give the secret, not to fix the clock', async () => {
    const [flags, variables] = await Promise.all([
      cli(['send', 'text', 'hi', '--webhook', webhook], { home }),
      cli(['send', 'text', 'hi', '--json'], { home, env: { DINGTALK_WEBHOOK: webhook } }),
    ]);
    assertExit(flags, EXIT.SECURITY);
    assertExit(variables, EXIT.SECURITY);
    assert.match(errorLines(flags)[1], /no secret was given: set --secret/);
    assert.match(json(variables).error.hint, /no secret was given: set DINGTALK_SECRET/);
    assert.equal(json(variables).error.errcode, 310000);
    assertNoSecrets(flags, [TOKEN, SECRET]);
  });

  test('a refused signature or keyword names the setting as given: --secret, DINGTALK_SECRET or the profile field', async () => {
    const wrong = 'SECmistakes-wrong-secret-2a38a4a9316c49e5';
    const profile = configFile(
      'wrong-secret',
      JSON.stringify({ profiles: { ops: { webhook, secret: wrong } } }),
    );
    const [flag, variable, field] = await Promise.all([
      cli(['send', 'text', 'hi', '--webhook', webhook, '--secret', wrong], { home }),
      cli(['send', 'text', 'hi'], { home, env: { DINGTALK_WEBHOOK: webhook, DINGTALK_SECRET: wrong } }),
      cli(['send', 'text', 'hi', '--profile', 'ops'], { home, env: profile }),
    ]);
    for (const result of [flag, variable, field]) {
      assertExit(result, EXIT.SECURITY);
      assertNoSecrets(result, [TOKEN, SECRET, wrong]);
    }
    assert.match(errorLines(flag)[1], /^hint: .*--secret\b/);
    assert.match(errorLines(variable)[1], /^hint: .*DINGTALK_SECRET\b/);
    assert.doesNotMatch(variable.stderr, /--secret/);
    assert.match(errorLines(field)[1], /^hint: .*profiles\.ops\.secret\b/);
    assert.doesNotMatch(field.stderr, /--secret/);
  });

  test('typos and dashes: the option or command meant is suggested, "--" is explained', async () => {
    const [typo, dash, ambiguous, missing, command, type, early] = await Promise.all([
      cli(['send', 'text', 'hi', '--webhok', webhook], { home }),
      cli(['send', 'text', '-5 degrees in the server room', '--webhook', webhook], { home }),
      cli(['send', 'text', 'hi', '--retries', '-1', '--webhook', webhook], { home }),
      cli(['send', 'text', 'hi', '--webhook', webhook, '--keyword'], { home }),
      cli(['sned', 'text', 'hi'], { home }),
      cli(['send', 'txt', 'hi'], { home }),
      cli(['--token', TOKEN, 'send', 'text', 'hi'], { home }),
    ]);
    for (const result of [typo, dash, ambiguous, missing, command, type, early]) {
      assertExit(result, EXIT.USAGE);
      assertNoSecrets(result, [TOKEN]);
    }
    assert.deepEqual(errorLines(typo), [
      'dingbot: unknown option --webhok',
      'hint: Did you mean --webhook? Run "dingbot send --help" for the options.',
    ]);
    assert.match(errorLines(dash)[1], /Put it after "--", e\.g\. dingbot send … -- '-5/);
    assert.deepEqual(errorLines(ambiguous), [
      'dingbot: --retries is followed by another option instead of its value',
      'hint: Give --retries a value; for a value starting with "-" write --retries=<value>.',
    ]);
    assert.equal(errorLines(missing)[0], 'dingbot: --keyword needs a value');
    assert.match(errorLines(command)[1], /^hint: Did you mean "dingbot send"\?/);
    assert.match(errorLines(type)[1], /^hint: Did you mean text\?/);
    assert.deepEqual(errorLines(early), [
      'dingbot: options go after the command: --token comes before "send"',
      'hint: Put the command first, then its options: dingbot send … --token …',
    ]);
  });

  test('empty stdin, empty or missing files and a payload that is not an object say so (exit 2)', async () => {
    const empty = join(home, 'empty.md');
    writeFileSync(empty, '\n');
    const robot = ['--webhook', webhook, '--secret', SECRET];
    const [stdin, file, missingFile, payloadEmpty, payloadArray, payloadBad, noContent, both] =
      await Promise.all([
        cli(['send', 'text', '-', ...robot], { home, input: '' }),
        cli(['send', 'markdown', '--title', 'T', '--file', empty, ...robot], { home }),
        cli(['send', 'text', '--file', join(home, 'nope.txt'), ...robot], { home }),
        cli(['send', '--payload', '-', ...robot], { home, input: '  \n' }),
        cli(['send', '--payload', '-', ...robot], { home, input: '[{"msgtype":"text"}]' }),
        cli(['send', '--payload', '-', ...robot], { home, input: '{\n  "msgtype": "text",\n}' }),
        // No robot configured either: the usage mistake is the one reported.
        cli(['send', 'text'], { home }),
        cli(['send', 'text', 'hi', '--file', empty, ...robot], { home }),
      ]);
    for (const result of [
      stdin,
      file,
      missingFile,
      payloadEmpty,
      payloadArray,
      payloadBad,
      noContent,
      both,
    ]) {
      assertExit(result, EXIT.USAGE);
    }
    assert.equal(errorLines(stdin)[0], 'dingbot: <content> is "-" but stdin is empty');
    assert.match(errorLines(file)[0], /^dingbot: --file: .*empty\.md is empty$/);
    assert.match(errorLines(missingFile)[0], /nope\.txt: no such file \(ENOENT\)$/);
    assert.equal(errorLines(payloadEmpty)[0], 'dingbot: --payload - (stdin) is empty');
    assert.equal(errorLines(payloadArray)[0], 'dingbot: --payload - (stdin) is not a JSON object');
    assert.match(
      errorLines(payloadBad)[0],
      /is not valid JSON: expected double-quoted property name at line 3, column 1$/,
    );
    assert.equal(errorLines(noContent)[0], 'dingbot: send text: missing <content>');
    assert.equal(errorLines(both)[0], 'dingbot: send text: --file and <content> are both given');
    assert.equal(emulator.messages({ robot: 'signed' }).length, 0);
  });

  test('--base-url next to a whole webhook URL is refused, not silently ignored; retries say why', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const [flag, variable, retried] = await Promise.all([
      cli(['send', 'text', 'hi', '--webhook', webhook, '--base-url', 'http://127.0.0.1:1'], { home }),
      cli(['send', 'text', 'hi', '--base-url', 'http://127.0.0.1:1'], {
        home,
        env: { DINGTALK_WEBHOOK: webhook },
      }),
      cli(
        [
          'send',
          'text',
          'hi',
          '--token',
          TOKEN,
          '--base-url',
          `http://127.0.0.1:${deadPort}`,
          '--retries',
          '1',
          '--progress',
        ],
        { home },
      ),
    ]);
    assertExit(flag, EXIT.USAGE);
    assertExit(variable, EXIT.USAGE);
    assert.match(
      errorLines(flag)[0],
      /--base-url applies to a token, but the robot is a whole webhook URL \(--webhook\)$/,
    );
    assert.match(errorLines(variable)[0], /\(DINGTALK_WEBHOOK\)$/);
    assertExit(retried, EXIT.NETWORK);
    assert.match(retried.stderr, /^Could not reach DingTalk: .*: retrying in \d+ms \(attempt 2\)…$/m);
    for (const result of [flag, variable, retried]) assertNoSecrets(result, [TOKEN, SECRET]);
  });

  test("every option value dingbot cannot use is exit code 3, the command line's shape exit code 2", async () => {
    const send = ['send', 'text', 'hi', '--webhook', webhook, '--secret', SECRET];
    const values = await Promise.all([
      cli([...send, '--timeout', '10'], { home }),
      cli([...send, '--timeout', '0'], { home }),
      cli([...send, '--retries', 'many'], { home }),
      cli([...send, '--wait', 'soon'], { home }),
      cli([...send, '--penalty', '5 minutes'], { home }),
      cli([...send, '--locale', 'fr'], { home }),
      cli([...send, '--at-mobile', ''], { home }),
      cli(['sign', '--secret', SECRET, '--timestamp', 'yesterday'], { home }),
      cli(['emulator', '--port', '99999'], { home }),
      cli(['emulator', '--wording', 'polite'], { home }),
      cli(['emulator', '--token', 't1', '--state', 'asleep'], { home }),
    ]);
    for (const result of values) {
      assertExit(result, EXIT.CONFIG);
      assertNoSecrets(result, [TOKEN, SECRET]);
      errorLines(result);
    }
    const shapes = await Promise.all([
      cli([...send, '--wait', '1m', '--no-wait'], { home }),
      cli([...send, '--timeout'], { home }),
      cli(
        [
          'send',
          'link',
          '--title',
          't',
          '--text',
          'x',
          '--url',
          'https://e.com',
          '--at-all',
          '--webhook',
          webhook,
        ],
        { home },
      ),
    ]);
    for (const result of shapes) assertExit(result, EXIT.USAGE);
    assert.equal(emulator.messages({ robot: 'signed' }).length, 0);
  });

  test('sign refuses an empty secret (an unset variable) or one with white space instead of printing a bad sign', async () => {
    const [empty, spaced] = await Promise.all([
      cli(['sign', '--secret', ''], { home }),
      cli(['sign'], { home, env: { DINGTALK_SECRET: `${SECRET}\n` } }),
    ]);
    assertExit(empty, EXIT.CONFIG);
    assertExit(spaced, EXIT.CONFIG);
    assert.equal(empty.stdout, '');
    assert.equal(spaced.stdout, '');
    assert.equal(errorLines(empty)[0], 'dingbot: the secret is empty');
    assert.equal(errorLines(spaced)[0], 'dingbot: the secret contains white space');
    assertNoSecrets(spaced, [SECRET]);
  });

  test('an empty value (an unset variable) and an address the emulator cannot bind are user errors, no stack trace', async () => {
    const [uuid, keyword, host] = await Promise.all([
      cli(['send', 'text', 'hi', '--webhook', webhook, '--msg-uuid', ''], { home }),
      cli(['send', 'text', 'hi', '--webhook', webhook, '--keyword', ''], { home }),
      // TEST-NET-1: no machine has it, so binding fails at once without a DNS lookup.
      cli(['emulator', '--host', '192.0.2.1', '--port', '0'], { home }),
    ]);
    // Option values dingbot cannot use are exit code 3, like every other unusable setting.
    assertExit(uuid, EXIT.CONFIG);
    assertExit(keyword, EXIT.CONFIG);
    assert.equal(errorLines(uuid)[0], 'dingbot: --msg-uuid is empty');
    assert.equal(errorLines(keyword)[0], 'dingbot: --keyword is empty');
    assertExit(host, EXIT.CONFIG);
    assert.match(errorLines(host)[0], /^dingbot: cannot listen on 192\.0\.2\.1 port 0: .*\(EADDRNOTAVAIL\)$/);
    assert.equal(emulator.messages({ robot: 'signed' }).length, 0);
  });

  test('a reader that stops early (| head) ends dingbot quietly, not with an EPIPE stack trace', async () => {
    const child = spawn(
      process.execPath,
      ['--conditions=development', '--import', 'tsx', 'packages/cli/src/bin.ts', 'send', '--help'],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    // Closed before dingbot has even loaded, so its first write fails with EPIPE.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const [code] = (await once(child, 'close')) as [number | null];
    assert.equal(stderr, '');
    assert.equal(code, 0);
  });
});
