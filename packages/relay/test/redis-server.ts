import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, redisSkipReason } from '../../redis/test/fixtures/redis-server.js';

export { redisSkipReason };

/** A `redis-server` of one test file, in a temp dir, that can be killed and started again on its port. */
export interface RelayTestRedis {
  port: number;
  url: string;
  /** Kills it (SIGKILL: no shutdown save) and resolves once it is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port and dir (its AOF, if on, is loaded) and resolves once it answers. */
  start(): Promise<void>;
  /** Stops it for good. */
  stop(): Promise<void>;
}

/**
 * Starts `redis-server` on a free loopback port in a temp dir. With `appendonly`, every write is
 * fsync'd to the AOF before Redis answers (`appendfsync always`), so a SIGKILL loses nothing answered.
 * No deadline: a slow start is waited for; a server that exits is reported.
 */
export async function startRelayRedis(options: { appendonly?: boolean } = {}): Promise<RelayTestRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'relay-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''];
  args.push(
    ...(options.appendonly ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']),
  );
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const start = async () => {
    const current = spawn('redis-server', args, { stdio: 'ignore' });
    child = current;
    let code: number | null | undefined;
    exited = new Promise((resolve) =>
      current.once('exit', (c) => {
        code = c;
        resolve();
      }),
    );
    for (;;) {
      const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false });
      probe.on('error', () => {});
      try {
        await probe.connect();
        // Loading the AOF answers LOADING: not ready yet.
        await probe.ping();
        probe.disconnect();
        return;
      } catch (error) {
        probe.disconnect();
        if (code !== undefined) throw new Error(`redis-server exited with ${code}`, { cause: error });
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };
  const kill = async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  await start();
  return { port, url, kill, start, stop: kill };
}
