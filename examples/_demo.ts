/**
 * The `npm start` demo's emulator: its robots, its port rule and what it posts. `demo.ts` runs it;
 * `_target.ts` recognises it, so the examples post to the right robot of a running demo; the smoke
 * tests start it in-process.
 */
import { type EmulatorHandle, type RobotConfig, startEmulator } from '@dingbot/emulator';
import { escapeMarkdown, isDingbotError, Robot } from '@dingbot/sdk';
import { cards, emulatorPictures } from './_cards.js';

/** The port `npm start` tries first, the same default as `dingbot emulator`. */
export const DEMO_PORT = 8787;

/**
 * A made-up signing secret for the local demo and the embedded emulators of the examples. It signs
 * nothing but loopback requests; it is never printed.
 */
export const DEMO_SECRET = 'SECdemo0only0for0the0local0emulator0000000000000000000000000000000';

/** The keyword of the demo's signed robot (自定义关键词). */
export const DEMO_KEYWORD = 'alert';

/** The demo's robots: `demo` for everything plain, `signed` (加签 and a keyword), `demo-2` for the pool. */
export const demoRobots = {
  plain: { token: 'demo', name: 'demo' },
  signed: { token: 'demo-signed', name: 'signed', secret: DEMO_SECRET, keywords: [DEMO_KEYWORD] },
  second: { token: 'demo-2', name: 'demo-2' },
} satisfies Record<string, RobotConfig>;

/** A demo emulator on its port, and the ports that were busy before it. */
export interface RunningDemo {
  emulator: EmulatorHandle;
  /** Ports tried and found in use, in order (empty when the first one was free). */
  busy: number[];
}

/**
 * Starts the demo's emulator on `firstPort`, or on the next free port after it (up to 50 further);
 * `0` takes any free port. The rate limit is off, so the examples can be run again and again
 * against one demo without a 10-minute penalty (`dingbot emulator` keeps DingTalk's 20 a minute).
 */
export async function startDemo(firstPort: number): Promise<RunningDemo> {
  const robots: RobotConfig[] = Object.values(demoRobots).map((robot) => structuredClone(robot));
  const busy: number[] = [];
  const last = firstPort === 0 ? 0 : Math.min(firstPort + 50, 65535);
  for (let port = firstPort; port <= last; port++) {
    try {
      return { emulator: await startEmulator({ port, robots, rateLimit: false }), busy };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
      busy.push(port);
    }
  }
  return { emulator: await startEmulator({ port: 0, robots, rateLimit: false }), busy };
}

/**
 * Reads the `PORT` variable: unset or empty means {@link DEMO_PORT}; anything else must be a port
 * number (0 = any free port).
 */
export function demoPort(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return DEMO_PORT;
  const port = Number(value);
  if (!/^\d+$/.test(value.trim()) || port > 65535) {
    throw new Error(
      `PORT=${JSON.stringify(value)} is not a port number: use 1-65535, 0 for any free port, or leave PORT unset for ${DEMO_PORT}`,
    );
  }
  return port;
}

/** What {@link postDemoMessages} did. */
export interface DemoPosts {
  /** Messages the emulator accepted. */
  accepted: number;
  /** The refusal the emulator answered, as the SDK classified it. */
  refusal: { code: string; errcode?: number; errmsg?: string };
}

/**
 * Posts one message of every type to the `demo` robot, one signed message to `signed`, and last a
 * request with a wrong signature, which the emulator refuses like DingTalk (310000 sign not match):
 * the preview's first screen ends with that refusal.
 */
export async function postDemoMessages(emulator: EmulatorHandle): Promise<DemoPosts> {
  const before = emulator.messages().length;
  const robot = new Robot({ webhook: emulator.webhookUrl(demoRobots.plain.token) });
  await robot.text('Hello from dingbot 👋 — this text mentions @13800000000', {
    at: { mobiles: ['13800000000'] },
  });
  await robot.markdown(
    'Deploy finished: api 1.4.2',
    [
      '### Deploy finished',
      '',
      `- **service**: api`,
      `- **branch**: ${escapeMarkdown('feature/*fast*_path')}`,
      '- **status**: <font color=#1aad19>green</font>',
      '',
      `![CPU over the last hour](${emulatorPictures(emulator.url).chart})`,
      '',
      '> rolled out to 12 of 12 hosts',
      '',
      '[Open the pipeline](https://ci.example.com/pipelines/42)',
    ].join('\n'),
  );
  for (const card of cards(emulatorPictures(emulator.url))) await robot.send(card);

  const signedWebhook = emulator.webhookUrl(demoRobots.signed.token);
  const signed = new Robot({ webhook: signedWebhook, secret: DEMO_SECRET, keywords: [DEMO_KEYWORD] });
  await signed.text('disk 91% full on db-1: signed with the right secret, so it is accepted');

  // The same robot with a wrong secret: the emulator refuses it as DingTalk would.
  const wrong = new Robot({
    webhook: signedWebhook,
    secret: `${DEMO_SECRET.slice(0, -5)}wrong`,
    keywords: [DEMO_KEYWORD],
    retry: 'none',
  });
  let refusal: DemoPosts['refusal'] | undefined;
  try {
    await wrong.text('disk 91% full on db-1: signed with a wrong secret, so it is refused');
  } catch (error) {
    if (!isDingbotError(error)) throw error;
    refusal = { code: error.code, errcode: error.errcode, errmsg: error.errmsg };
  }
  if (!refusal) throw new Error('the demo robot accepted a wrong signature');
  return { accepted: emulator.messages().length - before, refusal };
}
