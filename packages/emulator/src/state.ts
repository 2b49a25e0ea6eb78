import { AppsHub } from './apps/hub.js';
import { defaults } from './defaults.js';
import { EventHub } from './events.js';
import { LogQueue } from './log.js';
import type { Refusal } from './refusals.js';
import { Ring } from './ring.js';
import { type Robot, RobotRegistry, redactToken } from './robots.js';
import type {
  AttemptRecord,
  EmulatorAppOptions,
  Mentions,
  MessageRecord,
  RecordFilter,
  RobotInfo,
  RobotState,
  Wording,
} from './types.js';

/** Options with every default applied. */
export interface ResolvedSettings {
  rateLimit: { limit: number; windowMs: number } | false;
  penaltyMs: number;
  timestampToleranceMs: number;
  wording: Wording;
  maxRecords: number;
  maxBodyBytes: number;
  maxOpenRobots: number;
  heartbeatMs: number;
}

export function resolveSettings(options: EmulatorAppOptions): ResolvedSettings {
  return {
    rateLimit:
      options.rateLimit === false
        ? false
        : {
            limit: options.rateLimit?.limit ?? defaults.rateLimit.limit,
            windowMs: options.rateLimit?.windowMs ?? defaults.rateLimit.windowMs,
          },
    penaltyMs: options.penaltyMs ?? defaults.penaltyMs,
    timestampToleranceMs: options.timestampToleranceMs ?? defaults.timestampToleranceMs,
    wording: options.wording ?? defaults.wording,
    maxRecords: options.maxRecords ?? defaults.maxRecords,
    maxBodyBytes: options.maxBodyBytes ?? defaults.maxBodyBytes,
    maxOpenRobots: options.maxOpenRobots ?? defaults.maxOpenRobots,
    heartbeatMs: options.heartbeatMs ?? defaults.heartbeatMs,
  };
}

/**
 * Everything the emulator knows: robots, records, event streams. Shared by the HTTP routes and
 * the programmatic handle.
 */
export class EmulatorState {
  readonly settings: ResolvedSettings;
  readonly robots: RobotRegistry;
  readonly events: EventHub;
  readonly log: LogQueue;
  readonly now: () => number;
  /** The server's base URL once it listens; routes fall back to the request's origin. */
  baseUrl: string | undefined;
  /** App robots: tokens, Stream connections, callbacks, sessions and chats. */
  readonly apps: AppsHub;
  readonly #messages: Ring<MessageRecord>;
  readonly #attempts: Ring<AttemptRecord>;
  #seq = 0;

  constructor(options: EmulatorAppOptions) {
    this.settings = resolveSettings(options);
    this.now = options.now ?? Date.now;
    this.robots = new RobotRegistry(options.robots ?? [], this.settings, (robot) =>
      this.#robotChanged(robot),
    );
    this.events = new EventHub(this.settings.heartbeatMs);
    this.log = new LogQueue(options.log);
    this.#messages = new Ring(this.settings.maxRecords);
    this.#attempts = new Ring(this.settings.maxRecords);
    this.apps = new AppsHub(options, this);
  }

  /** Accepted messages, oldest first. */
  messages(filter: RecordFilter = {}): MessageRecord[] {
    return this.#messages.select(matcher(filter), filter.limit);
  }

  /** Refused attempts, oldest first. */
  attempts(filter: RecordFilter = {}): AttemptRecord[] {
    return this.#attempts.select(matcher(filter), filter.limit);
  }

  /**
   * Forgets all messages and attempts, and the remembered msgUuids (so a cleared emulator posts a
   * resent id again, and their memory is released). Robots and rate windows stay.
   */
  clear(): void {
    this.#messages.clear();
    this.#attempts.clear();
    for (const robot of this.robots.all()) robot.msgUuids.clear();
    this.apps.clearChats();
    this.events.publish('clear', { clearedAt: this.now() });
    if (this.log.enabled) this.log.write('records cleared');
  }

