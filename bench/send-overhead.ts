/**
 * Send overhead: what one `Robot.send` costs over the cheapest correct way to post the same signed
 * message (a bare `fetch`), over `node:http` itself, and over `dingtalk-robot-sender`, the package
 * people use today. dingbot runs twice: with its default transport on Node (`node:http` on a
 * keep-alive agent) and with the global `fetch` injected (what Deno, Bun and workers use).
 *
 * All contenders post to one emulator (rate limit off, a signing robot) on loopback, one send at a time,
 * interleaved in small blocks in rotating order so a noisy neighbour hurts them alike.
 *
 * dingbot is the built SDK (what npm installs), measured in a child process without the `development`
 * condition: build first (`npm run build`; `npm run bench` does).
 *
 * Run alone: `node --conditions=development --import tsx bench/send-overhead.ts [sends] [rounds]`
 */
import { execFileSync } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { globalAgent, request } from 'node:http';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startEmulator } from '@dingbot/emulator';
import { Robot } from '@dingbot/sdk';
import { createSigner } from '../packages/sdk/src/core/sign.js';

/** Options of {@link benchSendOverhead}. */
export interface SendOverheadOptions {
  /**
   * Measured sends per contender, spread evenly over the rounds.
   * @default 2000
   */
  sends?: number;
  /**
   * Rounds; each yields its own p50 per contender and its own ratios, whose spread is reported.
   * @default 3
   */
  rounds?: number;
  /**
   * Sends per contender in one interleaved block.
   * @default 50
   */
  blockSize?: number;
  /**
   * Unmeasured sends per contender before the first round (JIT, connection set-up).
   * @default min(100, sends / 10)
   */
  warmup?: number;
}

/** Latency of one contender, in milliseconds per send. */
export interface ContenderLatency {
  /** Measured sends (all answered `errcode: 0`). */
  sends: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  /** p50 of each round. */
  roundP50Ms: number[];
}

/** A ratio to the floor: the median over rounds, with its min and max. */
export interface RatioSpread {
  median: number;
  min: number;
  max: number;
}

/** What {@link benchSendOverhead} returns. */
export interface SendOverheadResult {
  sends: number;
  rounds: number;
  blockSize: number;
  warmup: number;
  /** Keep-alive of node's global http agent (used by dingtalk-robot-sender's axios). */
  httpGlobalAgentKeepAlive: boolean;
  dingbot: ContenderLatency;
  fetch: ContenderLatency;
  dingtalkRobotSender: ContenderLatency;
  /** For reference, below the floor: `node:http` `request` on the keep-alive global agent. */
  nodeHttp: ContenderLatency;
  /** dingbot with the global `fetch` injected (`fetch` option): the transport of the other runtimes. */
  dingbotFetch: ContenderLatency;
  /** Per-round p50 ratios to bare fetch. */
  ratioP50: Ratios;
  /** Per-round p99 ratios to bare fetch. */
  ratioP99: Ratios;
  /**
   * dingbot's (default transport) p50 divided by each other contender's, per round: below 1 means
   * dingbot is faster.
   */
  dingbotP50Over: DingbotRatios;
  /** Messages the emulator refused (must be 0). */
  refused: number;
  /**
   * Where dingbot's extra time can go: microseconds per call of the steps it does and the floor does
   * not, or does differently, timed alone in the same process after the sends.
   */
  stepCostsUs: StepCosts;
}

/** Microseconds per call of single steps, see {@link SendOverheadResult.stepCostsUs}. */
export interface StepCosts {
  /** HMAC-SHA256 + base64 as dingbot signs: plain JS, the key's HMAC state prepared once. */
  dingbotSign: number;
  /** The same with WebCrypto (`crypto.subtle.sign`, key imported once): what dingbot used before. */
  webCryptoSign: number;
  /** The same with `node:crypto` `createHmac` (the floor, dingtalk-robot-sender). */
  nodeCryptoSign: number;
  /** `AbortSignal.timeout(10000)`: dingbot's always-on per-attempt timeout, before fetch wires it up. */
  abortSignalTimeout: number;
  /** `Robot.prepare()` of a text message: validation, mentions, keywords. */
  prepare: number;
  /** A whole `Robot.send()` with a `fetch` that answers ok at once: dingbot's own time per send. */
  robotSendNoNetwork: number;
  /** The same for a robot without a secret: dingbot's own time minus the signature. */
  robotSendNoNetworkUnsigned: number;
  /** The floor's own work with the same instant `fetch`: sign, URL, body, parse the reply. */
  floorNoNetwork: number;
}

