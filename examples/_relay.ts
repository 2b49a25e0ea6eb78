/**
 * The `npm start` demo's relay: `@dingbot/relay` started in-process on a free port, with a real
 * SQLite outbox in a temporary directory (removed when it closes), delivering to the demo emulator's
 * `signed` robot, so the relay signs and adds the keyword. `demo.ts` runs it; the smoke tests start it
 * in-process.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EmulatorHandle } from '@dingbot/emulator';
import { type Logger, type RunningRelay, samplePayloads, startRelay } from '@dingbot/relay';
import { DEMO_KEYWORD, DEMO_SECRET, demoRobots } from './_demo.js';

/** A body for the printed curl line: the smallest Alertmanager (version 4) notification the relay takes. */
export const CURL_ALERT = JSON.stringify({
  version: '4',
  status: 'firing',
  receiver: 'curl',
  groupKey: 'curl',
  alerts: [
    {
      status: 'firing',
      labels: { alertname: 'HighCPU', instance: 'web-1', severity: 'warning' },
      annotations: { summary: 'CPU 95% on web-1' },
      startsAt: '2026-11-29T17:00:00Z',
    },
  ],
});

/** The demo's relay, what it delivered, and how to stop it. */
export interface DemoRelay {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** The directory of its config and outbox (gone after `close()`). */
  dir: string;
  /** The captured Alertmanager notifications it was posted, in order. */
  posted: string[];
  /** Stops the relay and removes its directory. */
  close(): Promise<void>;
}

/** Logs only what a demo user should see: warnings and errors, one line each. */
const demoLog: Logger = {
  info() {},
  warn: (object, message) => console.error(`relay: ${message ?? ''} ${JSON.stringify(object)}`),
  error: (object, message) => console.error(`relay: ${message ?? ''} ${JSON.stringify(object)}`),
};

/**
 * Starts the relay towards the emulator's `signed` robot and posts one captured Alertmanager
 * notification through it, firing then resolved; resolves once the emulator has both.
 */
export async function startDemoRelay(emulator: EmulatorHandle): Promise<DemoRelay> {
  const dir = mkdtempSync(join(tmpdir(), 'dingbot-demo-relay-'));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  // Also when the demo ends without closing it (an error, a second Ctrl-C).
  process.once('exit', remove);
  let relay: RunningRelay | undefined;
  const close = async () => {
    await relay?.close();
    remove();
    process.off('exit', remove);
  };
  try {
    const configPath = join(dir, 'relay.yml');
    // The secret is read from the environment, as a real config would: the file never holds it.
    writeFileSync(
      configPath,
      [
        'locale: en',
        `outbox: { sqlite: { path: ${JSON.stringify(join(dir, 'relay.db'))} } }`,
        'robots:',
        `  ${demoRobots.signed.name}:`,
        `    webhook: ${JSON.stringify(emulator.webhookUrl(demoRobots.signed.token))}`,
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a ${ENV} reference as written in relay.yml
        '    secret: ${DEMO_SIGNED_SECRET}',
        `    keywords: [${DEMO_KEYWORD}]`,
        '',
      ].join('\n'),
    );
    relay = await startRelay({ configPath, port: 0, env: { DEMO_SIGNED_SECRET: DEMO_SECRET }, log: demoLog });
    const before = emulator.messages({ robot: demoRobots.signed.name }).length;
    const posted: string[] = [];
    for (const name of ['alertmanager-firing', 'alertmanager-resolved']) {
      const response = await fetch(`${relay.url}/alertmanager`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(samplePayloads[name]!.body),
      });
      if (response.status !== 200) {
        throw new Error(`the demo relay answered ${response.status} to ${name}: ${await response.text()}`);
      }
      posted.push(name);
    }
    await delivered(emulator, before + posted.length);
    return { url: relay.url, dir, posted, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Waits until the `signed` robot holds `count` messages; the bound only ends a demo that is stuck. */
async function delivered(emulator: EmulatorHandle, count: number): Promise<void> {
  const deadline = Date.now() + 300_000;
  while (emulator.messages({ robot: demoRobots.signed.name }).length < count) {
    if (Date.now() > deadline) throw new Error('the demo relay did not deliver to the emulator');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** What `npm start` prints about the relay: its URL, an Alertmanager snippet and a curl line. */
export function relayLines(relay: DemoRelay): string {
  return `The relay (@dingbot/relay) runs in-process too, storing in ${relay.dir}/relay.db (removed at exit).
It took one Alertmanager notification, firing then resolved, and delivered both to the robot
"${demoRobots.signed.name}", signed and with the keyword "${DEMO_KEYWORD}" added by the relay.

  relay:           ${relay.url}/

Point Alertmanager at it (alertmanager.yml):
  receivers:
    - name: dingtalk
      webhook_configs:
        - url: ${relay.url}/alertmanager
          send_resolved: true

Or post an alert yourself:
  curl '${relay.url}/alertmanager' -H 'Content-Type: application/json' \\
    -d '${CURL_ALERT}'
`;
}
