import type { AppMessageFields, AppsOptions } from './apps/types.js';

/** The state of a robot, as DingTalk would report it when it refuses a send. */
export type RobotState = 'active' | 'disabled' | 'dissolved' | 'gone';

/**
 * One configured robot. At least a token; every security setting is optional (the real DingTalk
 * requires one, the emulator does not, so a test can focus on one thing).
 *
 * @example
 * ```ts
 * const robot: RobotConfig = { token: 'ops-token', name: 'ops', secret: 'SECabc', keywords: ['alert'] };
 * ```
 */
export interface RobotConfig {
  /** The `access_token` of the webhook URL. */
  token: string;
  /**
   * A name for records, filters and the preview page.
   * @default the first 6 characters of the token
   * @example 'ops-alerts'
   */
  name?: string;
  /**
   * The signing secret (加签). When set, every send needs `timestamp` and `sign` in the URL.
   * @default undefined (no signing)
   * @example 'SEC0123456789abcdef'
   */
  secret?: string;
  /**
   * Custom keywords: a message must contain at least one of them (case-sensitive) in a title or text.
   * @default [] (no keyword check)
   * @example ['监控报警', 'alert']
   */
  keywords?: string[];
  /**
   * IP allow-list: IPv4 addresses or IPv4 CIDR ranges. DingTalk does not support IPv6 here.
   * @default [] (no IP check)
   * @example ['127.0.0.1', '10.0.0.0/8']
   */
  ipAllowList?: string[];
  /**
   * The robot's state. Anything but `'active'` refuses every send with DingTalk's errcode.
   * @default 'active'
   * @example 'disabled'
   */
  state?: RobotState;
}

/** The rate limit: at most `limit` accepted messages in any sliding window of `windowMs`. */
export interface RateLimitConfig {
  /**
   * @default 20
   * @example 20
   */
  limit?: number;
  /**
   * @default 60000
   * @example 2000
   */
  windowMs?: number;
}

/** Which errmsg forms to answer with: DingTalk's older English ones or the newer Chinese `description:…;solution:…;`. */
export type Wording = 'legacy' | 'modern';

/** Options of {@link createEmulatorApp} (everything but the network); app-robot options in {@link AppsOptions}. */
export interface EmulatorAppOptions extends AppsOptions {
  /**
   * Configured robots. None means **open mode**: any token is accepted without security checks and
   * each new token becomes a robot named after its first 6 characters.
   * @default [] (open mode)
   * @example [{ token: 'abc123', name: 'ops', secret: 'SECxyz' }]
   */
  robots?: RobotConfig[];
  /**
   * The per-robot rate limit, or `false` to turn it off (benchmarks).
   * @default { limit: 20, windowMs: 60000 }
   * @example { limit: 20, windowMs: 2000 }
   */
  rateLimit?: RateLimitConfig | false;
  /**
   * How long a robot stays throttled (every send answers 130101) after exceeding the rate limit.
   * @default 600000 (10 minutes)
   * @example 3000
   */
  penaltyMs?: number;
  /**
   * How far the signing timestamp may be from the emulator's clock, either way.
   * @default 3600000 (1 hour)
   * @example 60000
   */
  timestampToleranceMs?: number;
  /**
   * errmsg wording: `'legacy'` (older English, e.g. `sign not match`) or `'modern'` (newer Chinese
   * `description:…;solution:…;` where one is known).
   * @default 'legacy'
   * @example 'modern'
   */
  wording?: Wording;
  /**
   * How many accepted messages, and separately how many refused attempts, are kept; oldest dropped.
   * @default 1000
   * @example 100
   */
  maxRecords?: number;
  /**
   * HTTP-level body cap; larger bodies get HTTP 413. Must stay well above 20000 so errcode 460101 can be exercised.
   * @default 1048576
   * @example 262144
   */
  maxBodyBytes?: number;
  /**
   * In open mode, how many distinct tokens may become robots; later new tokens get 300005.
   * @default 1000
   * @example 10
   */
  maxOpenRobots?: number;
  /**
   * The clock, injectable so rate-limit and timestamp tests do not sleep.
   * @default Date.now
   * @example () => fakeNow
   */
  now?: () => number;
  /**
   * Receives the emulator's own log lines (tokens redacted to their first 6 characters, secrets never).
   * Lines are delivered asynchronously, in batches, so logging never slows a send.
   * @default undefined (silent)
   * @example (line) => console.error(line)
   */
  log?: (line: string) => void;
  /**
   * Host names the emulator answers besides loopback ones (`localhost`, `127.x.x.x`, `[::1]`), or
   * `true` for any. Other `Host` headers get HTTP 403, so a web page cannot read the robots' tokens
   * through DNS rebinding. `startEmulator` on a non-loopback `host` (e.g. `0.0.0.0`) answers any host
   * unless this is set.
   * @default [] (loopback names only; any host when bound to a non-loopback address)
   * @example ['dingtalk-emulator'] // a docker-compose service name
   */
  allowedHosts?: true | string[];
  /**
   * Interval of the comment heartbeat on `GET /api/events` streams.
   * @default 15000
   * @example 1000
   */
  heartbeatMs?: number;
}

/** Options of {@link startEmulator}. */
export interface EmulatorOptions extends EmulatorAppOptions {
  /**
   * Interface to bind.
   * @default '127.0.0.1'
   * @example '0.0.0.0'
   */
  host?: string;
  /**
   * Port to bind; `0` picks any free port.
   * @default 0
   * @example 8787
   */
  port?: number;
}

/** Who a message really pings under DingTalk's rule (`@<value>` must also be in the text). */
export interface Mentions {
  mobiles: string[];
  userIds: string[];
  all: boolean;
  /** Listed in `at` but not pinged: `@<value>` is missing from the text, or the msgtype has no `at`. */
  missing: { mobiles: string[]; userIds: string[] };
}

/** An accepted message (app robots' messages also carry {@link AppMessageFields}). */
export interface MessageRecord extends AppMessageFields {
  /** Increasing; shared sequence with attempts, so records of both kinds can be ordered. */
  id: number;
  /** The robot's name. */
  robot: string;
  /** ms since the epoch, from the emulator's clock. */
  receivedAt: number;
  msgtype: string;
  /** The parsed body as sent, including `msgUuid` if any. */
  payload: Record<string, unknown>;
  /** UTF-8 bytes of the body. */
  bytes: number;
  mentions: Mentions;
}

/** A refused send. */
export interface AttemptRecord {
  id: number;
  /** The robot's name, or `null` when the token was missing or unknown. */
  robot: string | null;
  receivedAt: number;
  errcode: number;
  errmsg: string;
  /** One plain English sentence saying what went wrong and what to do. */
  explanation: string;
  msgtype?: string;
  payload?: unknown;
}

/** Filters of {@link EmulatorHandle.messages} and `GET /api/messages`. */
export interface RecordFilter {
  /** Only this robot (by name). */
  robot?: string;
  /** Only records received at or after this time (ms epoch, inclusive). */
  since?: number;
  /** Only records with an `id` below this one: the cursor for older pages. */
  before?: number;
  /** At most this many: the most recent ones, still oldest first. */
  limit?: number;
}

/** A robot as listed by `GET /api/robots` (never the secret). */
export interface RobotInfo {
  name: string;
  token: string;
  webhookUrl: string;
  state: RobotState;
  signed: boolean;
  keywords: string[];
  /** Created on the fly in open mode. */
  open: boolean;
}