/** Ratios of each contender to bare fetch. */
export interface Ratios {
  dingbot: RatioSpread;
  dingbotFetch: RatioSpread;
  dingtalkRobotSender: RatioSpread;
  nodeHttp: RatioSpread;
}

/** dingbot's p50 over each other contender's, see {@link SendOverheadResult.dingbotP50Over}. */
export interface DingbotRatios {
  fetch: RatioSpread;
  nodeHttp: RatioSpread;
  dingtalkRobotSender: RatioSpread;
  dingbotFetch: RatioSpread;
}

/** The slice of dingtalk-robot-sender's `ChatBot` used here (the package ships no types). */
interface ChatBot {
  text(content: string, at?: unknown): Promise<{ status: number; data: { errcode?: unknown } }>;
}
type ChatBotClass = new (options: { webhook: string; secret?: string }) => ChatBot;

const TOKEN = 'bench-send-overhead';
const SECRET = 'SECbench0123456789abcdefbench0123456789abcdef';

type Contender = 'dingbot' | 'dingbotFetch' | 'fetch' | 'dingtalkRobotSender' | 'nodeHttp';
const CONTENDERS: readonly Contender[] = [
  'fetch',
  'dingbot',
  'dingtalkRobotSender',
  'nodeHttp',
  'dingbotFetch',
];

/**
 * Runs the send-overhead comparison and returns plain numbers.
 * @example const r = await benchSendOverhead({ sends: 2000, rounds: 3 }); console.log(r.ratioP50.dingbot.median)
 */
export async function benchSendOverhead(options: SendOverheadOptions = {}): Promise<SendOverheadResult> {
  // Measured in a child process without the `development` condition, so that dingbot is the built
  // SDK, as npm installs it: its sources through tsx carry esbuild's keepNames wrappers (a
  // `defineProperty` on each closure made per send), which made it read ~8% slower than it runs.
  if (process.env['DINGBOT_BENCH_CHILD'] !== '1') {
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(import.meta.url), '--options', JSON.stringify(options)],
      {
        encoding: 'utf8',
        env: { ...process.env, DINGBOT_BENCH_CHILD: '1' },
        maxBuffer: 16 * 1024 * 1024,
        timeout: 600_000,
      },
    );
    return JSON.parse(out) as SendOverheadResult;
  }
  const sends = Math.max(1, Math.floor(options.sends ?? 2000));
  const rounds = Math.max(1, Math.min(sends, Math.floor(options.rounds ?? 3)));
  const blockSize = Math.max(1, Math.floor(options.blockSize ?? 50));
  const warmup = Math.max(0, Math.floor(options.warmup ?? Math.min(100, Math.ceil(sends / 10))));

  const emulator = await startEmulator({
    port: 0,
    rateLimit: false,
    robots: [{ token: TOKEN, name: 'bench', secret: SECRET }],
    maxRecords: 100,
  });
  let closeSenders: (() => Promise<void>) | undefined;
  try {
    const webhook = emulator.webhookUrl(TOKEN);
    const { senders, close } = makeSenders(webhook);
    closeSenders = close;

    let counter = 0;
    const content = () => `bench message ${++counter}`;

    // Warm-up, unmeasured, interleaved too.
    for (let i = 0; i < warmup; i++) for (const name of CONTENDERS) await senders[name](content());

    const samples: Record<Contender, number[][]> = {
      dingbot: [],
      dingbotFetch: [],
      fetch: [],
      dingtalkRobotSender: [],
      nodeHttp: [],
    };
    let rotation = 0;
    for (let round = 0; round < rounds; round++) {
      const perRound = Math.floor(sends / rounds) + (round < sends % rounds ? 1 : 0);
      for (const name of CONTENDERS) samples[name].push([]);
      for (let done = 0; done < perRound; done += blockSize) {
        const block = Math.min(blockSize, perRound - done);
        const order = rotate(CONTENDERS, rotation++);
        for (const name of order) {
          const into = samples[name][round]!;
          const send = senders[name];
          for (let i = 0; i < block; i++) {
            const text = content();
            const start = performance.now();
            await send(text);
            into.push(performance.now() - start);
          }
        }
      }
    }

    const refused = emulator.attempts().length;
    const latency = (name: Contender): ContenderLatency => {
      const all = samples[name].flat();
      return {
        sends: all.length,
        p50Ms: percentile(all, 50),
        p99Ms: percentile(all, 99),
        meanMs: mean(all),
        roundP50Ms: samples[name].map((s) => percentile(s, 50)),
      };
    };
    const ratios = (name: Contender, p: number, to: Contender = 'fetch'): RatioSpread =>
      spread(samples[name].map((s, round) => percentile(s, p) / percentile(samples[to][round]!, p)));

    const stepCostsUs = await measureSteps(Math.min(2000, Math.max(50, sends)));
    return {
      sends,
      rounds,
      blockSize,
      warmup,
      httpGlobalAgentKeepAlive: Boolean((globalAgent as { keepAlive?: boolean }).keepAlive),
      dingbot: latency('dingbot'),
      fetch: latency('fetch'),
      dingtalkRobotSender: latency('dingtalkRobotSender'),
      nodeHttp: latency('nodeHttp'),
      dingbotFetch: latency('dingbotFetch'),
      ratioP50: {
        dingbot: ratios('dingbot', 50),
        dingbotFetch: ratios('dingbotFetch', 50),
        dingtalkRobotSender: ratios('dingtalkRobotSender', 50),
        nodeHttp: ratios('nodeHttp', 50),
      },
      ratioP99: {
        dingbot: ratios('dingbot', 99),
        dingbotFetch: ratios('dingbotFetch', 99),
        dingtalkRobotSender: ratios('dingtalkRobotSender', 99),
        nodeHttp: ratios('nodeHttp', 99),
      },
      dingbotP50Over: {
        fetch: ratios('dingbot', 50, 'fetch'),
        nodeHttp: ratios('dingbot', 50, 'nodeHttp'),
        dingtalkRobotSender: ratios('dingbot', 50, 'dingtalkRobotSender'),
        dingbotFetch: ratios('dingbot', 50, 'dingbotFetch'),
      },
      refused,
      stepCostsUs,
    };
  } finally {
    await closeSenders?.();
    await emulator.close();
  }
}

