/**
 * Relay replicas on Redis: (1) Alertmanager notifications accepted per second by 1 replica and by 3
 * replicas (relay processes sharing one Redis outbox), interleaved rounds in one run, and their ratio;
 * (2) Redis's memory and key count after 100 000 queued alerts, and a replica's resident memory with
 * that backlog.
 *
 * Run: `node --conditions=development --import tsx bench/relay-replicas.ts [seconds-per-round] [rounds] [queued]`.
 * Prints JSON and rewrites the "Relay replicas" section of bench/RESULTS.md (between its markers).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startEmulator } from '@dingbot/emulator';
import { compileRuntime, createRelayApp, parseConfig, RedisOutbox, RelayMetrics } from '@dingbot/relay';
import { Redis } from 'ioredis';

const RELAY_MAIN = new URL('../packages/relay/src/main.ts', import.meta.url).pathname;
const firing = JSON.parse(
  readFileSync(
    new URL('../packages/relay/test/fixtures/alertmanager/alertmanager-firing.json', import.meta.url),
    'utf8',
  ),
);
let serial = 0;
/** A distinct notification each time, so dedupe never short-cuts a store. */
function nextNotification(): Record<string, unknown> {
  const name = `Replica${serial++}`;
  return {
    ...firing,
    groupKey: `{}:{alertname="${name}"}`,
    commonLabels: { ...firing.commonLabels, alertname: name },
    alerts: [
      { ...firing.alerts[0], labels: { ...firing.alerts[0].labels, alertname: name }, fingerprint: name },
    ],
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** A redis-server with AOF (`appendfsync everysec`, the setting the README recommends at least). */
async function startRedis(): Promise<{ url: string; stop: () => Promise<void>; version: string }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bench-replicas-redis-'));
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes'],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  for (;;) {
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false });
    probe.on('error', () => {});
    try {
      await probe.connect();
      await probe.ping();
      probe.disconnect();
      break;
    } catch {
      probe.disconnect();
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const version =
    /v=(\S+)/.exec(spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout)?.[1] ?? '?';
  return {
    url,
    version,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

interface Replica {
  child: ChildProcess;
  url: string;
  stop: () => Promise<void>;
}

/** A relay process on the given config; resolves once it listens (no deadline). */
async function spawnReplica(configPath: string): Promise<Replica> {
  const child = spawn(
    process.execPath,
    ['--conditions=development', '--import', 'tsx', RELAY_MAIN, '--config', configPath, '--port', '0'],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn' } },
  );
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]!);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) =>
      reject(new Error(`a replica exited (${code}) before listening:\n${output}`)),
    );
  });
  // Listening is not ready: posts get 503 until its Redis connection is up, as a load balancer knows.
  while ((await fetch(`${url}/readyz`)).status !== 200) await new Promise((r) => setTimeout(r, 50));
  return {
    child,
    url,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Posts with `concurrency` workers spread over `urls` for `ms`; returns accepted notifications per second. */
async function load(urls: string[], ms: number, concurrency: number): Promise<number> {
  let accepted = 0;
  const end = performance.now() + ms;
  const worker = async (w: number) => {
    const url = urls[w % urls.length]!;
    while (performance.now() < end) {
      const res = await fetch(`${url}/alertmanager`, {
        method: 'POST',
        body: JSON.stringify(nextNotification()),
      });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`answered ${res.status}`);
      accepted++;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  return accepted / ((performance.now() - start) / 1000);
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

/** Options of {@link benchRelayReplicas}. */
export interface RelayReplicasOptions {
  secondsPerRound?: number;
  rounds?: number;
  concurrency?: number;
  /** Alerts queued for the memory and key-count measure. */
  queued?: number;
}

/** Runs both measures; see the module comment. */
export async function benchRelayReplicas(options: RelayReplicasOptions = {}) {
  const secondsPerRound = options.secondsPerRound ?? 3;
  const rounds = options.rounds ?? 3;
  const concurrency = options.concurrency ?? 32;
  const queued = options.queued ?? 100_000;
  const redis = await startRedis();
  // DingTalk's own limit: the senders post a few messages a minute, so the run measures accepting.
  const emulator = await startEmulator({ robots: [{ token: 'bench-token', name: 'ops' }] });
  const dir = mkdtempSync(join(tmpdir(), 'bench-replicas-'));
  const config = (replica: string, prefix: string) => {
    const path = join(dir, `${prefix}-${replica}.yml`);
    writeFileSync(
      path,
      [
        'robots:',
        `  ops: { token: bench-token, baseUrl: "${emulator.url}" }`,
        'outbox:',
        `  redis: { url: "${redis.url}", keyPrefix: "${prefix}:", replica: ${replica} }`,
        'locale: en',
      ].join('\n'),
    );
    return path;
  };
  const replicas: Replica[] = [];
  try {
    for (const name of ['r0', 'r1', 'r2']) replicas.push(await spawnReplica(config(name, 'load')));
    const one = [replicas[0]!.url];
    const three = replicas.map((r) => r.url);
    await load(three, 500, concurrency); // warm-up of every replica
    const rates = { one: [] as number[], three: [] as number[] };
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? (['one', 'three'] as const) : (['three', 'one'] as const);
      for (const side of order) {
        rates[side].push(await load(side === 'one' ? one : three, secondsPerRound * 1000, concurrency));
      }
    }
    for (const replica of replicas.splice(0)) await replica.stop();

    // 100 000 alerts queued: the message a relay stores for each (rendered by the built-in template).
    const { config: relayConfig } = parseConfig(
      `robots:\n  ops: { token: bench-token, baseUrl: "${emulator.url}" }\nlocale: en\n`,
      { env: {} },
    );
    const runtime = compileRuntime(relayConfig, {
      baseDir: '.',
      dedupeWindowMs: 600_000,
      maxBodyBytes: 1 << 20,
    });
    const admin = new Redis(redis.url);
    await admin.call('MEMORY', 'PURGE').catch(() => {});
    const memoryBefore = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))![1]);
    const outbox = new RedisOutbox({ redis: redis.url, keyPrefix: 'backlog:', replica: 'bench' });
    await new Promise<void>((resolve) =>
      outbox.redis.status === 'ready' ? resolve() : outbox.redis.once('ready', () => resolve()),
    );
    // Through the real input (parse, route, render, dedupe key, append), in process: no HTTP.
    const quiet = { info() {}, warn() {}, error() {} };
    const { app } = createRelayApp(runtime, {
      outbox,
      log: quiet,
      metrics: new RelayMetrics({ defaultMetrics: false }),
    });
    for (let i = 0; i < queued; i += 200) {
      await Promise.all(
        Array.from({ length: Math.min(200, queued - i) }, async () => {
          const res = await app.request('/alertmanager', {
            method: 'POST',
            body: JSON.stringify(nextNotification()),
          });
          const answer = (await res.json()) as { status?: string };
          if (answer.status !== 'stored') throw new Error(`not stored: ${JSON.stringify(answer)}`);
        }),
      );
    }
    const memoryAfter = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))![1]);
    const keys = await outbox.keyCount();
    let dedupeKeys = 0;
    let cursor = '0';
    do {
      const [next, found] = await admin.scan(cursor, 'MATCH', `${outbox.base}dedupe:*`, 'COUNT', 1000);
      cursor = next;
      dedupeKeys += found.length;
    } while (cursor !== '0');
    const rowJson = (await admin.hrandfield(`${outbox.base}rows`, 1, 'WITHVALUES')) as string[];
    const messageBytes = rowJson[1] ? (JSON.parse(rowJson[1]) as { message: string }).message.length : 0;
    const depth = (await outbox.depth())['ops']?.queued ?? 0;
    await outbox.close();
    // A replica starting on that backlog: it takes a window of rows into its engine, not all of them.
    const backlogReplica = await spawnReplica(config('r0', 'backlog'));
    replicas.push(backlogReplica);
    let rssBytes = 0;
    for (;;) {
      const robots = (await (await fetch(`${backlogReplica.url}/api/robots`)).json()) as {
        sending: number;
      }[];
      if ((robots[0]?.sending ?? 0) > 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 1000));
    const metrics = await (await fetch(`${backlogReplica.url}/metrics`)).text();
    rssBytes = Number(/^process_resident_memory_bytes (\d+(?:\.\d+)?(?:e\+\d+)?)/m.exec(metrics)?.[1] ?? 0);
    admin.disconnect();
    return {
      concurrency,
      secondsPerRound,
      rounds,
      redisVersion: redis.version,
      onePerSecond: median(rates.one),
      threePerSecond: median(rates.three),
      ratio: median(rates.three) / median(rates.one),
      oneRates: rates.one,
      threeRates: rates.three,
      queued: depth,
      redisMemoryMb: (memoryAfter - memoryBefore) / 1e6,
      redisBytesPerAlert: (memoryAfter - memoryBefore) / queued,
      messageBytes,
      redisKeys: keys,
      dedupeKeys,
      replicaRssMb: rssBytes / 1e6,
    };
  } finally {
    for (const replica of replicas) await replica.stop();
    await emulator.close();
    await redis.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const load1 = loadavg()[0]!;
  const result = await benchRelayReplicas({
    secondsPerRound: Number(process.argv[2] ?? 3),
    rounds: Number(process.argv[3] ?? 3),
    queued: Number(process.argv[4] ?? 100_000),
  });
  console.log(JSON.stringify(result, null, 2));
  const f = (n: number) => n.toFixed(0);
  const section = [
    '<!-- relay-replicas:start -->',
    '## Relay replicas on Redis (`bench/relay-replicas.ts`)',
    '',
    `Run ${new Date().toISOString()} on ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}, redis ${result.redisVersion} (AOF, appendfsync everysec), load ${load1.toFixed(2)} → ${loadavg()[0]!.toFixed(2)} (shared machine: read the ratio).`,
    `${result.concurrency} concurrent posters in the bench process, distinct Alertmanager notifications, relay processes sharing one Redis outbox; ${result.rounds} interleaved rounds of ${result.secondsPerRound} s per side; medians.`,
    '',
    '| replicas | accepted / s (median) | rounds |',
    '|---|---|---|',
    `| 1 (every post to one replica) | ${f(result.onePerSecond)} | ${result.oneRates.map(f).join(', ')} |`,
    `| 3 (posts spread over three) | ${f(result.threePerSecond)} | ${result.threeRates.map(f).join(', ')} |`,
    '',
    `Ratio 3 / 1: **${result.ratio.toFixed(2)}**. ${
      result.ratio >= 1
        ? 'Accepting does not serialise on the shared Redis (each append is one Lua script; concurrent ones are pipelined).'
        : `Three replicas accept less than one here: the load generator, three node processes and Redis compete for the ${cpus().length} cores of this shared machine, so each added process takes CPU from the others.`
    } The ratio says nothing about replicas on separate machines, where each brings its own CPU and Redis runs one short script per alert.`,
    '',
    `Backlog: ${result.queued.toLocaleString('en')} alerts queued (each stored as a ${result.messageBytes}-byte rendered markdown message, with its dedupe mark): Redis memory +${result.redisMemoryMb.toFixed(1)} MB (${f(result.redisBytesPerAlert)} bytes per alert), **${result.redisKeys.toLocaleString('en')} Redis keys** under the prefix: ${result.dedupeKeys.toLocaleString('en')} of them are the inbound dedupe marks (one \`SET NX PX\` key per notification, gone when the dedupe window ends), the rest (${(result.redisKeys - result.dedupeKeys).toLocaleString('en')}) hold the queue itself (the rows live in one hash and the robot's stream, whatever their number). A replica started on that backlog takes one window of rows into its engine: resident memory ${result.replicaRssMb.toFixed(0)} MB.`,
    '<!-- relay-replicas:end -->',
  ].join('\n');
  const resultsPath = new URL('./RESULTS.md', import.meta.url);
  const current = readFileSync(resultsPath, 'utf8');
  const marker = /<!-- relay-replicas:start -->[\s\S]*<!-- relay-replicas:end -->/;
  writeFileSync(
    resultsPath,
    marker.test(current) ? current.replace(marker, section) : `${current.trimEnd()}\n\n${section}\n`,
  );
  process.exit(0);
}
