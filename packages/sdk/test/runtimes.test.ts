/**
 * The built SDK, as users install it, in every runtime the README names: Node, Deno, Bun and
 * Cloudflare's workerd (through miniflare). Each sends a signed message and a burst of 50 through a
 * rate limit to the emulator on loopback; the emulator's records are the proof. The runtimes are
 * devDependencies (their npm packages ship the binaries), so this runs wherever `npm ci` did.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type EmulatorHandle, startEmulator } from '@dingbot/emulator';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';

const sdkRoot = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = join(sdkRoot, '..', '..');
const probeDir = join(sdkRoot, 'test', 'runtimes');
const bin = (name: string) => join(repoRoot, 'node_modules', '.bin', name);

const SECRET = 'SECruntimes0123456789abcdef0123456789abcdef';
const BURST = 50;
/** The emulator's limit and the robot's, scaled down from DingTalk's 20 a minute. */
const LIMIT = { limit: 10, windowMs: 2000 };

/** What the probe reports from inside a runtime. */
interface ProbeResult {
  firstAttempts: number;
  fulfilled: number;
  rejected: string[];
  /** Calls that reached the global fetch: none on Node (node:http), some everywhere else. */
  fetchCalls: number;
}

/** The newest modification time under a folder. */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/** Builds packages/sdk/dist unless it is newer than every source file (`npm test` builds first). */
function ensureBuilt(): void {
  const entry = join(sdkRoot, 'dist', 'index.js');
  const nodeEntry = join(sdkRoot, 'dist', 'transport-node', 'default.js');
  const fresh =
    existsSync(entry) &&
    existsSync(nodeEntry) &&
    Math.min(statSync(entry).mtimeMs, statSync(nodeEntry).mtimeMs) >= newest(join(sdkRoot, 'src'));
  if (fresh) return;
  const result = spawnSync('npm', ['run', 'build', '-w', 'packages/sdk'], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  assert.equal(result.status, 0, `building the SDK failed:\n${result.stdout}\n${result.stderr}`);
}

/** Runs a command to its end; its stdout's last line is the probe's JSON. */
function run(command: string, args: string[]): Promise<ProbeResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: probeDir,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        NO_COLOR: '1',
        DO_NOT_TRACK: '1',
        DENO_NO_UPDATE_CHECK: '1',
        DENO_NO_PROMPT: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      err += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const last = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0) reject(new Error(`${command} exited with ${code}:\n${out}\n${err}`));
      else {
        try {
          resolve(JSON.parse(last) as ProbeResult);
        } catch {
          reject(new Error(`${command} printed no result:\n${out}\n${err}`));
        }
      }
    });
  });
}

/** Bundles the worker entry as wrangler would (workerd's conditions) and runs it in workerd. */
async function runInWorkerd(params: Record<string, unknown>): Promise<ProbeResult> {
  const bundle = await build({
    entryPoints: [join(probeDir, 'worker.js')],
    absWorkingDir: probeDir,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    write: false,
    logLevel: 'silent',
  });
  const script = bundle.outputFiles[0]!.text;
  assert.ok(!/\bnode:http\b/.test(script), 'the worker bundle holds no node:http transport');
  // workerd reaches loopback directly: miniflare's outbound network allows private addresses.
  const miniflare = new Miniflare({ modules: true, script, compatibilityDate: '2025-12-01' });
  try {
    const response = await miniflare.dispatchFetch('http://probe.local/', {
      method: 'POST',
      body: JSON.stringify(params),
    });
    const result = (await response.json()) as ProbeResult & { error?: string };
    assert.equal(response.status, 200, result.error);
    return result;
  } finally {
    await miniflare.dispose();
  }
}

let emulator: EmulatorHandle;
before(async () => {
  ensureBuilt();
  emulator = await startEmulator({
    port: 0,
    rateLimit: LIMIT,
    penaltyMs: 60_000,
    robots: ['node', 'deno', 'bun', 'workerd'].map((name) => ({
      token: `runtime-${name}-token`,
      name,
      secret: SECRET,
    })),
  });
});
after(() => emulator?.close());

const RUNTIMES: readonly {
  name: string;
  usesFetch: boolean;
  probe: (params: Record<string, unknown>) => Promise<ProbeResult>;
}[] = [
  { name: 'node', usesFetch: false, probe: (p) => run(process.execPath, ['main.js', JSON.stringify(p)]) },
  {
    name: 'deno',
    usesFetch: true,
    probe: (p) =>
      run(bin('deno'), [
        'run',
        '--no-lock',
        '--no-prompt',
        '--allow-net=127.0.0.1',
        '--allow-read',
        'main.js',
        JSON.stringify(p),
      ]),
  },
  {
    name: 'bun',
    usesFetch: true,
    probe: (p) => run(bin('bun'), ['--no-install', 'main.js', JSON.stringify(p)]),
  },
  { name: 'workerd', usesFetch: true, probe: runInWorkerd },
];

describe('the built SDK in every runtime it claims', () => {
  for (const runtime of RUNTIMES) {
    // A hang guard only: nothing here is timed.
    test(`${runtime.name}: a signed message and a burst of ${BURST} through the rate limit, all delivered`, {
      timeout: 600_000,
    }, async () => {
      const runId = `${runtime.name}-${Date.now().toString(36)}`;
      const result = await runtime.probe({
        webhook: emulator.webhookUrl(`runtime-${runtime.name}-token`),
        secret: SECRET,
        runId,
        burst: BURST,
        ...LIMIT,
      });
      assert.deepEqual(result.rejected, []);
      assert.equal(result.firstAttempts, 1);
      assert.equal(result.fulfilled, BURST);
      if (runtime.usesFetch) assert.ok(result.fetchCalls >= 2, `${result.fetchCalls} calls to fetch`);
      else assert.equal(result.fetchCalls, 0, 'Node posts through node:http, not fetch');

      // The emulator's records are the proof: every content arrived, nothing was refused.
      const refused = emulator.attempts({ robot: runtime.name });
      assert.deepEqual(
        refused.map((a) => `${a.errcode} ${a.errmsg}`),
        [],
      );
      const texts = emulator
        .messages({ robot: runtime.name })
        .map((m) => JSON.stringify(m.payload))
        .join('\n');
      assert.ok(texts.includes(`${runId} signed`), 'the signed message arrived');
      const missing = Array.from({ length: BURST }, (_, i) => `${runId} burst #${i};`).filter(
        (content) => !texts.includes(content),
      );
      assert.deepEqual(missing, []);
    });
  }
});
