/**
 * CLI start: how long `dingbot --help` and `dingbot send text …` take as child processes, next to
 * `node -e 0` (the floor for any Node CLI) and the `curl` command of DingTalk's guide (the seed), all
 * against one emulator on loopback, and next to a script that does nothing but one `node:http` POST
 * (`bench/fixtures/one-post.cjs`): the part of a send no CLI on Node can avoid. Rounds are
 * interleaved in rotating order so a noisy neighbour hurts every contender alike; each contender's
 * wall-clock times give a median and a spread.
 *
 * Uses the BUILT CLI through its installed launcher (`packages/cli/bin/dingbot.cjs`, which answers `--help`
 * itself and runs the rest from `dist/dingbot.cjs`, the CLI and the SDK bundled into one file, through
 * a V8 code cache its first run writes), as users run it: build first with `npm run build`. The
 * warm-up rounds include that first run.
 * Run alone: `node --conditions=development --import tsx bench/cli-start.ts [rounds]` (prints JSON).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startEmulator } from '@dingbot/emulator';

/** Options of {@link benchCliStart}. */
export interface CliStartOptions {
  /**
   * Measured rounds; each runs every contender once.
   * @default 15
   */
  rounds?: number;
  /**
   * Unmeasured rounds first (disk cache, JIT of the emulator).
   * @default 2
   */
  warmup?: number;
}

/** Wall-clock milliseconds of one contender's starts. */
export interface StartTimes {
  command: string;
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** Interquartile range. */
  p25Ms: number;
  p75Ms: number;
  runs: number;
}

/** What {@link benchCliStart} measures. */
export interface CliStartResult {
  rounds: number;
  node: StartTimes;
  help: StartTimes;
  send: StartTimes;
  /** The same send through the unbundled ES module CLI (`dist/bin.js`): what the bundle saves. */
  sendUnbundled: StartTimes;
  /** One bare `node:http` POST of a text message (`bench/fixtures/one-post.cjs`): the floor of a send. */
  nodeHttp: StartTimes;
  /** `undefined` when curl is not installed. */
  curl: StartTimes | undefined;
  /** median(`dingbot --help`) / median(`node -e 0`); the target is ≤ 1.5. */
  helpRatio: number;
  /** The same ratio per round: its spread. */
  helpRatioRange: [number, number];
  /** median(`dingbot send text`) / median(`node -e 0`); the target is ≤ 2. */
  sendRatio: number;
  /** median(send through `dist/bin.js`) / median(`node -e 0`): the ratio before bundling. */
  sendUnbundledRatio: number;
  /** median(one bare node:http POST) / median(`node -e 0`): how much of the send budget Node itself takes. */
  nodeHttpRatio: number;
  /** median(`dingbot send text`) / median(`curl`), when curl is installed. */
  sendVsCurl: number | undefined;
}

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const BIN = fileURLToPath(new URL('../packages/cli/bin/dingbot.cjs', import.meta.url));
const ESM_BIN = fileURLToPath(new URL('../packages/cli/dist/bin.js', import.meta.url));
const ONE_POST = fileURLToPath(new URL('./fixtures/one-post.cjs', import.meta.url));
const TOKEN = 'bench-cli-start-token';
const SEED_BODY = '{"msgtype": "text","text": {"content": "我就是我, 是不一样的烟火"}}';

