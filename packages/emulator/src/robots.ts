import { defaults } from './defaults.js';
import { RateLimiter } from './rate-limit.js';
import { type Ipv4Range, parseIpv4Range } from './security.js';
import type { RobotConfig, RobotInfo, RobotState } from './types.js';

/** A robot at run time: its configuration compiled for the hot path plus its mutable state. */
export interface Robot {
  readonly token: string;
  readonly name: string;
  readonly secret: string | undefined;
  readonly keywords: readonly string[];
  readonly ipRanges: readonly Ipv4Range[];
  readonly open: boolean;
  state: RobotState;
  /** `undefined` when the rate limit is off. */
  readonly limiter: RateLimiter | undefined;
  /**
   * SHA-256 of each remembered msgUuid → acceptance time; insertion order is time order, so expiry
   * trims from the front. Digests keep every entry small whatever the id's length.
   */
  readonly msgUuids: Map<string, number>;
}

export interface RegistrySettings {
  rateLimit: { limit: number; windowMs: number } | false;
  penaltyMs: number;
  maxOpenRobots: number;
}

/** The robots, looked up by token in O(1). With no configured robot it runs in open mode. */
export class RobotRegistry {
  readonly #byToken = new Map<string, Robot>();
  readonly #byName = new Map<string, Robot>();
  readonly openMode: boolean;

  constructor(
    configs: readonly RobotConfig[],
    readonly settings: RegistrySettings,
    /** Called when open mode turns a new token into a robot. */
    readonly onOpenRobot: (robot: Robot) => void = () => {},
  ) {
    this.openMode = configs.length === 0;
    for (const config of configs) this.#add(config, false);
  }

  /** The robot for a token; in open mode an unseen token becomes a robot (up to `maxOpenRobots`). */
  byToken(token: string): Robot | undefined {
    const robot = this.#byToken.get(token);
    if (robot || !this.openMode || this.#byToken.size >= this.settings.maxOpenRobots) return robot;
    const created = this.#add({ token }, true);
    this.onOpenRobot(created);
    return created;
  }

  /** A robot by name first, then by token (creating it in open mode). */
  find(tokenOrName: string): Robot | undefined {
    return this.#byName.get(tokenOrName) ?? this.byToken(tokenOrName);
  }

  all(): IterableIterator<Robot> {
    return this.#byToken.values();
  }

  info(robot: Robot, baseUrl: string): RobotInfo {
    return {
      name: robot.name,
      token: robot.token,
      webhookUrl: webhookUrl(baseUrl, robot.token),
      state: robot.state,
      signed: robot.secret !== undefined,
      keywords: [...robot.keywords],
      open: robot.open,
    };
  }

  #add(config: RobotConfig, open: boolean): Robot {
    if (this.#byToken.has(config.token)) {
      throw new Error(`@dingbot/emulator: two robots share the token ${redactToken(config.token)}`);
    }
    const name = this.#uniqueName(config.name ?? config.token.slice(0, defaults.tokenVisibleChars));
    const { rateLimit, penaltyMs } = this.settings;
    const robot: Robot = {
      token: config.token,
      name,
      secret: config.secret,
      keywords: config.keywords ?? [],
      ipRanges: (config.ipAllowList ?? []).map((entry) => {
        const range = parseIpv4Range(entry);
        if (!range)
          throw new Error(
            `@dingbot/emulator: robot ${name}: ipAllowList entry "${entry}" is not IPv4 or CIDR`,
          );
        return range;
      }),
      open,
      state: config.state ?? 'active',
      limiter: rateLimit ? new RateLimiter(rateLimit.limit, rateLimit.windowMs, penaltyMs) : undefined,
      msgUuids: new Map(),
    };
    this.#byToken.set(robot.token, robot);
    this.#byName.set(robot.name, robot);
    return robot;
  }

  #uniqueName(wanted: string): string {
    if (!this.#byName.has(wanted)) return wanted;
    for (let i = 2; ; i++) if (!this.#byName.has(`${wanted}-${i}`)) return `${wanted}-${i}`;
  }
}

/** The webhook URL of a token on a base URL such as `http://127.0.0.1:8787`. */
export function webhookUrl(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/robot/send?access_token=${encodeURIComponent(token)}`;
}

/** A token shortened for logs: its first 6 characters, then an ellipsis. */
export function redactToken(token: string): string {
  return token.length <= defaults.tokenVisibleChars
    ? token
    : `${token.slice(0, defaults.tokenVisibleChars)}…`;
}
