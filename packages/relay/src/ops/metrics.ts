import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { Outbox } from '../outbox/outbox.js';

/** The relay's Prometheus metrics (prefix `dingbot_relay_`), in a registry of its own. */
export class RelayMetrics {
  readonly registry = new Registry();
  /** Requests received, by input (`alertmanager`, `grafana`, `dingtalk`, `hooks`), route and HTTP status. */
  readonly received = new Counter({
    name: 'dingbot_relay_received_total',
    help: 'Requests received, by source, route and answered HTTP status',
    labelNames: ['source', 'route', 'code'] as const,
    registers: [this.registry],
  });
  readonly deduplicated = new Counter({
    name: 'dingbot_relay_deduplicated_total',
    help: 'Requests dropped as duplicates within the dedupe window, by source',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });
  readonly sends = new Counter({
    name: 'dingbot_relay_sends_total',
    help: 'Sends to DingTalk, by robot, result (ok, failed) and errcode',
    labelNames: ['robot', 'result', 'errcode'] as const,
    registers: [this.registry],
  });
  readonly throttles = new Counter({
    name: 'dingbot_relay_throttles_total',
    help: 'Penalties (130101/410100) a robot waited out',
    labelNames: ['robot'] as const,
    registers: [this.registry],
  });
  readonly digests = new Counter({
    name: 'dingbot_relay_digests_total',
    help: 'Digests sent, by robot',
    labelNames: ['robot'] as const,
    registers: [this.registry],
  });
  readonly deadLetters = new Counter({
    name: 'dingbot_relay_dead_letters_total',
    help: 'Messages DingTalk refused for good, by robot and errcode',
    labelNames: ['robot', 'errcode'] as const,
    registers: [this.registry],
  });
  readonly templateErrors = new Counter({
    name: 'dingbot_relay_template_errors_total',
    help: 'Templates that failed and fell back to the built-in one, by route',
    labelNames: ['route'] as const,
    registers: [this.registry],
  });
  readonly depth = new Gauge({
    name: 'dingbot_relay_outbox_depth',
    help: 'Messages in the outbox, by robot and state (queued, sending, dead)',
    labelNames: ['robot', 'state'] as const,
    registers: [this.registry],
  });
  readonly oldestAge = new Gauge({
    name: 'dingbot_relay_outbox_oldest_age_seconds',
    help: 'Age of the oldest message not yet delivered, by robot (0 when none waits)',
    labelNames: ['robot'] as const,
    registers: [this.registry],
  });

  /** With the Redis outbox: 1 while this replica holds the robot's lease (sends for it), else 0. */
  readonly leaseHeld = new Gauge({
    name: 'dingbot_relay_lease_held',
    help: 'Whether this replica holds the robot’s lease and sends for it (Redis outbox), by robot',
    labelNames: ['robot'] as const,
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** Refreshes the outbox gauges, then renders the exposition text. */
  async render(outbox: Outbox, robots: readonly string[], now = Date.now()): Promise<string> {
    const depth = await outbox.depth();
    for (const robot of new Set([...robots, ...Object.keys(depth)])) {
      const d = depth[robot] ?? { queued: 0, sending: 0, dead: 0, oldestAt: undefined };
      this.depth.set({ robot, state: 'queued' }, d.queued);
      this.depth.set({ robot, state: 'sending' }, d.sending);
      this.depth.set({ robot, state: 'dead' }, d.dead);
      this.oldestAge.set({ robot }, d.oldestAt === undefined ? 0 : Math.max(0, (now - d.oldestAt) / 1000));
    }
    return this.registry.metrics();
  }
}
