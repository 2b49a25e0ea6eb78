import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import type { FetchLike } from '@dingbot/sdk';
import { serve } from '@hono/node-server';
import { type LoadedConfig, loadConfig } from '../config/load.js';
import { relayDefaults } from '../config/schema.js';
import { createLogger } from '../ops/log.js';
import { RelayMetrics } from '../ops/metrics.js';
import { SqliteLimiterStore } from '../outbox/limiter.js';
import { SqliteOutbox } from '../outbox/sqlite.js';
import { type Logger, RobotSender, type SenderTarget } from '../sender/sender.js';
import { createRelayApp, type RelayApp } from './app.js';
import { compileRuntime, senderTargets } from './runtime.js';

/** Options of {@link startRelay}. */
export interface StartRelayOptions {
  /** The config file (relay.yml or a prometheus-webhook-dingtalk config). */
  configPath: string;
  /** Overrides `listen.host`. */
  host?: string;
  /** Overrides `listen.port` (0 picks a free port). */
  port?: number;
  /** Posts nothing to DingTalk: logs what it would send (the outbox is kept in memory). */
  dryRun?: boolean;
  /** The environment `${ENV}` references read. @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
  /** The logger. @default pino on stderr, secrets redacted */
  log?: Logger;
  /** Replaces `fetch` towards DingTalk (tests). */
  fetch?: FetchLike;
  /** Extra SDK robot options (tests: `{ retry: 'fast' }`). */
  robotOptions?: Record<string, unknown>;
}

/** A running relay. */
export interface RunningRelay {
  /** `http://host:port` */
  readonly url: string;
  readonly port: number;
  readonly relay: RelayApp;
  /** Re-reads the config file; a bad one is refused and the running one stays. */
  reload(): Promise<{ ok: true } | { ok: false; error: string }>;
  /**
   * Graceful stop: new posts get 503, the send under way finishes, everything else stays in the
   * outbox for the next start.
   */
  close(): Promise<void>;
}

/**
 * Loads the config, opens the outbox, starts a sender per robot and serves the app.
 * @example
 * const relay = await startRelay({ configPath: 'relay.yml' });
 * process.on('SIGTERM', () => relay.close());
 */
export async function startRelay(options: StartRelayOptions): Promise<RunningRelay> {
  const env = options.env ?? process.env;
  const log = options.log ?? createLogger();
  const load = () => loadConfig(options.configPath, { env });
  let loaded: LoadedConfig = load();
  for (const warning of loaded.warnings) log.warn({ config: options.configPath }, warning);
  const baseDir = dirname(resolve(options.configPath));
  const build = (l: LoadedConfig) =>
    compileRuntime(l.config, {
      baseDir,
      dedupeWindowMs: relayDefaults.dedupeWindowMs,
      maxBodyBytes: relayDefaults.maxBodyBytes,
    });
  const runtime = build(loaded);
  const outbox = new SqliteOutbox({ path: options.dryRun ? ':memory:' : loaded.config.outbox.sqlite.path });
  const store = new SqliteLimiterStore(outbox.db);
  const metrics = new RelayMetrics();
  const dryFetch: FetchLike = async (_url, init) => {
    log.info({ body: JSON.parse(init.body) }, 'dry run: would post');
    return { status: 200, text: async () => '{"errcode":0,"errmsg":"ok"}' };
  };
  const fetchImpl = options.dryRun ? dryFetch : options.fetch;

  const senders = new Map<string, { sender: RobotSender; signature: string }>();
  const makeSender = (target: SenderTarget) =>
    new RobotSender({
      target,
      outbox,
      store,
      log,
      ...(fetchImpl ? { fetch: fetchImpl } : {}),
      ...(options.robotOptions ? { robotOptions: options.robotOptions } : {}),
      events: {
        sent: (robot, kind) => {
          metrics.sends.inc({ robot, result: 'ok', errcode: '0' });
          if (kind === 'digest') metrics.digests.inc({ robot });
        },
        failed: (robot, error) =>
          metrics.sends.inc({
            robot,
            result: 'failed',
            errcode: String((error as { errcode?: number }).errcode ?? 'none'),
          }),
        throttled: (robot) => metrics.throttles.inc({ robot }),
        dead: (robot, count, errcode) =>
          metrics.deadLetters.inc({ robot, errcode: String(errcode ?? 'none') }, count),
      },
    });
  /** Starts senders for new or changed robots, stops those of removed or changed ones. */
  const syncSenders = async (targets: SenderTarget[]) => {
    const wanted = new Map(targets.map((t) => [t.name, t]));
    for (const [name, entry] of senders) {
      const target = wanted.get(name);
      if (!target || JSON.stringify(target) !== entry.signature) {
        await entry.sender.stop();
        senders.delete(name);
      }
    }
    for (const target of targets) {
      if (senders.has(target.name)) continue;
      const sender = makeSender(target);
      senders.set(target.name, { sender, signature: JSON.stringify(target) });
      sender.start();
    }
  };
  await syncSenders(senderTargets(loaded.config));

  let reloading = Promise.resolve();
  const reload = (): Promise<{ ok: true } | { ok: false; error: string }> => {
    const run = reloading.then(async () => {
      let next: LoadedConfig;
      let nextRuntime: ReturnType<typeof build>;
      try {
        next = load();
        nextRuntime = build(next);
      } catch (error) {
        log.error(
          { config: options.configPath },
          `reload refused, the running config stays: ${String((error as Error).message)}`,
        );
        return { ok: false as const, error: (error as Error).message };
      }
      loaded = next;
      relay.setRuntime(nextRuntime);
      await syncSenders(senderTargets(next.config));
      log.info({ config: options.configPath }, 'config reloaded');
      return { ok: true as const };
    });
    reloading = run.then(() => undefined);
    return run;
  };

  const relay = createRelayApp(runtime, {
    outbox,
    log,
    metrics,
    notify: (robot) => senders.get(robot)?.sender.notify(),
    reload,
    robotStates: () =>
      Object.fromEntries(
        [...senders].map(([name, { sender }]) => [
          name,
          {
            inEngine: sender.inEngine,
            ...(sender.pausedUntil ? { pausedUntil: sender.pausedUntil } : {}),
            ...(sender.lastSendAt ? { lastSendAt: sender.lastSendAt } : {}),
          },
        ]),
      ),
  });

  const host = options.host ?? loaded.config.listen.host;
  const port = options.port ?? loaded.config.listen.port;
  const server = await new Promise<Server>((resolvePromise, reject) => {
    const created = serve({ fetch: relay.app.fetch, hostname: host, port }, () =>
      resolvePromise(created as Server),
    );
    (created as Server).once('error', reject);
  });
  const address = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  log.info(
    { address: url, config: options.configPath, format: loaded.format, dryRun: options.dryRun ?? false },
    'relay listening',
  );

  let closing: Promise<void> | undefined;
  return {
    url,
    port: address.port,
    relay,
    reload,
    close() {
      closing ??= (async () => {
        relay.drain();
        await Promise.all([...senders.values()].map(({ sender }) => sender.stop()));
        await new Promise<void>((done) => {
          server.close(() => done());
          server.closeAllConnections?.();
        });
        await outbox.close();
        log.info({}, 'relay stopped');
      })();
      return closing;
    },
  };
}
