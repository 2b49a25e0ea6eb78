import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EmulatorHandle } from '@dingbot/emulator';

/** The relay's entry point, run through tsx like the rest of the tests. */
export const RELAY_MAIN = join(import.meta.dirname, '..', 'src', 'main.ts');

/** A relay started as a real process. */
export interface RelayProcess {
  child: ChildProcess;
  url: string;
  /** Everything it logged so far. */
  logs(): string;
  /** Resolves with the exit code or signal once it ended. */
  exited: Promise<number | NodeJS.Signals | null>;
}

/**
 * Spawns `src/main.ts --config <path> --port 0` and waits for its "relay listening" log line. There is
 * no deadline: a relay that exits before listening fails the wait, and the test's own timeout ends a
 * stuck one.
 */
export async function spawnRelay(configPath: string, extra: string[] = []): Promise<RelayProcess> {
  const child = spawn(
    process.execPath,
    [
      '--conditions=development',
      '--import',
      'tsx',
      RELAY_MAIN,
      '--config',
      configPath,
      '--port',
      '0',
      ...extra,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'info' } },
  );
  let output = '';
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? code)),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /"address":"(http:\/\/[^"]+)"[^\n]*"msg":"relay listening"/.exec(output);
      if (match) resolve(match[1]!);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) =>
      reject(new Error(`the relay exited (${String(code)}) before listening:\n${output}`)),
    );
  });
  return { child, url, logs: () => output, exited };
}

/** How many times `token` appears in the bodies the emulator accepted (titles repeat the first item). */
export function occurrences(emulator: EmulatorHandle, token: string): number {
  return emulator.messages().reduce((n, m) => n + bodyOf(m.payload).split(token).length - 1, 0);
}

/** How many accepted messages carry `token` somewhere in their body. */
export function messagesWith(emulator: EmulatorHandle, token: string): number {
  return emulator.messages().filter((m) => bodyOf(m.payload).includes(token)).length;
}

function bodyOf(payload: Record<string, unknown>): string {
  const p = payload as { text?: { content?: string }; markdown?: { text?: string } };
  return p.text?.content ?? p.markdown?.text ?? JSON.stringify(payload);
}

/** Polls until `check` holds; the bound is generous and only ends a stuck test. */
export async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  boundMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + boundMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`gave up waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const firing = JSON.parse(
  readFileSync(join(import.meta.dirname, 'fixtures', 'alertmanager', 'alertmanager-firing.json'), 'utf8'),
);

/** A distinct Alertmanager notification whose alert name is `name` (its content names it too). */
export function notification(name: string) {
  const alert = {
    ...firing.alerts[0],
    labels: { ...firing.alerts[0].labels, alertname: name },
    fingerprint: name,
  };
  return {
    ...firing,
    groupKey: `{}:{alertname="${name}"}`,
    groupLabels: { alertname: name },
    commonLabels: { ...firing.commonLabels, alertname: name },
    alerts: [alert],
  };
}
