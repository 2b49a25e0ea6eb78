/**
 * Smoke versions of the benchmarks: tiny counts, so `npm test` catches a benchmark that no longer
 * runs or returns nonsense. The real runs are `npm run bench`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { benchSendOverhead, percentile, spread } from './send-overhead.js';

/** Loads a benchmark written as its own module; undefined while it has not landed. */
async function load(
  module: string,
  fn: string,
): Promise<((options: object) => Promise<unknown>) | undefined> {
  const url = new URL(module, import.meta.url);
  if (!existsSync(url)) return undefined;
  const mod = (await import(url.href)) as Record<string, unknown>;
  const found = mod[fn];
  assert.equal(typeof found, 'function', `${module} should export ${fn}()`);
  return found as (options: object) => Promise<unknown>;
}

/** Every number in a result, with its dotted path. */
function numbers(value: unknown, path = ''): [string, number][] {
  if (typeof value === 'number') return [[path, value]];
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) => numbers(v, path ? `${path}.${k}` : k));
}

function assertSaneNumbers(result: unknown): void {
  const found = numbers(result);
  assert.ok(found.length > 0, 'the result has numbers');
  for (const [path, n] of found) {
    assert.ok(Number.isFinite(n), `${path} is finite (${n})`);
    assert.ok(n >= 0, `${path} is not negative (${n})`);
  }
}

describe('bench smoke', () => {
  it('percentile and spread', () => {
    assert.equal(percentile([], 50), 0);
    assert.equal(percentile([3, 1, 2], 50), 2);
    assert.equal(percentile([1, 2, 3, 4], 99), 4);
    assert.deepEqual(spread([3, 1, 2, 10]), { median: 2.5, min: 1, max: 10 });
  });

  it('send overhead: every contender sends and is timed', async () => {
    const result = await benchSendOverhead({ sends: 20, rounds: 1, warmup: 2 });
    assert.equal(result.refused, 0);
    for (const contender of [
      result.dingbot,
      result.dingbotFetch,
      result.fetch,
      result.dingtalkRobotSender,
      result.nodeHttp,
    ]) {
      assert.equal(contender.sends, 20);
      assert.ok(contender.p50Ms > 0 && contender.p50Ms <= contender.p99Ms);
      assert.equal(contender.roundP50Ms.length, 1);
    }
    assert.ok(result.ratioP50.dingbot.median > 0);
    assert.ok(result.dingbotP50Over.dingtalkRobotSender.median > 0);
    assert.ok(result.dingbotP50Over.nodeHttp.median > 0);
    assertSaneNumbers(result);
  });

  it('emulator throughput: a second of load, all accepted', async (t) => {
    const bench = await load('./emulator-throughput.ts', 'benchEmulatorThroughput');
    if (!bench) return t.skip('bench/emulator-throughput.ts has not landed');
    const result = (await bench({ durationSec: 1, connections: 4 })) as Record<string, number>;
    assertSaneNumbers(result);
    assert.ok((result['requestsPerSec'] ?? 0) > 0, 'requests per second');
    assert.equal(result['non2xx'], 0);
    assert.equal(result['errors'], 0);
  });

  it('burst: dingbot delivers every message', async (t) => {
    const bench = await load('./burst.ts', 'benchBurst');
    if (!bench) return t.skip('bench/burst.ts has not landed');
    const result = await bench({ messages: 30, limit: 10, windowMs: 300, penaltyMs: 300 });
    assertSaneNumbers(result);
    const lost = numbers(result).filter(([path]) => /dingbot/i.test(path) && /lost/i.test(path));
    assert.ok(lost.length > 0, 'the result reports what dingbot lost');
    for (const [path, n] of lost) assert.equal(n, 0, path);
  });

  it('memory: a small backlog is measured', async (t) => {
    const bench = await load('./memory.ts', 'benchMemory');
    if (!bench) return t.skip('bench/memory.ts has not landed');
    const result = await bench({ messages: 1000 });
    assertSaneNumbers(result);
    assert.ok(
      numbers(result).some(([path, n]) => /rss|resident/i.test(path) && n > 0),
      'reports resident memory',
    );
  });

  it('relay replicas: 1 vs 3 replicas on Redis, a small backlog counted', async (t) => {
    if (spawnSync('redis-server', ['--version']).status !== 0) {
      if (process.env['CI']) assert.fail('redis-server is not installed (apt-get install redis-server)');
      return t.skip('redis-server is not installed');
    }
    const bench = await load('./relay-replicas.ts', 'benchRelayReplicas');
    if (!bench) return t.skip('bench/relay-replicas.ts has not landed');
    const result = (await bench({ secondsPerRound: 0.5, rounds: 1, concurrency: 4, queued: 300 })) as Record<
      string,
      number
    >;
    assertSaneNumbers(result);
    assert.ok((result['onePerSecond'] ?? 0) > 0 && (result['threePerSecond'] ?? 0) > 0);
    assert.equal(result['queued'], 300);
    assert.ok((result['redisKeys'] ?? 0) >= 300, 'the dedupe marks are counted');
  });

  it('CLI start: two rounds', async (t) => {
    const bench = await load('./cli-start.ts', 'benchCliStart');
    if (!bench) return t.skip('bench/cli-start.ts has not landed');
    const result = await bench({ rounds: 2 });
    assertSaneNumbers(result);
  });
});