/** One function per contender: posts one text message and throws unless DingTalk said `errcode: 0`. */
function makeSenders(webhook: string): {
  senders: Record<Contender, (content: string) => Promise<void>>;
  close: () => Promise<void>;
} {
  // rateLimit: false, like the emulator's: this measures the cost of a send, not the pacing.
  const robot = new Robot({ webhook, secret: SECRET, retry: 'none', rateLimit: false });
  const robotFetch = new Robot({
    webhook,
    secret: SECRET,
    retry: 'none',
    rateLimit: false,
    fetch: (url, init) => fetch(url, init),
  });

  const require = createRequire(import.meta.url);
  const ChatBot = require('dingtalk-robot-sender') as ChatBotClass;
  const chatBot = new ChatBot({ webhook, secret: SECRET });

  const signedUrl = (): string => {
    const timestamp = Date.now();
    const sign = createHmac('sha256', SECRET).update(`${timestamp}\n${SECRET}`).digest('base64');
    return `${webhook}&timestamp=${timestamp}&sign=${encodeURIComponent(sign)}`;
  };
  const headers = { 'Content-Type': 'application/json; charset=utf-8', 'User-Agent': 'bench/0' };
  const body = (content: string): string =>
    JSON.stringify({ msgtype: 'text', text: { content }, msgUuid: randomUUID() });

  const senders: Record<Contender, (content: string) => Promise<void>> = {
    // dingbot: the delivery engine's queue (no pacing: rateLimit false), validate, prepare (mentions,
    // keywords), msgUuid, size check, HMAC sign (plain JS, synchronous), its default transport on Node
    // (node:http, keep-alive agent) with a timeout, redirects refused, the answer read to 64 KiB at
    // most, parsed and classified.
    dingbot: async (content) => {
      await robot.send({ msgtype: 'text', text: { content } });
    },
    // The same through the global fetch (the `fetch` option): what Deno, Bun and workers run.
    dingbotFetch: async (content) => {
      await robotFetch.send({ msgtype: 'text', text: { content } });
    },
    // The floor: what a careful hand-written client must do at least. Same body (with msgUuid), same
    // headers, a fresh signature per request (node:crypto HMAC), global fetch, errcode checked.
    fetch: async (content) => {
      const response = await fetch(signedUrl(), { method: 'POST', headers, body: body(content) });
      const reply = (await response.json()) as { errcode?: unknown };
      if (reply.errcode !== 0) throw new Error(`fetch: errcode ${String(reply.errcode)}`);
    },
    // Below the floor, for reference: the same request through node:http on the keep-alive global
    // agent, the transport dingtalk-robot-sender's axios ends up on (minus axios itself).
    nodeHttp: (content) =>
      new Promise<void>((resolve, reject) => {
        const payload = body(content);
        const req = request(signedUrl(), { method: 'POST', headers, agent: globalAgent }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            text += chunk;
          });
          res.on('end', () => {
            const reply = JSON.parse(text) as { errcode?: unknown };
            if (reply.errcode === 0) resolve();
            else reject(new Error(`node:http: errcode ${String(reply.errcode)}`));
          });
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end(payload);
      }),
    // dingtalk-robot-sender 1.2.0: node:crypto HMAC sign, axios 0.19 (node http adapter through
    // follow-redirects, node's global agent). It resolves on any HTTP 200, so the errcode check is ours.
    dingtalkRobotSender: async (content) => {
      const response = await chatBot.text(content);
      if (response.data.errcode !== 0) {
        throw new Error(`dingtalk-robot-sender: errcode ${String(response.data.errcode)}`);
      }
    },
  };
  return { senders, close: async () => void (await Promise.all([robot.close(), robotFetch.close()])) };
}

