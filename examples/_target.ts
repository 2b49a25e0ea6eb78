/**
 * Where the examples send, and how they say so.
 *
 * - `DINGTALK_WEBHOOK` set to the webhook `npm start` prints: the running demo's emulator, so each
 *   example appears in its preview. Examples about signing use the demo's signed robot.
 * - `DINGTALK_WEBHOOK` set to any other emulator or a real robot (with `DINGTALK_SECRET` and
 *   `DINGTALK_KEYWORDS`, comma-separated, as the CLI reads them): that robot. Only the examples
 *   whose subject is posting post there; `errors.ts` never posts to a real group.
 * - Nothing set: an emulator embedded in the example, closed when it ends.
 *
 * `pool.ts` needs two robots: `DINGTALK_WEBHOOKS` (comma-separated, robots of one group) with
 * `DINGTALK_SECRETS` (comma-separated, same order, empty for a robot without signing) when set,
 * the demo's `demo` and `demo-2` robots, or two embedded ones.
 */
import { type EmulatorHandle, type RobotConfig, type RobotInfo, startEmulator } from '@dingbot/emulator';
import { isDingbotError, type RobotOptions } from '@dingbot/sdk';
import { dingtalkPictures, emulatorPictures, type Pictures } from './_cards.js';
import { DEMO_SECRET, demoRobots } from './_demo.js';

/** Where an example's messages go. */
export interface ExampleTarget {
  /** `embedded`: started by the example; `emulator`: a running one (`npm start`); `dingtalk`: anything else. */
  kind: 'embedded' | 'emulator' | 'dingtalk';
  /** One entry per robot the example asked for. */
  robots: RobotOptions[];
  /** Whether the first robot is known to check signatures (an emulator says so; DingTalk does not). */
  signed: boolean;
  /** For the messages: where the robots are, the token masked, e.g. `the emulator at http://127.0.0.1:8787 (robot "demo"; preview http://127.0.0.1:8787/)`. */
  where: string;
  /** Pictures the target's readers can load. */
  pictures: Pictures;
  /** Closes an embedded emulator and says that it was embedded. */
  close(): Promise<void>;
}

/** What an example needs from its target. */
export interface TargetNeeds {
  /** A robot that checks signatures (加签): `required` exits with a message when none is configured. */
  signed?: 'required' | 'preferred';
  /** Keywords for an embedded robot (a real one's come from `DINGTALK_KEYWORDS`). */
  keywords?: string[];
  /** How many robots of one group (the pool); default 1. */
  robots?: number;
}

