import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { RedisStore } from '../src/index.js';
import { freePort, redisSkipReason } from './fixtures/redis-server.js';

const skip = redisSkipReason();

/** A redis-server on a fixed port, so the test can stop it and start it again at the same address. */
async function serve(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  let exited: number | null | undefined;
  child.once('exit', (code) => {
    exited = code;
  });
  // No deadline: a loaded machine may start it slowly; one that cannot start exits.
  for (;;) {
    const probe = new Redis(port, '127.0.0.1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
    });
    probe.on('error', () => {});
    try {
      await probe.connect();
      await probe.ping();
      probe.disconnect();
      return child;
    } catch (error) {
      probe.disconnect();
      if (exited !== undefined) throw new Error(`redis-server exited with ${exited}`, { cause: error });
      await new Promise((r) => setTimeout(r, 30));
    }
  }
}

const stop = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });

describe('RedisStore review: outage and recovery', { skip }, () => {
  const cleanup: (() => Promise<void>)[] = [];
  after(async () => {
    for (const c of cleanup) await c();
  });

  it('sends made on the fallback during an outage still count in the window once Redis is back', async () => {
    const port = await freePort();
    const told: string[] = [];
    const store = new RedisStore({
      redis: { port, host: '127.0.0.1', retryStrategy: () => 20 },
      timeoutMs: 200,
      // This test is about what recovery counts, not when: Redis is tried again at once.
      fallbackHoldMs: 0,
      onFallback: () => told.push('fallback'),
      onRecover: () => told.push('recover'),
    });
    cleanup.push(() => store.close());
    const key = 'outage';
    const send = async () => {
      const slot = await store.acquire(key, 3, 4000);
      if (slot.ok) await store.settle(key, slot.ticket);
      return slot.ok;
    };
    // Redis is away: three sends go through the local fallback.
    assert.deepEqual([await send(), await send(), await send()], [true, true, true]);
    assert.equal(store.degraded, true);
    const server = await serve(port);
    cleanup.push(() => stop(server));
    // Wait (on another key) until the store answers from Redis again.
    while (store.degraded) {
      await store.acquire('probe', 100, 1000);
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(store.degraded, false, 'never recovered');
    assert.deepEqual(told, ['fallback', 'recover']);
    // Three sends already went within the 4 s window: Redis must not allow a fourth.
    const fourth = await store.acquire(key, 3, 4000);
    assert.equal(fourth.ok, false, 'Redis allowed a fourth send within the window after the outage');
    assert.ok(!fourth.ok && fourth.reason === 'rate' && fourth.retryInMs > 3000);
  });
});
