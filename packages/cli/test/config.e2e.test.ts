import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type EmulatorHandle, startEmulator } from '@dingbot/emulator';
import { EXIT } from '../src/exit-codes.js';
import { assertExit, assertNoSecrets, type CliResult, cli, json, tempHome } from './helpers.js';

const ENV_TOKEN = 'config-env-token-3c59dc048e885024';
const ENV_SECRET = 'SECconfig-env-secret-b6d767d2f8ed5d21';
const OPS_TOKEN = 'config-ops-token-37693cfc748049e4';
const OPS_SECRET = 'SECconfig-ops-secret-1ff1de774005f8da';
const DEV_TOKEN = 'config-dev-token-8e296a067a375633';
const SECRETS = [ENV_TOKEN, ENV_SECRET, OPS_TOKEN, OPS_SECRET, DEV_TOKEN];

let emulator: EmulatorHandle;
const { home, cleanup } = tempHome();
const configDir = join(home, '.config', 'dingbot');
const configFile = join(configDir, 'config.json');

before(async () => {
  emulator = await startEmulator({
    robots: [
      { token: ENV_TOKEN, name: 'env', secret: ENV_SECRET, keywords: ['envword'] },
      { token: OPS_TOKEN, name: 'ops', secret: OPS_SECRET, keywords: ['opsword'] },
      { token: DEV_TOKEN, name: 'dev' },
    ],
    rateLimit: false,
  });
  mkdirSync(configDir, { recursive: true });
  writeFileSync(
    configFile,
    JSON.stringify({
      defaultProfile: 'dev',
      profiles: {
        ops: { webhook: emulator.webhookUrl(OPS_TOKEN), secret: OPS_SECRET, keywords: ['opsword'] },
        dev: { token: DEV_TOKEN, baseUrl: emulator.url },
      },
    }),
  );
  chmodSync(configFile, 0o600);
});
after(async () => {
  await emulator.close();
  cleanup();
});

const envRobot = () => ({
  DINGTALK_WEBHOOK: emulator.webhookUrl(ENV_TOKEN),
  DINGTALK_SECRET: ENV_SECRET,
  DINGTALK_KEYWORDS: 'envword, other',
});

/** Sends a text tagged with a msgUuid and says which robot received it. */
async function sendTo(
  args: string[],
  env: Record<string, string>,
  uuid: string,
): Promise<{ result: CliResult; robot?: string }> {
  const result = await cli(['send', 'text', `hello ${uuid}`, '--msg-uuid', uuid, ...args], { home, env });
  const record = emulator.messages().find((m) => m.payload.msgUuid === uuid);
  return { result, robot: record?.robot };
}