/** Stops the example with a message on stderr, before anything was sent. */
function stop(message: string): never {
  console.error(message);
  process.exit(2);
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

/**
 * A webhook with its token masked (the last 4 characters kept, so two robots can be told apart) and
 * any timestamp or sign removed.
 */
export function maskWebhook(webhook: string): string {
  try {
    const url = new URL(webhook);
    for (const key of [...url.searchParams.keys()]) {
      const value = url.searchParams.get(key) ?? '';
      if (key === 'access_token') {
        url.searchParams.set(key, value.length > 8 ? `…${value.slice(-4)}` : '…');
      } else if (['timestamp', 'sign', 'secret', 'session'].includes(key)) {
        url.searchParams.delete(key);
      }
    }
    return decodeURI(url.toString());
  } catch {
    return '(a webhook that is not a URL)';
  }
}

/** Asks `<origin>/api/robots` whether the webhook belongs to a dingbot emulator; undefined if not. */
async function emulatorRobots(webhook: string): Promise<RobotInfo[] | undefined> {
  let url: URL;
  try {
    url = new URL(webhook);
  } catch {
    return undefined;
  }
  if (/(^|\.)dingtalk\.com$/i.test(url.hostname)) return undefined;
  try {
    const response = await fetch(new URL('/api/robots', url.origin), {
      signal: AbortSignal.timeout(5000),
      redirect: 'error',
    });
    if (!response.ok) return undefined;
    const robots: unknown = await response.json();
    return Array.isArray(robots) && robots.every((r) => typeof r?.token === 'string')
      ? (robots as RobotInfo[])
      : undefined;
  } catch {
    return undefined;
  }
}

function quoteNames(names: string[]): string {
  return names.map((name) => `"${name}"`).join(' and ');
}

/** Makes a failed send end the example with its code, message and hint instead of a stack trace. */
function reportFailures(): void {
  if (process.listenerCount('uncaughtException') > 0) return;
  process.on('uncaughtException', (error) => {
    if (isDingbotError(error)) {
      console.error(`not delivered: ${error.code}: ${error.message}`);
      if (error.hint) console.error(`  hint: ${error.hint}`);
    } else {
      console.error(error);
    }
    process.exit(1);
  });
}

/** Resolves where the example sends; see the file's comment for the rules. */
export async function exampleTarget(needs: TargetNeeds = {}): Promise<ExampleTarget> {
  reportFailures();
  const count = needs.robots ?? 1;
  const envWebhook = process.env.DINGTALK_WEBHOOK?.trim();
  const webhooks = count > 1 ? list(process.env.DINGTALK_WEBHOOKS) : envWebhook ? [envWebhook] : [];

  if (count > 1 && webhooks.length > 0 && webhooks.length < count) {
    stop(
      `DINGTALK_WEBHOOKS lists ${webhooks.length} webhook; this example needs ${count} robots of one group.`,
    );
  }

  // A running emulator: the demo (npm start) or `dingbot emulator`.
  const probed = webhooks.length > 0 ? webhooks[0] : envWebhook;
  const robots = probed ? await emulatorRobots(probed) : undefined;
  if (probed && robots) {
    const origin = new URL(probed).origin;
    const byToken = (token: string) => robots.find((robot) => robot.token === token);
    const isDemo = byToken(demoRobots.signed.token)?.signed === true && !!byToken(demoRobots.second.token);
    let chosen: { info: RobotInfo; secret?: string }[];
    if (count > 1 && webhooks.length >= count) {
      const secrets = process.env.DINGTALK_SECRETS?.split(',');
      chosen = webhooks.map((webhook, i) => {
        const info = byToken(tokenOf(webhook));
        if (!info) stop(`DINGTALK_WEBHOOKS[${i}] is not a robot of the emulator at ${origin}.`);
        return { info, secret: secrets?.[i]?.trim() || undefined };
      });
    } else if (isDemo && count > 1) {
      chosen = [demoRobots.plain.token, demoRobots.second.token].map((token) => ({ info: byToken(token)! }));
    } else if (count > 1) {
      stop(
        `This example needs ${count} robots of one group: set DINGTALK_WEBHOOKS to their webhooks, comma-separated (DINGTALK_WEBHOOK names one).`,
      );
    } else {
      const own = byToken(tokenOf(probed));
      if (!own)
        stop(`DINGTALK_WEBHOOK names no robot of the emulator at ${origin} (see ${origin}/api/robots).`);
      const secret = process.env.DINGTALK_SECRET || undefined;
      if (needs.signed && !own.signed && !secret && isDemo) {
        chosen = [{ info: byToken(demoRobots.signed.token)!, secret: DEMO_SECRET }];
      } else {
        chosen = [
          {
            info: own,
            secret: secret ?? (isDemo && own.token === demoRobots.signed.token ? DEMO_SECRET : undefined),
          },
        ];
      }
    }
    const first = chosen[0]!;
    if (needs.signed !== 'preferred' && first.info.signed && !first.secret) {
      stop(
        `Robot "${first.info.name}" of the emulator at ${origin} checks signatures (加签): set DINGTALK_SECRET to its secret. Nothing was sent.`,
      );
    }
    if (needs.signed === 'required' && !first.info.signed) {
      stop(
        `This example is about signing (加签), but robot "${first.info.name}" of the emulator at ${origin} does not sign: point DINGTALK_WEBHOOK at a signed robot and set DINGTALK_SECRET. Nothing was sent.`,
      );
    }
    return {
      kind: 'emulator',
      robots: chosen.map(({ info, secret }) => ({
        // The origin as the user wrote it (localhost, a compose service name…), not the emulator's own.
        webhook: `${origin}/robot/send?access_token=${encodeURIComponent(info.token)}`,
        secret,
        keywords: info.keywords.length > 0 ? info.keywords : undefined,
      })),
      signed: first.info.signed,
      where: `the emulator at ${origin} (robot${chosen.length > 1 ? 's' : ''} ${quoteNames(chosen.map((c) => c.info.name))}; preview ${origin}/)`,
      pictures: emulatorPictures(origin),
      close: async () => {},
    };
  }

  // A real robot (or anything that is not a dingbot emulator).
  if (webhooks.length > 0 || (count > 1 && envWebhook)) {
    if (count > 1 && webhooks.length === 0) {
      stop(
        `This example needs ${count} robots of one group: set DINGTALK_WEBHOOKS to their webhooks, comma-separated, and DINGTALK_SECRETS to their SEC… secrets in the same order (DINGTALK_WEBHOOK names one robot).`,
      );
    }
    const secrets =
      count > 1 ? (process.env.DINGTALK_SECRETS?.split(',') ?? []) : [process.env.DINGTALK_SECRET ?? ''];
    const keywords = list(process.env.DINGTALK_KEYWORDS);
    const targets = webhooks.map((webhook, i) => ({
      webhook,
      secret: secrets[i]?.trim() || undefined,
      keywords: keywords.length > 0 ? keywords : undefined,
    }));
    if (needs.signed === 'required' && !targets[0]!.secret) {
      stop(
        "This example is about signing (加签): set DINGTALK_SECRET to the robot's SEC… secret (DingTalk shows it under 安全设置 → 加签). Nothing was sent.",
      );
    }
    return {
      kind: 'dingtalk',
      robots: targets,
      signed: false,
      where: targets.map((t) => maskWebhook(t.webhook)).join(' and '),
      pictures: dingtalkPictures,
      close: async () => {},
    };
  }

  // Nothing configured: an emulator of our own, gone when the example ends.
  const configs: RobotConfig[] = Array.from({ length: count }, (_, i) => ({
    token: `example-${i + 1}`,
    name: `example-${i + 1}`,
    secret: i === 0 && needs.signed ? DEMO_SECRET : undefined,
    keywords: i === 0 ? needs.keywords : undefined,
  }));
  const emulator: EmulatorHandle = await startEmulator({ robots: configs });
  return {
    kind: 'embedded',
    robots: configs.map((config) => ({
      webhook: emulator.webhookUrl(config.token),
      secret: config.secret,
      keywords: config.keywords,
    })),
    signed: !!needs.signed,
    where: 'an emulator embedded in this example',
    pictures: emulatorPictures(emulator.url),
    close: async () => {
      await emulator.close();
      console.log(
        '(That emulator is closed now. To watch the examples arrive in a preview: run `npm start` and set DINGTALK_WEBHOOK as it says.)',
      );
    },
  };
}

function tokenOf(webhook: string): string {
  try {
    return new URL(webhook).searchParams.get('access_token') ?? '';
  } catch {
    return '';
  }
}
