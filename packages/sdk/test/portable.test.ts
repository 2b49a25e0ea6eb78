import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = join(root, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.[cm]?[jt]sx?$/.test(entry.name) ? [path] : [];
  });
}

/** The code without comments (TSDoc examples may mention `process.env`) and without string contents. */
function codeOnly(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

/** Every module specifier: static imports/exports, dynamic import(), require(). */
function specifiers(source: string): string[] {
  const code = codeOnly(source);
  const found: string[] = [];
  for (const m of code.matchAll(/\b(?:import|export)\s[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g))
    found.push(m[1]!);
  for (const m of code.matchAll(/\bimport\s*['"]([^'"]+)['"]/g)) found.push(m[1]!);
  for (const m of code.matchAll(/\b(?:import|require)\s*\(\s*['"`]([^'"`]+)['"`]/g)) found.push(m[1]!);
  return found;
}

/**
 * The portable core: everything under src but the Node transport, which only the `node` condition
 * of `#default-fetch` (package.json "imports") and the `./node` export reach.
 */
const nodeOnly = join(src, 'transport-node');
const files = sourceFiles(src).filter((file) => !file.startsWith(nodeOnly));
/** Package-internal imports the core may use: each resolves per runtime through package.json. */
const internalImports = new Set(['#default-fetch']);

test('the scanner sees the source (so the checks below can fail)', () => {
  assert.ok(files.length >= 15, `${files.length} files`);
  assert.deepEqual(specifiers(`import { a } from 'node:fs';\nexport * from "./x.js";\nawait import('os');`), [
    'node:fs',
    './x.js',
    'os',
  ]);
  assert.ok(specifiers(readFileSync(join(src, 'index.ts'), 'utf8')).length > 10);
});

test('no file under src imports node: or a Node builtin, or any package at all', () => {
  const builtins = new Set(builtinModules.flatMap((name) => [name, name.split('/')[0]!]));
  const offences: string[] = [];
  for (const file of files) {
    for (const spec of specifiers(readFileSync(file, 'utf8'))) {
      const where = `${relative(root, file)}: ${spec}`;
      if (spec.startsWith('node:')) offences.push(`${where} (node: import)`);
      else if (builtins.has(spec) || builtins.has(spec.split('/')[0]!))
        offences.push(`${where} (Node builtin)`);
      else if (internalImports.has(spec)) continue;
      else if (spec.includes('transport-node')) offences.push(`${where} (the Node transport)`);
      else if (!spec.startsWith('./') && !spec.startsWith('../')) offences.push(`${where} (a package)`);
      else if (!spec.endsWith('.js')) offences.push(`${where} (relative import without .js)`);
    }
  }
  assert.deepEqual(offences, []);
});

test('no Node-only global is used by the code under src (fetch and crypto.subtle only)', () => {
  const offences: string[] = [];
  for (const file of files) {
    const code = codeOnly(readFileSync(file, 'utf8'));
    for (const global of ['Buffer', 'process', '__dirname', '__filename', 'require', 'setImmediate']) {
      if (new RegExp(`(?<![\\w.$'"])${global}\\b(?!['"])`).test(code))
        offences.push(`${relative(root, file)}: ${global}`);
    }
  }
  assert.deepEqual(offences, []);
});

test('#default-fetch is the Node transport only under the node condition; Deno, Bun and workers keep fetch', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    imports: Record<string, Record<string, unknown>>;
  };
  const map = pkg.imports['#default-fetch']!;
  // Conditions are tried in key order, and Deno and Bun also match `node`: theirs must come first.
  const pick = (branch: Record<string, unknown>, conditions: readonly string[]): unknown => {
    for (const [key, target] of Object.entries(branch)) {
      if (!conditions.includes(key)) continue;
      return typeof target === 'string' ? target : pick(target as Record<string, unknown>, conditions);
    }
    return undefined;
  };
  const runtimes: Record<string, readonly string[]> = {
    node: ['node', 'import', 'default'],
    deno: ['deno', 'node', 'import', 'default'],
    bun: ['bun', 'node', 'import', 'default'],
    workerd: ['workerd', 'worker', 'browser', 'import', 'default'],
    browser: ['browser', 'import', 'default'],
  };
  for (const [runtime, conditions] of Object.entries(runtimes)) {
    const expected = runtime === 'node' ? 'transport-node/default' : 'core/default-fetch';
    assert.match(String(pick(map, conditions)), new RegExp(`^\\./dist/${expected}\\.js$`), runtime);
    assert.match(
      String(pick(map, ['development', ...conditions])),
      new RegExp(`^\\./src/${expected}\\.ts$`),
      `${runtime} (development)`,
    );
  }
  assert.equal(pick(map, ['types']), './src/core/default-fetch.ts', 'types: the portable one');
});

test('package.json has no runtime dependencies', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies', 'bundleDependencies']) {
    const value = pkg[field];
    assert.ok(
      value === undefined || (typeof value === 'object' && value !== null && Object.keys(value).length === 0),
      `${field}: ${JSON.stringify(value)}`,
    );
  }
});

/** The TSDoc block right before `export … name`, or undefined. */
function docOf(source: string, name: string): string | undefined {
  const declaration = new RegExp(
    `(/\\*\\*(?:(?!\\*/)[\\s\\S])*\\*/)\\s*export\\s+(?:declare\\s+)?(?:abstract\\s+)?(?:async\\s+)?(?:function\\*?|class|const|let)\\s+${name}\\b`,
  );
  return declaration.exec(source)?.[1];
}

/** Value (not type-only) exports of index.ts, with the module each comes from. */
function valueExports(): { name: string; module: string }[] {
  const index = readFileSync(join(src, 'index.ts'), 'utf8');
  const out: { name: string; module: string }[] = [];
  for (const m of index.matchAll(/export\s+(type\s+)?\{([^}]*)\}\s*from\s*'([^']+)'/g)) {
    if (m[1]) continue;
    for (const part of m[2]!.split(',')) {
      const item = part.trim();
      if (item === '' || item.startsWith('type ')) continue;
      out.push({ name: item.split(/\s+as\s+/).pop()!, module: m[3]! });
    }
  }
  return out;
}

test('every exported function and class has TSDoc with an @example', () => {
  const exported = valueExports();
  assert.ok(exported.some((e) => e.name === 'Robot') && exported.some((e) => e.name === 'sign'));
  const missing: string[] = [];
  let checked = 0;
  for (const { name, module } of exported) {
    const source = readFileSync(join(src, module.replace(/\.js$/, '.ts')), 'utf8');
    const isCallable = new RegExp(
      `export\\s+(?:abstract\\s+)?(?:async\\s+)?(?:function\\*?|class)\\s+${name}\\b`,
    ).test(source);
    if (!isCallable) continue;
    checked++;
    const doc = docOf(source, name);
    if (!doc) missing.push(`${name} (${module}): no TSDoc`);
    else if (!doc.includes('@example')) missing.push(`${name} (${module}): no @example`);
  }
  assert.ok(checked >= 30, `checked only ${checked}`);
  assert.deepEqual(missing, []);
});

test('every public option has TSDoc with @default and @example', () => {
  const source = ['robot/options.ts', 'delivery/options.ts']
    .map((file) => readFileSync(join(src, file), 'utf8'))
    .join('\n');
  const missing: string[] = [];
  for (const iface of ['RobotTarget', 'TransportOptions', 'MessageDefaults', 'DeliveryOptions']) {
    const body = new RegExp(`export interface ${iface} \\{([\\s\\S]*?)\\n\\}`).exec(source)?.[1];
    assert.ok(body, iface);
    const props = [...body.matchAll(/(\/\*\*(?:(?!\*\/)[\s\S])*\*\/)?\s*(\w+)\?:/g)];
    assert.ok(props.length >= 2, iface);
    for (const [, doc, prop] of props) {
      if (!doc?.includes('@default')) missing.push(`${iface}.${prop}: no @default`);
      if (!doc?.includes('@example')) missing.push(`${iface}.${prop}: no @example`);
    }
  }
  assert.deepEqual(missing, []);
});

/** The layers, bottom first: a module imports only from its own layer or below (the root files sit beside). */
const LAYERS = ['utils', 'errors', 'markdown', 'messages', 'core', 'delivery', 'robot', 'pool'];
const ROOT_FILES: Record<string, number> = {
  'version.ts': 0,
  'defaults.ts': 0,
  'index.ts': 99,
};

function layerOf(file: string): number {
  const [top, ...rest] = relative(src, file).split('/');
  if (rest.length === 0) return ROOT_FILES[top!] ?? 99;
  const layer = LAYERS.indexOf(top!);
  assert.ok(layer >= 0, `${top} is in no layer: add it to LAYERS`);
  return layer;
}

test('layers only call down: utils → errors → messages → transport → delivery → robot → pool', () => {
  const upward: string[] = [];
  for (const file of files) {
    const from = layerOf(file);
    for (const spec of specifiers(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const target = join(file, '..', spec.replace(/\.js$/, '.ts'));
      if (layerOf(target) > from) upward.push(`${relative(src, file)} → ${relative(src, target)}`);
    }
  }
  assert.deepEqual(upward, []);
  // What the rule forbids is seen: the engine importing the robot would be listed.
  assert.ok(layerOf(join(src, 'robot/robot.ts')) > layerOf(join(src, 'delivery/engine.ts')));
});
