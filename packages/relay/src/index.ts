/** The relay's version, the same as the package's. */
export const RELAY_VERSION = '0.1.0';

export { type RelayCliIo, runRelayCli } from './cli.js';
export { ConfigError, type ConfigProblem, isConfigError } from './config/errors.js';
export { type LoadedConfig, loadConfig, type ParseConfigOptions, parseConfig } from './config/load.js';
export {
  type RedisOutboxConfig,
  type RelayFileConfig,
  relayConfigSchema,
  relayDefaults,
} from './config/schema.js';
export type { Alert, AlertNotification, Mentions, OutgoingMessage } from './model.js';
export { InputError } from './model.js';
export { createLogger, redactText } from './ops/log.js';
export { RelayMetrics } from './ops/metrics.js';
export { type LeaseState, RobotLeases, type RobotLeasesOptions } from './outbox/lease.js';
export { SqliteLimiterStore } from './outbox/limiter.js';
export type {
  AppendRequest,
  AppendResult,
  Outbox,
  OutboxRow,
  PendingSend,
  RobotDepth,
  RowState,
  SendMember,
} from './outbox/outbox.js';
export { RedisOutbox, type RedisOutboxOptions } from './outbox/redis.js';
export { SqliteOutbox, type SqliteOutboxOptions } from './outbox/sqlite.js';
export { type SamplePayload, samplePayloads } from './render/samples.js';
export { type Logger, RobotSender, type RobotSenderOptions, type SenderTarget } from './sender/sender.js';
export { createRelayApp, type RelayApp, type RelayDeps, type RobotState } from './server/app.js';
export { compileRuntime, type RelayRuntime, senderTargets } from './server/runtime.js';
export { type RunningRelay, type StartRelayOptions, startRelay } from './server/start.js';
