/**
 * The relay: (1) Alertmanager notifications accepted per second with the durable outbox (SQLite WAL,
 * synchronous=FULL, group commit) versus the same app whose outbox stores nothing, interleaved in one
 * run; (2) the time from an alert's arrival at an idle relay to its message in the emulator.
 *
 * Run: `node --conditions=development --import tsx bench/relay.ts [seconds-per-round] [rounds]`.
 * Prints JSON and rewrites the "Relay" section of bench/RESULTS.md (between its markers).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startEmulator } from '@dingbot/emulator';
import {
  compileRuntime,
  createRelayApp,
  type Outbox,
  parseConfig,
  RelayMetrics,
  SqliteOutbox,
  startRelay,
} from '@dingbot/relay';
import { serve } from '@hono/node-server';

const quiet = { info() {}, warn() {}, error() {} };
const firing = JSON.parse(
  readFileSync(
    new URL('../packages/relay/test/fixtures/alertmanager/alertmanager-firing.json', import.meta.url),
    'utf8',
  ),
);
let serial = 0;
/** A distinct notification each time, so dedupe never short-cuts a store. */
function nextBody(): string {
  const name = `Bench${serial++}`;
  return JSON.stringify({
    ...firing,
    groupKey: `{}:{alertname="${name}"}`,
    commonLabels: { ...firing.commonLabels, alertname: name },
    alerts: [
      { ...firing.alerts[0], labels: { ...firing.alerts[0].labels, alertname: name }, fingerprint: name },
    ],
  });
}

/** An outbox that stores nothing: the same endpoint minus durability. */
function nullOutbox(): Outbox {
  let id = 0;
  const none = async () => undefined;
  return {
    append: async (r) => ({ ids: r.messages.map(() => ++id), duplicate: false }),
    claim: async () => [],
    markDelivered: none,
    markDead: none,
    retryLater: none,
    resetSending: async () => 0,
    replay: async () => 0,
    dead: async () => [],
    recent: async () => [],
    get: async () => undefined,
    depth: async () => ({}),
    recordSend: none,
    confirmSend: none,
    failSend: none,
    pendingSends: async () => [],
    writable: async () => true,
    close: none,
  };
}