describe('where the robot comes from', () => {
  test('flags, then --profile, then DINGTALK_* environment, then the default profile', async () => {
    const [env, tokenEnv, profile, fallback, flag, profileOverEnv] = await Promise.all([
      sendTo([], envRobot(), 'c-env'),
      sendTo([], { DINGTALK_ACCESS_TOKEN: DEV_TOKEN, DINGTALK_BASE_URL: emulator.url }, 'c-token-env'),
      sendTo(['--profile', 'ops'], {}, 'c-profile'),
      sendTo([], {}, 'c-default'),
      sendTo(['--token', DEV_TOKEN, '--base-url', emulator.url], envRobot(), 'c-flag'),
      sendTo(['--profile', 'ops'], envRobot(), 'c-profile-env'),
    ]);
    const all = [env, tokenEnv, profile, fallback, flag, profileOverEnv];
    for (const { result } of all) {
      assertExit(result, 0);
      assertNoSecrets(result, SECRETS);
    }
    assert.deepEqual(
      all.map((r) => r.robot),
      ['env', 'dev', 'ops', 'dev', 'dev', 'ops'],
    );
    // The keywords came from DINGTALK_KEYWORDS and the profile's "keywords" (the robots require them).
    const envMessage = emulator.messages().find((m) => m.payload.msgUuid === 'c-env')!;
    assert.match((envMessage.payload.text as { content: string }).content, /envword/);
  });

  test('DINGBOT_CONFIG names the file; a missing profile or file is a configuration error (3)', async () => {
    const other = join(home, 'other.json');
    writeFileSync(other, JSON.stringify({ profiles: { solo: { token: DEV_TOKEN, baseUrl: emulator.url } } }));
    chmodSync(other, 0o600);
    const [viaEnv, missingProfile, missingFile, noDefault] = await Promise.all([
      sendTo(['--profile', 'solo'], { DINGBOT_CONFIG: other }, 'c-dingbot-config'),
      cli(['send', 'text', 'x', '--profile', 'nope'], { home }),
      cli(['send', 'text', 'x'], { home, env: { DINGBOT_CONFIG: join(home, 'absent.json') } }),
      cli(['send', 'text', 'x', '--json'], { home, env: { DINGBOT_CONFIG: other } }),
    ]);
    assertExit(viaEnv.result, 0);
    assert.equal(viaEnv.robot, 'dev');
    assertExit(missingProfile, EXIT.CONFIG);
    assert.match(missingProfile.stderr, /no profile named "nope"/);
    assert.match(missingProfile.stderr, /Profiles: ops, dev/);
    assertExit(missingFile, EXIT.CONFIG);
    assertExit(noDefault, EXIT.CONFIG);
    assert.equal(json(noDefault).error.message, 'no robot configured');
    for (const r of [missingProfile, missingFile, noDefault]) assertNoSecrets(r, SECRETS);
  });

  test('a bad config file is refused with the field named, and never echoes a secret', async () => {
    const write = (name: string, content: unknown) => {
      const path = join(home, name);
      writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
      chmodSync(path, 0o600);
      return { DINGBOT_CONFIG: path };
    };
    const [badJson, unknownField, badKeywords, both] = await Promise.all([
      cli(['send', 'text', 'x'], {
        home,
        env: write('bad.json', `{ "profiles": { "a": { "secret": "${OPS_SECRET}" ] }`),
      }),
      cli(['send', 'text', 'x'], {
        home,
        env: write('typo.json', { profiles: { a: { token: OPS_TOKEN, secert: OPS_SECRET } } }),
      }),
      cli(['send', 'text', 'x'], {
        home,
        env: write('kw.json', { profiles: { a: { token: OPS_TOKEN, keywords: 'alert' } } }),
      }),
      cli(['send', 'text', 'x'], {
        home,
        env: write('both.json', {
          profiles: { a: { token: OPS_TOKEN, webhook: 'http://x/robot/send?access_token=y' } },
        }),
      }),
    ]);
    for (const r of [badJson, unknownField, badKeywords, both]) {
      assertExit(r, EXIT.CONFIG);
      assertNoSecrets(r, SECRETS);
    }
    assert.match(badJson.stderr, /not valid JSON/);
    assert.match(unknownField.stderr, /profiles\.a\.secert is not a known field/);
    assert.match(badKeywords.stderr, /profiles\.a\.keywords must be a list of non-empty strings/);
    assert.match(both.stderr, /profiles\.a has both "webhook" and "token"/);
  });

  test('a config file others can read gets a warning; config list masks tokens and secrets', async () => {
    const open = join(home, 'open.json');
    writeFileSync(
      open,
      JSON.stringify({
        defaultProfile: 'ops',
        profiles: {
          ops: { webhook: emulator.webhookUrl(OPS_TOKEN), secret: OPS_SECRET, keywords: ['opsword'] },
        },
      }),
    );
    chmodSync(open, 0o644);
    const [warned, quiet, list, listJson, path] = await Promise.all([
      sendTo([], { DINGBOT_CONFIG: open }, 'c-open'),
      sendTo(['--profile', 'dev'], {}, 'c-quiet'),
      cli(['config', 'list'], { home }),
      cli(['config', 'list', '--json'], { home }),
      cli(['config', 'path'], { home }),
    ]);
    assertExit(warned.result, 0);
    assert.match(warned.result.stderr, /can be read by other users \(mode 0644\).*chmod 600/);
    assertExit(quiet.result, 0);
    assert.equal(quiet.result.stderr, '');
    for (const r of [list, listJson, path]) {
      assertExit(r, 0);
      assertNoSecrets(r, SECRETS);
    }
    assert.match(
      list.stdout,
      /ops {2,}http:\/\/127\.0\.0\.1:\d+\/robot\/send\?access_token=…49e4 {2}signed; keywords: opsword/,
    );
    assert.match(list.stdout, /dev \(default\)/);
    const profiles = json(listJson).profiles as { name: string; signed: boolean }[];
    assert.deepEqual(
      profiles.map((p) => [p.name, p.signed]),
      [
        ['ops', true],
        ['dev', false],
      ],
    );
    assert.equal(path.stdout.trim(), configFile);
  });
});
