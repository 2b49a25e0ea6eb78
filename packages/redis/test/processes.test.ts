import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '@dingbot/emulator';
import { maxInWindow } from '../../sdk/test/helpers/window.js';
import { redisSkipReason, startRedis, type TestRedis } from './fixtures/redis-server.js';

const skip = redisSkipReason();
const SENDER = fileURLToPath(new URL('./fixtures/sender.ts', import.meta.url));
const LIMIT = 20;
const WINDOW = 2000;
// The robots pace at half the emulator's rate: a send can stall between taking its slot in Redis and
// reaching the emulator (a loaded machine pauses a process for hundreds of ms), and DingTalk counts
// arrivals. Four unshared robots would still send 4 × 20 per window and be throttled.
const ROBOT_WINDOW = 2 * WINDOW;
const PROCESSES = 4;
const COUNT = 60;

function run(env: Record<string, string>): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', SENDER], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

describe('four processes share one robot through Redis', { skip }, () => {
  let redis: TestRedis;
  let emulator: Awaited<ReturnType<typeof startEmulator>>;
  before(async () => {
    redis = await startRedis();
    emulator = await startEmulator({
      port: 0,
      rateLimit: { limit: LIMIT, windowMs: WINDOW },
      penaltyMs: 3000,
      robots: [{ token: 'shared-robot', name: 'shared' }],
    });
  });
  after(async () => {
    await emulator?.close();
    await redis?.stop();
  });

  it('never more than the limit in any window, nothing lost', { timeout: 120_000 }, async () => {
    const runs = await Promise.all(
      Array.from({ length: PROCESSES }, (_, p) =>
        run({
          EMULATOR_URL: emulator.url,
          TOKEN: 'shared-robot',
          REDIS_URL: redis.url,
          SENDER: `p${p}`,
          COUNT: String(COUNT),
          LIMIT: String(LIMIT),
          WINDOW_MS: String(ROBOT_WINDOW),
        }),
      ),
    );
    for (const r of runs) assert.equal(r.code, 0, r.err);
    const reports = runs.map(
      (r) => JSON.parse(r.out) as { rejected: string[]; stats: { delivered: number } },
    );
    for (const report of reports) {
      assert.deepEqual(report.rejected, []);
      assert.equal(report.stats.delivered, COUNT);
    }
    const records = emulator.messages({ robot: 'shared' });
    assert.deepEqual(
      emulator.attempts({ robot: 'shared' }).map((a) => a.errcode),
      [],
      'no send was refused',
    );
    // Enough sends that an unshared limiter (4 × 20 per window) would have been throttled.
    assert.ok(records.length > LIMIT * 2, `${records.length} sends`);
    assert.ok(
      maxInWindow(
        records.map((r) => r.receivedAt),
        WINDOW,
      ) <= LIMIT,
    );
    const all = records
      .map((r) => r.payload as { text?: { content: string }; markdown?: { text: string } })
      .map((p) => p.text?.content ?? p.markdown?.text ?? '')
      .join('\n');
    for (let p = 0; p < PROCESSES; p++) {
      for (let i = 0; i < COUNT; i++) assert.ok(all.includes(`from p${p} #${i}#`), `p${p} #${i} lost`);
    }
  });
});
