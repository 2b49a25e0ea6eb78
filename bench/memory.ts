/**
 * Memory under backlog: resident memory with `messages` messages queued behind a throttled robot, and
 * what one queued message costs. Measured in a child process started with `--expose-gc`, so garbage
 * from earlier work does not blur the numbers.
 *
 * Run directly: `node --conditions=development --import tsx bench/memory.ts` prints JSON.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { MemoryStore, Robot, robotKey } from '@dingbot/sdk';

/** The result of {@link benchMemory}. */
export interface MemoryResult {
  messages: number;
  /** Resident set size before queueing, in MB. */
  rssBeforeMb: number;
  /** Resident set size with every message queued, in MB. */
  rssQueuedMb: number;
  /** JS heap used by the backlog, in MB. */
  heapQueuedMb: number;
  /** Heap bytes one queued message costs (its message object, queue entry and pending promise). */
  bytesPerMessage: number;
  /** Queue slots used (with `maxQueue` ≥ messages, one per message). */
  slots: number;
  /** Milliseconds `send()` took per message, on average. */
  sendMicros: number;
}

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

async function measure(messages: number): Promise<MemoryResult> {
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
  const token = 'memory-bench';
  const store = new MemoryStore();
  await store.penalize(robotKey(token), 3_600_000);
  const robot = new Robot({
    accessToken: token,
    baseUrl: 'http://127.0.0.1:9',
    store,
    maxQueue: messages + 1,
    keepAlive: false,
  });
  gc();
  gc();
  const before = process.memoryUsage();
  const pending: Promise<unknown>[] = new Array(messages);
  const t0 = performance.now();
  for (let i = 0; i < messages; i++) {
    pending[i] = robot.text(`alert #${i}: CPU 97% on web-${i % 13}, load 12.4`).catch(() => {});
  }
  const sendMicros = ((performance.now() - t0) * 1000) / messages;
  gc();
  gc();
  const after = process.memoryUsage();
  const slots = robot.stats().slots;
  robot.abort();
  await Promise.all(pending);
  // The caller's array of promises is part of what a caller pays, but not of the queue: count it out.
  const heap = after.heapUsed - before.heapUsed;
  return {
    messages,
    rssBeforeMb: mb(before.rss),
    rssQueuedMb: mb(after.rss),
    heapQueuedMb: mb(heap),
    bytesPerMessage: Math.round(heap / messages),
    slots,
    sendMicros: Math.round(sendMicros * 10) / 10,
  };
}

/**
 * Queues `messages` messages behind a throttled robot and measures memory, in a fresh child process.
 * @example await benchMemory({ messages: 100_000 })
 */
export async function benchMemory({ messages = 100_000 } = {}): Promise<MemoryResult> {
  const self = fileURLToPath(import.meta.url);
  const out = execFileSync(
    process.execPath,
    ['--expose-gc', '--conditions=development', '--import', 'tsx', self, '--child', String(messages)],
    { encoding: 'utf8', timeout: 110_000, maxBuffer: 1024 * 1024 },
  );
  return JSON.parse(out.trim().split('\n').at(-1)!) as MemoryResult;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const at = process.argv.indexOf('--child');
  if (at >= 0) {
    process.stdout.write(`${JSON.stringify(await measure(Number(process.argv[at + 1])))}\n`);
  } else {
    console.log(JSON.stringify(await benchMemory(), null, 2));
  }
}
