import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { RedisStore } from '@dingbot/redis';
import type { FetchLike, LimiterStore } from '@dingbot/sdk';
import { serve } from '@hono/node-server';
import { type LoadedConfig, loadConfig } from '../config/load.js';
import { relayDefaults } from '../config/schema.js';
import { createLogger } from '../ops/log.js';
import { RelayMetrics } from '../ops/metrics.js';
import { RobotLeases } from '../outbox/lease.js';
import { RefusingLimiterStore, SqliteLimiterStore } from '../outbox/limiter.js';
import type { Outbox } from '../outbox/outbox.js';
import { RedisOutbox } from '../outbox/redis.js';
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
  // The outbox engine is chosen at start; a reload cannot switch it (restart the replica for that).
  const redisConfig = options.dryRun ? undefined : loaded.config.outbox.redis;
  let outbox: Outbox;
  let store: LimiterStore;
  let leases: RobotLeases | undefined;
  let redisOutbox: RedisOutbox | undefined;
  if (redisConfig) {
    redisOutbox = new RedisOutbox({
      redis: redisConfig.url,
      keyPrefix: redisConfig.keyPrefix,
      ...(redisConfig.replica ? { replica: redisConfig.replica } : {}),
      fenced: true,
      waitReplicas: redisConfig.waitReplicas,
      waitTimeoutMs: redisConfig.waitTimeout,
      keepDelivered: redisConfig.keepDelivered,
    });
    outbox = redisOutbox;
    // The rate limit and penalty shared by every replica (the outbox's connection, its own keys).
    store = new RedisStore({
      redis: redisOutbox.redis,
      prefix: `${redisConfig.keyPrefix}limit:`,
      timeoutMs: 2000,
      // No local count while Redis is away: it would not know this window's sends so far, and the
      // rows already in an engine would go out on top of them. The senders wait for Redis instead.
      fallback: new RefusingLimiterStore(),
      onFallback: (error) =>
        log.warn(
          { err: String((error as Error).message ?? error) },
          'rate limit: Redis unavailable, sending waits for it',
        ),
      onRecover: () => log.info({}, 'rate limit: shared through Redis again'),
    });
  } else {
    const sqlite = new SqliteOutbox({
      path: options.dryRun ? ':memory:' : (loaded.config.outbox.sqlite?.path ?? relayDefaults.sqlitePath),
    });
    outbox = sqlite;
    store = new SqliteLimiterStore(sqlite.db);
  }
  const metrics = new RelayMetrics();
  const dryFetch: FetchLike = async (_url, init) => {
    log.info({ body: JSON.parse(init.body) }, 'dry run: would post');
    return { status: 200, text: async () => '{"errcode":0,"errmsg":"ok"}' };
  };
  const fetchImpl = options.dryRun ? dryFetch : options.fetch;

  const senders = new Map<string, { sender: RobotSender; signature: string }>();
  let targets = new Map<string, SenderTarget>();
  let stopping = false;
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
  /** Starting and stopping one robot's sender never overlap (a lease change, a reload). */
  const chains = new Map<string, Promise<void>>();
  const serial = (robot: string, step: () => Promise<void> | void): Promise<void> => {
    const next = (chains.get(robot) ?? Promise.resolve())
      .then(step)
      .catch((error) => log.error({ robot, err: String(error) }, 'sender start/stop failed'));
    chains.set(robot, next);
    return next;
  };
  const startSender = (name: string) => {
    const target = targets.get(name);
    if (!target || senders.has(name) || stopping) return;
    if (leases && !leases.holds(name)) return;
    const sender = makeSender(target);
    senders.set(name, { sender, signature: JSON.stringify(target) });
    sender.start();
  };
  const stopSender = async (name: string) => {
    const entry = senders.get(name);
    if (!entry) return;
    senders.delete(name);
    await entry.sender.stop();
  };
  /** Starts senders for new or changed robots, stops those of removed or changed ones. */
  const syncSenders = async (next: SenderTarget[]) => {
    targets = new Map(next.map((t) => [t.name, t]));
    const names = new Set([...senders.keys(), ...targets.keys()]);
    await Promise.all(
      [...names].map((name) =>
        serial(name, async () => {
          const target = targets.get(name);
          const entry = senders.get(name);
          if (entry && (!target || JSON.stringify(target) !== entry.signature)) await stopSender(name);
          startSender(name);
        }),
      ),
    );
    // With Redis, a robot's sender runs only on the replica holding its lease.
    leases?.watch([...targets.keys()]);
  };
  if (redisOutbox && redisConfig) {
    const leaseLog = { warned: false };
    leases = new RobotLeases({
      redis: redisOutbox.redis,
      key: (robot) => `${redisOutbox.base}lease:${robot}`,
      holder: redisOutbox.replica,
      ttlMs: redisConfig.lease,
      releasedChannel: redisOutbox.releasedChannel,
      onAcquired: (robot) => {
        log.info({ robot, replica: redisOutbox.replica }, 'lease acquired: sending for this robot');
        metrics.leaseHeld.set({ robot }, 1);
        void serial(robot, () => startSender(robot));
      },
      onLost: (robot) => {
        log.warn(
          { robot, replica: redisOutbox.replica },
          'lease lost: this replica stops sending for this robot',
        );
        metrics.leaseHeld.set({ robot }, 0);
        void serial(robot, () => stopSender(robot));
      },
      onError: (error) => {
        if (!leaseLog.warned) log.warn({ err: String(error) }, 'leases: Redis did not answer');
        leaseLog.warned = true;
      },
    });
    const checked = redisOutbox;
    checked.redis.once('ready', () => {
      void checked
        .serverWarnings()
        .then((warnings) => {
          for (const warning of warnings) log.warn({ replica: checked.replica }, warning);
        })
        .catch(() => {});
    });
    redisOutbox.onWake((robot) => senders.get(robot)?.sender.notify());
    // Another replica stopped and let a robot go: take it now rather than at the next round.
    redisOutbox.onReleased(() => leases?.poke());
  }
  await syncSenders(senderTargets(loaded.config));
  leases?.start();

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
      if (JSON.stringify(next.config.outbox) !== JSON.stringify(loaded.config.outbox)) {
        log.warn(
          { config: options.configPath },
          'outbox: settings changed, but the outbox is opened at start only: restart this replica to use them',
        );
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
    robotStates: async () => {
      const local = Object.fromEntries(
        [...senders].map(([name, { sender }]) => [
          name,
          {
            inEngine: sender.inEngine,
            ...(sender.pausedUntil ? { pausedUntil: sender.pausedUntil } : {}),
            ...(sender.lastSendAt ? { lastSendAt: sender.lastSendAt } : {}),
          },
        ]),
      );
      if (!leases || !redisOutbox) return local;
      // Every replica answers for every robot: who holds its lease, and which replica this is.
      const names = Object.keys(relay.runtime().config.robots);
      const held = await leases.states(names).catch(() => ({}) as Record<string, never>);
      return Object.fromEntries(
        names.map((name) => [
          name,
          {
            inEngine: 0,
            ...local[name],
            ...(held[name] ? { lease: held[name] } : {}),
            replica: redisOutbox.replica,
          },
        ]),
      );
    },
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
        stopping = true;
        // Senders stop while their leases are still held (their rows go back to the queue), then
        // the leases are released so another replica takes the robots at once.
        await Promise.all([...senders.keys()].map((name) => serial(name, () => stopSender(name))));
        await leases?.stop();
        metrics.leaseHeld.reset();
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