/** Runs each contender `rounds` times, interleaved, and compares their start-up times. */
export async function benchCliStart({
  rounds = 15,
  warmup = 2,
}: CliStartOptions = {}): Promise<CliStartResult> {
  for (const dist of [
    'packages/cli/dist/dingbot.cjs',
    'packages/sdk/dist/index.js',
    'packages/emulator/dist/index.js',
  ]) {
    if (!existsSync(new URL(`../${dist}`, import.meta.url))) {
      throw new Error(`bench/cli-start: ${dist} is missing: run "npm run build" first`);
    }
  }
  const emulator = await startEmulator({ robots: [{ token: TOKEN }], rateLimit: false });
  const webhook = emulator.webhookUrl(TOKEN);
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NO_COLOR: '1' };
  const hasCurl = await run(['curl', '--version'], env).then(
    () => true,
    () => false,
  );
  const contenders: Record<string, string[]> = {
    node: [process.execPath, '-e', '0'],
    help: [process.execPath, BIN, '--help'],
    send: [process.execPath, BIN, 'send', 'text', 'bench: cli start', '--webhook', webhook, '--quiet'],
    sendUnbundled: [
      process.execPath,
      ESM_BIN,
      'send',
      'text',
      'bench: unbundled',
      '--webhook',
      webhook,
      '--quiet',
    ],
    nodeHttp: [process.execPath, ONE_POST, webhook],
  };
  if (hasCurl) {
    contenders.curl = [
      'curl',
      '-sS',
      '--fail',
      webhook,
      '-H',
      'Content-Type: application/json',
      '-d',
      SEED_BODY,
    ];
  }
  const names = Object.keys(contenders);
  const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  const ratios: number[] = [];
  try {
    for (let round = 0; round < warmup + rounds; round++) {
      const order = names.map((_, i) => names[(i + round) % names.length]!);
      const roundTimes: Record<string, number> = {};
      for (const name of order) roundTimes[name] = await run(contenders[name]!, env);
      if (round < warmup) continue;
      for (const name of names) times[name]!.push(roundTimes[name]!);
      ratios.push(roundTimes.help! / roundTimes.node!);
    }
    const delivered = emulator.messages().length;
    if (delivered < (warmup + rounds) * (hasCurl ? 4 : 3)) {
      throw new Error(`bench/cli-start: only ${delivered} messages reached the emulator`);
    }
  } finally {
    await emulator.close();
  }
  const stats = (name: string): StartTimes => summarize(contenders[name]!, times[name]!);
  const node = stats('node');
  const help = stats('help');
  const send = stats('send');
  const sendUnbundled = stats('sendUnbundled');
  const nodeHttp = stats('nodeHttp');
  const curl = hasCurl ? stats('curl') : undefined;
  return {
    rounds,
    node,
    help,
    send,
    sendUnbundled,
    nodeHttp,
    curl,
    helpRatio: round2(help.medianMs / node.medianMs),
    helpRatioRange: [round2(Math.min(...ratios)), round2(Math.max(...ratios))],
    sendRatio: round2(send.medianMs / node.medianMs),
    sendUnbundledRatio: round2(sendUnbundled.medianMs / node.medianMs),
    nodeHttpRatio: round2(nodeHttp.medianMs / node.medianMs),
    sendVsCurl: curl ? round2(send.medianMs / curl.medianMs) : undefined,
  };
}

/** Spawns a command, resolves with its wall-clock milliseconds; rejects unless it exits with 0. */
function run(argv: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(argv[0]!, argv.slice(1), { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.once('error', reject);
    child.once('close', (code) => {
      const ms = performance.now() - started;
      if (code === 0) resolve(ms);
      else reject(new Error(`bench/cli-start: ${argv.slice(0, 3).join(' ')} exited with ${code}: ${stderr}`));
    });
  });
}

function summarize(argv: string[], values: number[]): StartTimes {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => {
    const i = (sorted.length - 1) * q;
    const lo = Math.floor(i);
    const hi = Math.ceil(i);
    return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (i - lo);
  };
  const shown = argv.map((a) =>
    a === process.execPath ? 'node' : a.startsWith(ROOT) ? a.slice(ROOT.length) : a,
  );
  return {
    command: shown.join(' ').replace(/access_token=[^ ]+/, 'access_token=…'),
    medianMs: round2(at(0.5)),
    minMs: round2(sorted[0]!),
    maxMs: round2(sorted[sorted.length - 1]!),
    p25Ms: round2(at(0.25)),
    p75Ms: round2(at(0.75)),
    runs: sorted.length,
  };
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rounds = process.argv[2] ? Number(process.argv[2]) : undefined;
  console.log(JSON.stringify(await benchCliStart(rounds ? { rounds } : {}), null, 2));
}
