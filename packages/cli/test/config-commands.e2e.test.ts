import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { type EmulatorHandle, startEmulator } from '@dingbot/emulator';
import { EXIT } from '../src/exit-codes.js';
import { run } from '../src/run.js';
import { assertExit, assertNoSecrets, cli, collector, json, tempHome } from './helpers.js';

const OPS_TOKEN = 'cfgcmd-ops-token-0cc175b9c0f1b6a8';
const OPS_SECRET = 'SECcfgcmd-ops-secret-92eb5ffee6ae2fec';
const DEV_TOKEN = 'cfgcmd-dev-token-4a8a08f09d37b737';
const DEV_SECRET = 'SECcfgcmd-dev-secret-8277e0910d750195';
const TYPED_SECRET = 'SECcfgcmd-typed-secret-e1671797c52e15f7';
const SECRETS = [OPS_TOKEN, OPS_SECRET, DEV_TOKEN, DEV_SECRET, TYPED_SECRET];

let emulator: EmulatorHandle;
const { home, cleanup } = tempHome();

before(async () => {
  emulator = await startEmulator({
    robots: [
      { token: OPS_TOKEN, name: 'ops', secret: OPS_SECRET, keywords: ['opsword'] },
      { token: DEV_TOKEN, name: 'dev', secret: DEV_SECRET },
    ],
    rateLimit: false,
  });
});
after(async () => {
  await emulator.close();
  cleanup();
});

/** A fresh HOME of its own for one case: its config file is `<home>/.config/dingbot/config.json`. */
function freshHome(name: string): { home: string; file: string } {
  const dir = join(home, name);
  mkdirSync(dir, { recursive: true });
  return { home: dir, file: join(dir, '.config', 'dingbot', 'config.json') };
}

const mode = (path: string) => statSync(path).mode & 0o777;

