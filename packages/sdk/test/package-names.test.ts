import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

// `dingbot` on npm is somebody else's package: every package of ours is scoped, and every README's
// install line names the package that really holds it.
const root = new URL('../../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

const packages = ['sdk', 'cli', 'emulator', 'redis', 'relay', 'bot'] as const;

test('every package is published under the @dingbot scope, the SDK as @dingbot/sdk', () => {
  for (const dir of packages) {
    const manifest = JSON.parse(read(`packages/${dir}/package.json`)) as {
      name: string;
      dependencies?: Record<string, string>;
    };
    assert.equal(manifest.name, `@dingbot/${dir}`);
    assert.ok(!('dingbot' in (manifest.dependencies ?? {})), `${dir} depends on the unscoped "dingbot"`);
  }
});

test('each README shows an install line for its own package and no unscoped import', () => {
  for (const dir of packages) {
    const readme = read(`packages/${dir}/README.md`);
    assert.match(readme, new RegExp(`^# @dingbot/${dir}$`, 'm'), `${dir}/README.md title`);
    assert.match(readme, new RegExp(`npm install [^\\n]*@dingbot/${dir}`), `${dir}/README.md install line`);
  }
  for (const file of [
    'README.md',
    'README.zh-CN.md',
    ...packages.map((dir) => `packages/${dir}/README.md`),
  ]) {
    const text = read(file);
    assert.doesNotMatch(text, /from 'dingbot'|npm (?:install|i) dingbot\b|npx dingbot\b/, file);
  }
});