async function serveWith(outbox: Outbox): Promise<{ url: string; close: () => Promise<void> }> {
  const { config } = parseConfig(
    'robots:\n  ops: { webhook: "http://127.0.0.1:9/robot/send?access_token=x" }\nlocale: en\n',
    {
      env: {},
    },
  );
  const runtime = compileRuntime(config, { baseDir: '.', dedupeWindowMs: 600_000, maxBodyBytes: 1 << 20 });
  const { app } = createRelayApp(runtime, {
    outbox,
    log: quiet,
    metrics: new RelayMetrics({ defaultMetrics: false }),
  });
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s as Server));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Posts with `concurrency` workers for `ms`; returns accepted notifications per second. */
async function load(url: string, ms: number, concurrency: number): Promise<number> {
  let accepted = 0;
  const end = performance.now() + ms;
  const worker = async () => {
    while (performance.now() < end) {
      const res = await fetch(`${url}/alertmanager`, { method: 'POST', body: nextBody() });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`answered ${res.status}`);
      accepted++;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return accepted / ((performance.now() - start) / 1000);
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

export async function benchRelay(secondsPerRound = 3, rounds = 3, concurrency = 32) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-relay-'));
  const sqlite = new SqliteOutbox({ path: join(dir, 'relay.db') });
  const durable = await serveWith(sqlite);
  const none = await serveWith(nullOutbox());
  await load(durable.url, 500, concurrency); // warm-up
  await load(none.url, 500, concurrency);
  const commitsBefore = sqlite.commits;
  let stored = 0;
  const rates = { durable: [] as number[], none: [] as number[] };
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? (['durable', 'none'] as const) : (['none', 'durable'] as const);
    for (const side of order) {
      const rate = await load(
        side === 'durable' ? durable.url : none.url,
        secondsPerRound * 1000,
        concurrency,
      );
      rates[side].push(rate);
      if (side === 'durable') stored += Math.round(rate * secondsPerRound);
    }
  }
  const commits = sqlite.commits - commitsBefore;
  await durable.close();
  await none.close();
  await sqlite.close();

  // Arrival → emulator for an idle robot.
  const emulator = await startEmulator({ robots: [{ token: 'bench-token', name: 'ops' }], rateLimit: false });
  const configPath = join(dir, 'relay.yml');
  writeFileSync(
    configPath,
    `robots:\n  ops: { token: bench-token, baseUrl: "${emulator.url}", rateLimit: false }\noutbox: { sqlite: { path: ${join(dir, 'latency.db')} } }\nlocale: en\n`,
  );
  const relay = await startRelay({ configPath, port: 0, log: quiet });
  const latencies: number[] = [];
  for (let i = 0; i < 20; i++) {
    const before = emulator.messages().length;
    const start = performance.now();
    const res = await fetch(`${relay.url}/alertmanager`, { method: 'POST', body: nextBody() });
    await res.arrayBuffer();
    while (emulator.messages().length === before) await new Promise((r) => setImmediate(r));
    latencies.push(performance.now() - start);
    await new Promise((r) => setTimeout(r, 50));
  }
  await relay.close();
  await emulator.close();
  return {
    concurrency,
    secondsPerRound,
    rounds,
    durablePerSecond: median(rates.durable),
    nonePerSecond: median(rates.none),
    ratio: median(rates.durable) / median(rates.none),
    durableRates: rates.durable,
    noneRates: rates.none,
    requestsPerCommit: commits > 0 ? stored / commits : 0,
    latencyMs: { p50: median(latencies), max: Math.max(...latencies), samples: latencies.length },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const load1 = loadavg()[0]!;
  const result = await benchRelay(Number(process.argv[2] ?? 3), Number(process.argv[3] ?? 3));
  console.log(JSON.stringify(result, null, 2));
  const f = (n: number) => n.toFixed(0);
  const section = [
    '<!-- relay:start -->',
    '## Relay (`bench/relay.ts`)',
    '',
    `Run ${new Date().toISOString()} on ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}, load ${load1.toFixed(2)} → ${loadavg()[0]!.toFixed(2)} (shared machine: read the ratio).`,
    `${result.concurrency} concurrent posters, Alertmanager notifications (each distinct, so dedupe never short-cuts), ${result.rounds} interleaved rounds of ${result.secondsPerRound} s per side; medians.`,
    '',
    '| endpoint | accepted / s (median) | rounds |',
    '|---|---|---|',
    `| durable: SQLite WAL, synchronous=FULL, group commit | ${f(result.durablePerSecond)} | ${result.durableRates.map(f).join(', ')} |`,
    `| same endpoint, outbox stores nothing | ${f(result.nonePerSecond)} | ${result.noneRates.map(f).join(', ')} |`,
    '',
    `Ratio durable / nothing: **${result.ratio.toFixed(2)}**. Requests per fsync'd transaction (group commit): ${result.requestsPerCommit.toFixed(1)}.`,
    '',
    `Arrival → content in the emulator, idle robot (pacing off, ${result.latencyMs.samples} alerts one by one): p50 ${result.latencyMs.p50.toFixed(1)} ms, max ${result.latencyMs.max.toFixed(1)} ms.`,
    '<!-- relay:end -->',
  ].join('\n');
  const resultsPath = new URL('./RESULTS.md', import.meta.url);
  const current = readFileSync(resultsPath, 'utf8');
  const replaced = /<!-- relay:start -->[\s\S]*<!-- relay:end -->/.test(current)
    ? current.replace(/<!-- relay:start -->[\s\S]*<!-- relay:end -->/, section)
    : `${current.trimEnd()}\n\n${section}\n`;
  writeFileSync(resultsPath, replaced);
  process.exit(0);
}
