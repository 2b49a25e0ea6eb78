/**
 * Emulator throughput: how many valid text sends per second `/robot/send` answers on loopback.
 *
 * Starts the emulator (open mode, rate limit off), runs a bounded autocannon load of one text
 * message, closes everything and returns the numbers.
 *
 * Run alone: `node --conditions=development --import tsx bench/emulator-throughput.ts [seconds] [connections]`
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { startEmulator } from '@dingbot/emulator';

/** Options of {@link benchEmulatorThroughput}. */
export interface EmulatorThroughputOptions {
  /**
   * How long the load runs, in seconds.
   * @default 5
   */
  durationSec?: number;
  /**
   * Concurrent keep-alive connections.
   * @default 20
   */
  connections?: number;
}

/** What one run measured. */
export interface EmulatorThroughputResult {
  requestsPerSec: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** Responses with an HTTP status outside 2xx. */
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
  /** Requests answered in the run. */
  total: number;
}

/** The part of autocannon's API this bench uses (the package ships no types). */
interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Autocannon = (options: {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: string;
  connections: number;
  duration: number;
  timeout: number;
}) => Promise<AutocannonResult>;

const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

/**
 * Measures the emulator's `/robot/send` throughput.
 *
 * @example
 * ```ts
 * const { requestsPerSec } = await benchEmulatorThroughput({ durationSec: 3 });
 * ```
 */
export async function benchEmulatorThroughput({
  durationSec = 5,
  connections = 20,
}: EmulatorThroughputOptions = {}): Promise<EmulatorThroughputResult> {
  const emulator = await startEmulator({ port: 0, rateLimit: false });
  try {
    const result = await autocannon({
      url: emulator.webhookUrl('bench-token'),
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        msgtype: 'text',
        text: { content: '监控报警: disk usage 91% on db-1 @13800000000' },
      }),
      connections,
      duration: durationSec,
      timeout: 10,
    });
    // DingTalk answers refusals with HTTP 200 too: make sure the load was accepted, not refused.
    const refused = emulator.attempts({ limit: 1 })[0];
    if (refused)
      throw new Error(`emulator-throughput: sends were refused: ${refused.errcode} ${refused.errmsg}`);
    if (result.requests.total > 0 && emulator.messages({ limit: 1 }).length === 0) {
      throw new Error('emulator-throughput: the emulator recorded no message');
    }
    return {
      requestsPerSec: Math.round(result.requests.average),
      latencyP50Ms: result.latency.p50,
      latencyP99Ms: result.latency.p99,
      non2xx: result.non2xx,
      errors: result.errors + result.timeouts,
      total: result.requests.total,
    };
  } finally {
    await emulator.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [seconds, connections] = process.argv.slice(2).map(Number);
  const result = await benchEmulatorThroughput({
    ...(seconds ? { durationSec: seconds } : {}),
    ...(connections ? { connections } : {}),
  });
  console.log(JSON.stringify(result, null, 2));
}
