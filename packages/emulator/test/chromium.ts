/**
 * Debian's Chromium for the browser tests, driven by playwright-core (never a downloaded browser).
 * Missing, it fails the run in CI and skips the tests locally with a loud notice.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';

/**
 * How long a browser test waits for something to show. Long on purpose: only a hang should fail a
 * test, never a machine too busy to render within a few seconds.
 */
export const UI_WAIT_MS = 120_000;

/** Whether the browser tests can run; throws in CI when they cannot. */
export function chromiumAvailable(what: string): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env['CI'])
    throw new Error(`${what} need Chromium at ${CHROMIUM} (apt-get install -y chromium)`);
  console.warn(`\n*** SKIPPING ${what}: no Chromium at ${CHROMIUM} (apt-get install -y chromium) ***\n`);
  return false;
}

/** Launches headless Chromium with the flags this closed network needs (no background requests). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
