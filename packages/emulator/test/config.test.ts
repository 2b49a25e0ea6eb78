import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EmulatorConfigError, loadEmulatorConfig } from '../src/index.js';

describe('loadEmulatorConfig', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'emulator-config-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const write = async (name: string, content: unknown) => {
    const path = join(dir, name);
    await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };

  test('reads robots, rate limit and wording', async () => {
    const config = {
      port: 8787,
      robots: [
        { token: 'abc', name: 'ops', secret: 'SECx', keywords: ['alert'], ipAllowList: ['10.0.0.0/8'] },
        { token: 'def', state: 'disabled' },
      ],
      rateLimit: { limit: 5, windowMs: 1000 },
      penaltyMs: 2000,
      wording: 'modern',
      maxRecords: 50,
    };
    assert.deepEqual(await loadEmulatorConfig(await write('ok.json', config)), config);
  });

  test('rateLimit may be false', async () => {
    assert.equal((await loadEmulatorConfig(await write('off.json', { rateLimit: false }))).rateLimit, false);
  });

  test('a bad field is named with its path', async () => {
    const path = await write('bad.json', { robots: [{ token: 'a' }, { token: 5 }] });
    await assert.rejects(loadEmulatorConfig(path), (error: Error) => {
      assert.ok(error instanceof EmulatorConfigError);
      assert.match(error.message, /robots\[1\]\.token/);
      assert.ok(error.message.includes(path));
      return true;
    });
  });

  test('an unknown field is refused, naming it', async () => {
    const path = await write('typo.json', { robots: [{ token: 'a', secrett: 'SECx' }] });
    await assert.rejects(loadEmulatorConfig(path), /secrett/);
  });

  test('duplicate tokens are refused', async () => {
    const path = await write('dup.json', { robots: [{ token: 'a' }, { token: 'a' }] });
    await assert.rejects(loadEmulatorConfig(path), /robots\[1\]\.token/);
  });

  test('an invalid state is refused', async () => {
    const path = await write('state.json', { robots: [{ token: 'a', state: 'paused' }] });
    await assert.rejects(loadEmulatorConfig(path), /robots\[0\]\.state/);
  });

  test('invalid JSON and a missing file are reported with the path', async () => {
    const path = await write('broken.json', '{ "robots": [');
    await assert.rejects(loadEmulatorConfig(path), /not valid JSON/);
    await assert.rejects(loadEmulatorConfig(join(dir, 'missing.json')), /cannot read/);
  });
});