describe('dingbot config init | add | remove | list | path', () => {
  test('a robot added from stdin or a variable is written 0600, listed without secrets, and used by send', async () => {
    const { home: h, file } = freshHome('flow');
    const init = await cli(['config', 'init'], { home: h });
    assertExit(init, 0);
    assert.equal(mode(file), 0o600);
    assert.equal(statSync(join(h, '.config', 'dingbot')).mode & 0o777, 0o700);
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { profiles: {} });
    const again = await cli(['config', 'init'], { home: h });
    assertExit(again, 0);
    assert.match(again.stdout, /already exists \(0 profiles\)/);

    const ops = await cli(
      [
        'config',
        'add',
        'ops',
        '--webhook',
        emulator.webhookUrl(OPS_TOKEN),
        '--secret-stdin',
        '--keyword',
        'opsword',
      ],
      { home: h, input: `${OPS_SECRET}\n` },
    );
    const dev = await cli(
      [
        'config',
        'add',
        'dev',
        '--token',
        DEV_TOKEN,
        '--base-url',
        emulator.url,
        '--secret-env',
        'DEV_SECRET',
      ],
      { home: h, env: { DEV_SECRET } },
    );
    for (const result of [init, again, ops, dev]) assertNoSecrets(result, SECRETS);
    assertExit(ops, 0);
    assertExit(dev, 0);
    assert.match(
      ops.stdout,
      /^added profile "ops" \(default\): http:\/\/127\.0\.0\.1:\d+\/robot\/send\?access_token=…b6a8 {2}signed; keywords: opsword\n/,
    );
    assert.match(ops.stdout, /wrote .*config\.json \(mode 0600\)/);
    assert.equal(mode(file), 0o600);
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), {
      defaultProfile: 'ops',
      profiles: {
        ops: { webhook: emulator.webhookUrl(OPS_TOKEN), secret: OPS_SECRET, keywords: ['opsword'] },
        dev: { token: DEV_TOKEN, baseUrl: emulator.url, secret: DEV_SECRET },
      },
    });

    const [list, listJson, path, sendOps, sendDev] = await Promise.all([
      cli(['config', 'list'], { home: h }),
      cli(['config', 'list', '--json'], { home: h }),
      cli(['config', 'path'], { home: h }),
      cli(['send', 'text', 'via the default profile', '--msg-uuid', 'cfg-ops'], { home: h }),
      cli(['send', 'text', 'via dev', '--profile', 'dev', '--msg-uuid', 'cfg-dev'], { home: h }),
    ]);
    for (const result of [list, listJson, path, sendOps, sendDev]) {
      assertExit(result, 0);
      assertNoSecrets(result, SECRETS);
    }
    // Profiles told apart by the last 4 characters of their tokens.
    assert.match(
      list.stdout,
      /ops \(default\) {2}http:\/\/127\.0\.0\.1:\d+\/robot\/send\?access_token=…b6a8 {2}signed; keywords: opsword/,
    );
    assert.match(
      list.stdout,
      /dev {2,}http:\/\/127\.0\.0\.1:\d+\/robot\/send\?access_token=…b737 {2}signed\n/,
    );
    assert.deepEqual(
      json(listJson).profiles.map((p: { name: string; tokenEnd: string }) => [p.name, p.tokenEnd]),
      [
        ['ops', '…b6a8'],
        ['dev', '…b737'],
      ],
    );
    assert.equal(path.stdout.trim(), file);
    assert.equal(
      emulator.messages({ robot: 'ops' }).filter((m) => m.payload.msgUuid === 'cfg-ops').length,
      1,
    );
    assert.equal(
      emulator.messages({ robot: 'dev' }).filter((m) => m.payload.msgUuid === 'cfg-dev').length,
      1,
    );

    const [removed, missing, taken] = await Promise.all([
      cli(['config', 'remove', 'dev'], { home: h }),
      cli(['config', 'remove', 'nope'], { home: h }),
      cli(['config', 'add', 'ops', '--token', DEV_TOKEN, '--no-secret'], { home: h }),
    ]);
    assertExit(removed, 0);
    assert.deepEqual(Object.keys(JSON.parse(readFileSync(file, 'utf8')).profiles), ['ops']);
    assertExit(missing, EXIT.CONFIG);
    assert.match(missing.stderr, /no profile named "nope".*\nhint: Profiles: ops/);
    assertExit(taken, EXIT.CONFIG);
    assert.match(taken.stderr, /profile "ops" already exists.*\nhint: Replace it with --force/);
    for (const result of [removed, missing, taken]) assertNoSecrets(result, SECRETS);
  });

  test('the secret is never taken from a plain --secret; a wrong one is named by where it came from', async () => {
    const { home: h, file } = freshHome('refusals');
    const webhook = emulator.webhookUrl(OPS_TOKEN);
    const [flag, badEnv, unset, twoSources] = await Promise.all([
      cli(['config', 'add', 'ops', '--webhook', webhook, '--secret', OPS_SECRET], { home: h }),
      cli(['config', 'add', 'ops', '--webhook', webhook, '--secret-env', 'MY_SECRET'], {
        home: h,
        env: { MY_SECRET: 'not-a-dingtalk-secret' },
      }),
      cli(['config', 'add', 'ops', '--webhook', webhook, '--secret-env', 'UNSET_SECRET'], { home: h }),
      cli(['config', 'add', 'ops', '--webhook', webhook, '--secret-stdin', '--no-secret'], { home: h }),
    ]);
    assertExit(flag, EXIT.USAGE);
    assert.match(
      flag.stderr,
      /would stay in your shell history\nhint: .*--secret-stdin.*--secret-env NAME.*--insecure-secret/,
    );
    assertExit(badEnv, EXIT.CONFIG);
    assert.match(badEnv.stderr, /^dingbot: MY_SECRET \(--secret-env\) does not start with "SEC"/);
    assertExit(unset, EXIT.CONFIG);
    assert.match(unset.stderr, /--secret-env UNSET_SECRET: the variable is not set/);
    assertExit(twoSources, EXIT.USAGE);
    for (const result of [flag, badEnv, unset, twoSources])
      assertNoSecrets(result, [...SECRETS, 'not-a-dingtalk-secret']);
    assert.throws(() => statSync(file), /ENOENT/, 'nothing was written');
  });

  test('on a terminal the secret is asked for without echo', async () => {
    const { home: h, file } = freshHome('prompt');
    const stdout = collector(true);
    const stderr = collector(true);
    const raw: boolean[] = [];
    const stdin = Object.assign(Readable.from([`${TYPED_SECRET}x\u007f\r`]), {
      isTTY: true,
      setRawMode: (on: boolean) => raw.push(on),
    });
    const code = await run(['config', 'add', 'typed', '--token', OPS_TOKEN, '--base-url', emulator.url], {
      stdout,
      stderr,
      stdin,
      env: { HOME: h, XDG_CONFIG_HOME: join(h, '.config') },
    });
    assert.equal(code, 0, stderr.text);
    assert.deepEqual(raw, [true, false], 'raw mode (no echo) on, then off again');
    assert.match(stderr.text, /^Secret \(SEC…/);
    for (const text of [stdout.text, stderr.text])
      assert.ok(!text.includes(TYPED_SECRET), 'the secret is never echoed');
    assert.equal(
      JSON.parse(readFileSync(file, 'utf8')).profiles.typed.secret,
      TYPED_SECRET,
      'backspace removed the x',
    );
    // --secret-stdin on a terminal is the keyboard: asked for without echo too.
    const again: boolean[] = [];
    const err = collector(true);
    const code2 = await run(['config', 'add', 'piped', '--token', DEV_TOKEN, '--secret-stdin'], {
      stdout: collector(true),
      stderr: err,
      stdin: Object.assign(Readable.from([`${DEV_SECRET}\n`]), {
        isTTY: true,
        setRawMode: (on: boolean) => again.push(on),
      }),
      env: { HOME: h, XDG_CONFIG_HOME: join(h, '.config') },
    });
    assert.equal(code2, 0, err.text);
    assert.deepEqual(again, [true, false]);
    assert.ok(!err.text.includes(DEV_SECRET));
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).profiles.piped.secret, DEV_SECRET);
  });

  test('an existing file others can read is warned about, and written back 0600', async () => {
    const { home: h, file } = freshHome('loose');
    mkdirSync(join(h, '.config', 'dingbot'), { recursive: true });
    writeFileSync(file, JSON.stringify({ profiles: { dev: { token: DEV_TOKEN, baseUrl: emulator.url } } }));
    chmodSync(file, 0o644);
    const added = await cli(
      ['config', 'add', 'ops', '--webhook', emulator.webhookUrl(OPS_TOKEN), '--no-secret'],
      {
        home: h,
      },
    );
    assertExit(added, 0);
    assert.match(added.stderr, /can be read by other users \(mode 0644\)/);
    assert.match(added.stdout, /\(mode 0600, was 0644\)/);
    assert.equal(mode(file), 0o600);
    assertNoSecrets(added, SECRETS);
  });
});