async function measureSteps(iterations: number): Promise<StepCosts> {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey(
    'raw',
    encoder.encode(SECRET),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const robot = new Robot({
    webhook: 'http://127.0.0.1:9/robot/send?access_token=steps',
    secret: SECRET,
    rateLimit: false,
  });
  const time = async (step: () => unknown): Promise<number> => {
    for (let i = 0; i < iterations / 10; i++) await step();
    const start = performance.now();
    for (let i = 0; i < iterations; i++) await step();
    return ((performance.now() - start) / iterations) * 1000;
  };
  const ok = '{"errcode":0,"errmsg":"ok"}';
  const instantFetch = async () => ({ status: 200, text: async () => ok });
  const offline = new Robot({
    webhook: 'http://127.0.0.1:9/robot/send?access_token=steps',
    secret: SECRET,
    rateLimit: false,
    retry: 'none',
    fetch: instantFetch,
  });
  const offlineUnsigned = new Robot({
    webhook: 'http://127.0.0.1:9/robot/send?access_token=steps',
    rateLimit: false,
    retry: 'none',
    fetch: instantFetch,
  });
  const webhook = 'http://127.0.0.1:9/robot/send?access_token=steps';
  const dingbotSigner = createSigner(SECRET);
  const costs: StepCosts = {
    dingbotSign: await time(() => dingbotSigner(Date.now())),
    webCryptoSign: await time(async () =>
      Buffer.from(await crypto.subtle.sign('HMAC', key, encoder.encode(`${Date.now()}\n${SECRET}`))).toString(
        'base64',
      ),
    ),
    nodeCryptoSign: await time(() =>
      createHmac('sha256', SECRET).update(`${Date.now()}\n${SECRET}`).digest('base64'),
    ),
    abortSignalTimeout: await time(() => AbortSignal.timeout(10_000)),
    prepare: await time(() => robot.prepare({ msgtype: 'text', text: { content: 'bench message' } })),
    robotSendNoNetwork: await time(() =>
      offline.send({ msgtype: 'text', text: { content: 'bench message' } }),
    ),
    robotSendNoNetworkUnsigned: await time(() =>
      offlineUnsigned.send({ msgtype: 'text', text: { content: 'bench message' } }),
    ),
    floorNoNetwork: await time(async () => {
      const timestamp = Date.now();
      const sign = createHmac('sha256', SECRET).update(`${timestamp}\n${SECRET}`).digest('base64');
      const url = `${webhook}&timestamp=${timestamp}&sign=${encodeURIComponent(sign)}`;
      const body = JSON.stringify({
        msgtype: 'text',
        text: { content: 'bench message' },
        msgUuid: randomUUID(),
      });
      const response = await instantFetch();
      const reply = JSON.parse(await response.text()) as { errcode?: unknown };
      if (reply.errcode !== 0 || url.length + body.length === 0) throw new Error('floor: not ok');
    }),
  };
  await robot.close();
  await offline.close();
  await offlineUnsigned.close();
  return costs;
}

function rotate<T>(items: readonly T[], by: number): T[] {
  const k = by % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

/** Nearest-rank percentile; 0 for no samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return 0;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

/** Arithmetic mean; 0 for no samples. */
export function mean(samples: readonly number[]): number {
  return samples.length === 0 ? 0 : samples.reduce((a, b) => a + b, 0) / samples.length;
}

/** Median, min and max of some values. */
export function spread(values: readonly number[]): RatioSpread {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median =
    sorted.length === 0 ? 0 : sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0] ?? 0, max: sorted.at(-1) ?? 0 };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const at = process.argv.indexOf('--options');
  if (at >= 0) {
    // The child of benchSendOverhead(): its result as JSON on stdout, nothing else.
    process.stdout.write(JSON.stringify(await benchSendOverhead(JSON.parse(process.argv[at + 1] ?? '{}'))));
  } else {
    const [sends, rounds] = process.argv.slice(2).map(Number);
    const result = await benchSendOverhead({ sends: sends || undefined, rounds: rounds || undefined });
    console.log(JSON.stringify(result, null, 2));
  }
}
