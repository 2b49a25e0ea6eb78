import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The monorepo root: the CLI runs from its source there, so the tests never use a stale build. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = 'packages/cli/src/bin.ts';

/** What a spawned `dingbot` did. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface CliOptions {
  /** Extra environment; the base one has no DINGTALK_*, no proxy, and a private HOME and config dir. */
  env?: Record<string, string | undefined>;
  /** Written to stdin (then closed); stdin is closed at once otherwise. */
  input?: string;
  home: string;
}

/** A private HOME for one test file, removed by `cleanup()`. */
export function tempHome(): { home: string; cleanup: () => void } {
  const home = mkdtempSync(join(tmpdir(), 'dingbot-cli-'));
  return { home, cleanup: () => rmSync(home, { recursive: true, force: true }) };
}

/** Spawns `dingbot <args>` from source (tsx) and collects its output. */
export function cli(args: readonly string[], options: CliOptions): Promise<CliResult> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: options.home,
    XDG_CONFIG_HOME: join(options.home, '.config'),
  };
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  const started = performance.now();
  const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', BIN, ...args], {
    cwd: ROOT,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  child.stdin.end(options.input ?? '');
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) =>
      resolve({ code, signal, stdout, stderr, ms: performance.now() - started }),
    );
  });
}

/** Fails when stdout or stderr holds any of the secrets (as is or URL-encoded). */
export function assertNoSecrets(result: CliResult, secrets: readonly string[]): void {
  for (const secret of secrets) {
    for (const form of new Set([secret, encodeURIComponent(secret)])) {
      assert.ok(!result.stdout.includes(form), `stdout leaks ${JSON.stringify(form)}:\n${result.stdout}`);
      assert.ok(!result.stderr.includes(form), `stderr leaks ${JSON.stringify(form)}:\n${result.stderr}`);
    }
  }
}

/** Asserts the exit code, showing the output when it differs. */
export function assertExit(result: CliResult, code: number): void {
  assert.equal(
    result.code,
    code,
    `exit code ${result.code}, expected ${code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`,
  );
}

/** Parses the one JSON document a `--json` run prints on stdout. */
// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON fields
export function json(result: CliResult): Record<string, any> {
  try {
    return JSON.parse(result.stdout);
  } catch {
    assert.fail(`stdout is not one JSON document:\n${result.stdout}\nstderr: ${result.stderr}`);
  }
}