  recordMessage(
    robot: Robot,
    receivedAt: number,
    msgtype: string,
    payload: Record<string, unknown>,
    bytes: number,
    mentions: Mentions,
  ): void {
    const record: MessageRecord = {
      id: ++this.#seq,
      robot: robot.name,
      receivedAt,
      msgtype,
      payload,
      bytes,
      mentions,
    };
    this.#messages.push(record);
    this.events.publish('message', record);
    if (this.log.enabled)
      this.log.write(`accepted ${msgtype} robot=${robot.name} token=${redactToken(robot.token)}`);
  }

  recordAttempt(
    robot: Robot | undefined,
    receivedAt: number,
    refusal: Refusal,
    msgtype?: string,
    payload?: unknown,
  ): void {
    const record: AttemptRecord = {
      id: ++this.#seq,
      robot: robot ? robot.name : null,
      receivedAt,
      errcode: refusal.errcode,
      errmsg: refusal.errmsg,
      explanation: refusal.explanation,
    };
    if (msgtype !== undefined) record.msgtype = msgtype;
    if (payload !== undefined) record.payload = payload;
    this.#attempts.push(record);
    this.events.publish('attempt', record);
    if (this.log.enabled) {
      const who = robot ? `robot=${robot.name} token=${redactToken(robot.token)}` : 'robot=-';
      this.log.write(`refused ${refusal.errcode} ${who}: ${refusal.explanation}`);
    }
  }

  /** Takes the next id of the record sequence (messages, attempts and app chats share it). */
  nextRecordId(): number {
    return ++this.#seq;
  }

  /** Records a message an app robot posted (sessionWebhook, callback answer, OpenAPI send). */
  recordAppMessage(fields: Omit<MessageRecord, 'id'>): MessageRecord {
    const record: MessageRecord = { id: ++this.#seq, ...fields };
    this.#messages.push(record);
    this.events.publish('message', record);
    return record;
  }

  /** Records a refused post of an app robot (sessionWebhook, callback answer). */
  recordAppAttempt(fields: Omit<AttemptRecord, 'id'>): AttemptRecord {
    const record: AttemptRecord = { id: ++this.#seq, ...fields };
    this.#attempts.push(record);
    this.events.publish('attempt', record);
    if (this.log.enabled)
      this.log.write(`refused ${record.errcode} robot=${record.robot ?? '-'}: ${record.explanation}`);
    return record;
  }

  /** The robot list, as `GET /api/robots` shows it. */
  robotList(baseUrl: string): RobotInfo[] {
    return [...this.robots.all()].map((robot) => this.robots.info(robot, baseUrl));
  }

  /** Sets a robot's state, by name or token. */
  setRobotState(tokenOrName: string, state: RobotState): RobotInfo {
    const robot = this.#find(tokenOrName);
    robot.state = state;
    return this.#robotChanged(robot);
  }

  /** Throttles a robot now for `ms` (default: the penalty). */
  throttle(tokenOrName: string, ms?: number): RobotInfo {
    const robot = this.#find(tokenOrName);
    if (!robot.limiter)
      throw new Error('@dingbot/emulator: throttle() needs the rate limit on (rateLimit is false)');
    robot.limiter.penalize(this.now(), ms);
    return this.#robotChanged(robot);
  }

  #find(tokenOrName: string): Robot {
    const robot = this.robots.find(tokenOrName);
    if (!robot)
      throw new Error(`@dingbot/emulator: no robot named or with token ${redactToken(tokenOrName)}`);
    return robot;
  }

  #robotChanged(robot: Robot): RobotInfo {
    const info = this.robots.info(robot, this.baseUrl ?? '');
    this.events.publish('robot', info);
    if (this.log.enabled) this.log.write(`robot ${robot.name} is ${robot.state}`);
    return info;
  }
}

function matcher(
  filter: RecordFilter,
): (record: { id: number; robot: string | null; receivedAt: number }) => boolean {
  const { robot, since, before } = filter;
  return (record) =>
    (robot === undefined || record.robot === robot) &&
    (since === undefined || record.receivedAt >= since) &&
    (before === undefined || record.id < before);
}
