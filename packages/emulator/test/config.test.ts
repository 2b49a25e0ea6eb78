import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
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

  const write = async (name: string, content: unknown, mode = 0o600) => {
    const path = join(dir, name);
    await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content), { mode });
    await chmod(path, mode);
    return path;
  };

  const secretConfig = { robots: [{ token: 'tok-abcdef-123', secret: 'SECsecret-value-123' }] };

  test('a file other users can read that holds robots gets a warning with the chmod fix', async () => {
    const lines: string[] = [];
    const path = await write('open.json', secretConfig, 0o644);
    await loadEmulatorConfig(path, { warn: (line) => lines.push(line) });
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0] ?? '', /can be read by other users \(mode 0644\)/);
    assert.ok(lines[0]?.includes(`chmod 600 '${path}'`));
    assert.doesNotMatch(lines[0] ?? '', /SECsecret|tok-abcdef/);
    // Group-readable counts too, as for the CLI's own config file.
    const group: string[] = [];
    await loadEmulatorConfig(await write('group.json', secretConfig, 0o640), { warn: (l) => group.push(l) });
    assert.equal(group.length, 1);
  });

  test('no warning for mode 0600, nor for a file without robots', async () => {
    const lines: string[] = [];
    const warn = (line: string) => lines.push(line);
    await loadEmulatorConfig(await write('private.json', secretConfig, 0o600), { warn });
    await loadEmulatorConfig(await write('public.json', { port: 8787 }, 0o644), { warn });
    assert.deepEqual(lines, []);
  });

  test('without a warn option the warning is a process warning', async () => {
    const warnings: string[] = [];
    const listen = (warning: Error) => warnings.push(warning.message);
    process.on('warning', listen);
    try {
      await loadEmulatorConfig(await write('default.json', secretConfig, 0o644));
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', listen);
    }
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /chmod 600/);
  });

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
