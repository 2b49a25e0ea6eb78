import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { run } from '../src/run.js';

/** The monorepo root: the CLI runs from its source there, so the tests never use a stale build. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = 'packages/cli/src/bin.ts';

/** What a `dingbot` run did. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Extra environment (undefined removes a variable); see the base in `baseEnv`. */
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

/** The environment every run starts from: no DINGTALK_*, no proxy, a private HOME and config dir. */
function baseEnv(options: CliOptions, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {
    ...extra,
    HOME: options.home,
    XDG_CONFIG_HOME: join(options.home, '.config'),
  };
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** A stream double that collects what is written to it. */
export interface Collected {
  write(chunk: string): boolean;
  isTTY?: boolean;
  readonly text: string;
}

/** A stream double that collects what is written to it; `isTTY` as given. */
export function collector(isTTY?: boolean): Collected {
  let text = '';
  return {
    write(chunk: string) {
      text += chunk;
      return true;
    },
    ...(isTTY === undefined ? {} : { isTTY }),
    get text() {
      return text;
    },
  };
}

/** Options of {@link cli} beyond {@link CliOptions}. */
export interface InProcessOptions extends CliOptions {
  /** Collects stderr as it is written, to watch a run still in progress. */
  stderr?: Collected;
  /** Whether stdin, stdout and stderr claim to be terminals. */
  tty?: boolean;
}

/**
 * Runs `dingbot <args>` in this process through `run(argv, io)`: the same code as the installed
 * command from the first argument on, without a Node start per case (spawned runs are kept for the
 * launcher, stdin, signals and real exit codes: see {@link spawnCli}).
 */
export async function cli(args: readonly string[], options: InProcessOptions): Promise<CliResult> {
  const stdout = collector(options.tty);
  const stderr = options.stderr ?? collector(options.tty);
  const input = options.input ?? '';
  const stdin = Object.assign(Readable.from(input === '' ? [] : [input]), options.tty ? { isTTY: true } : {});
  const code = await run(args, { stdout, stderr, stdin, env: baseEnv(options) });
  return { code, signal: null, stdout: stdout.text, stderr: stderr.text };
}

/** Spawns `dingbot <args>` from source (tsx) as a real process and collects its output. */
export function spawnCli(args: readonly string[], options: CliOptions): Promise<CliResult> {
  const env = baseEnv(options, { PATH: process.env.PATH ?? '' });
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
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/**
 * Resolves once `condition()` holds, checking whenever the event loop turns: for output a run prints
 * when something happens, with no deadline (the test runner's own timeout is the only limit).
 */
export async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
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
