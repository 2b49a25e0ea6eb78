import { appDefaults } from './apps/defaults.js';

/**
 * Every default of the emulator, in one place. The README's tables mirror these values.
 */
export const defaults = {
  /** Loopback only: the emulator is a test tool and must not be reachable from the network by accident. */
  host: '127.0.0.1',
  /** `0` lets the operating system pick a free port. */
  port: 0,
  /** DingTalk: 20 accepted messages per robot in any sliding minute. */
  rateLimit: { limit: 20, windowMs: 60_000 },
  /** DingTalk throttles a robot for 10 minutes after it exceeds the rate limit. */
  penaltyMs: 10 * 60_000,
  /** DingTalk accepts a signing timestamp within one hour of its own clock, either way. */
  timestampToleranceMs: 60 * 60_000,
  /** The errmsg wording: DingTalk's older English forms. */
  wording: 'legacy',
  /** Messages and refused attempts kept in memory, each. */
  maxRecords: 1000,
  /** DingTalk refuses bodies over 20000 UTF-8 bytes with errcode 460101. */
  maxMessageBytes: 20_000,
  /** HTTP-level cap (413) so a huge body cannot exhaust memory, well above the 20000-byte DingTalk limit. */
  maxBodyBytes: 1024 * 1024,
  /**
   * Deepest JSON nesting a body may have (judgement call: Jackson's default `maxNestingDepth`; a robot
   * message needs 4). Deeper bodies are refused like unreadable ones, so no record is ever too deep to
   * serialise for the JSON API or the event stream.
   */
  maxJsonDepth: 1000,
  /** Records one `GET /api/messages` or `/api/attempts` answers when no `limit` is given. */
  pageSize: 100,
  /** The largest `limit` those routes take (page through more with `before`). */
  maxPageSize: 1000,
  /**
   * Bytes of records one answer holds at most (at least one record is always sent): 1000 records of
   * 19 kB were 19 MB a call, and 30 such calls at once stalled sends for seconds.
   */
  maxPageBytes: 1024 * 1024,
  /** How long a `msgUuid` is remembered per robot (DingTalk's idempotency window). */
  msgUuidTtlMs: 60 * 60_000,
  /** Upper bound of remembered `msgUuid`s per robot, so a flood of unique keys cannot grow memory forever. */
  maxMsgUuids: 10_000,
  /** In open mode, how many distinct tokens become robots before new ones are refused. */
  maxOpenRobots: 1000,
  /** Comment line sent on every server-sent-events stream so proxies keep it open. */
  heartbeatMs: 15_000,
  /** Characters of a token kept visible in log lines and robot names. */
  tokenVisibleChars: 6,
  /** App robots: default robot, group, TTLs and delays (`apps/defaults.ts`). */
  apps: appDefaults,
} as const;
