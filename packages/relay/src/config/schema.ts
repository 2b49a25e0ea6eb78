import { z } from 'zod';
import { mentionRulesSchema, peopleConfigSchema } from '../people/people.js';
import { defaultRouteSchema, routeConfigSchema } from '../routing/routes.js';
import { didYouMean } from './errors.js';
import { durationSchema, interpolatedString, type ResolveContext, secretSchema } from './values.js';

/** The relay's defaults: one place, so the README and the code cannot disagree. */
export const relayDefaults = {
  /** prometheus-webhook-dingtalk's port, so Alertmanager configs carry over unchanged. */
  host: '127.0.0.1',
  port: 8060,
  /** In the working directory, like prometheus-webhook-dingtalk would if it had one. */
  sqlitePath: 'dingbot-relay.db',
  /** Longer than Alertmanager's default group_interval (5m) plus HA peer waits. */
  dedupeWindowMs: 10 * 60_000,
  /** Largest request body accepted. */
  maxBodyBytes: 1024 * 1024,
  timeZone: 'Asia/Shanghai',
  locale: 'zh-CN' as 'zh-CN' | 'en',
  /** DingTalk's limit. */
  rateLimit: { limit: 20, windowMs: 60_000 },
  penaltyMs: 10 * 60_000,
  /** The Redis outbox (`outbox.redis`). */
  redis: { keyPrefix: 'dingbot-relay:', leaseMs: 30_000, keepDelivered: 1000 },
} as const;

const name = z.string().min(1, 'must not be empty');

/** The schema of `relay.yml`, resolving `${ENV}` and `{ file }` secrets through `context`. */
export function relayConfigSchema(context: ResolveContext) {
  const secret = secretSchema(context);
  const text = interpolatedString(context);

  const rateLimit = z.union([
    z.literal(false),
    z.strictObject({
      limit: z.number().int().min(1, 'must be at least 1'),
      window: durationSchema,
    }),
  ]);

  const member = z.strictObject({
    webhook: text.optional(),
    token: text.optional(),
    baseUrl: z.url({ message: 'must be an http(s) URL' }).optional(),
    secret: secret.optional(),
  });

  const robot = z
    .strictObject({
      /** The whole webhook URL (it carries the access token: prefer `${ENV}`). */
      webhook: text.optional(),
      /** The access token alone, with `baseUrl`. */
      token: text.optional(),
      baseUrl: z.url({ message: 'must be an http(s) URL' }).optional(),
      secret: secret.optional(),
      keywords: z.array(name).max(10, 'DingTalk allows at most 10 keywords').optional(),
      /** Several robots of one group, used in turn (a pool). */
      webhooks: z
        .array(z.union([text, member]))
        .min(1, 'give at least one webhook')
        .optional(),
      rateLimit: rateLimit.optional(),
      penalty: durationSchema.optional(),
    })
    .superRefine((value, ctx) => {
      const given = ['webhook', 'token', 'webhooks'].filter((key) => value[key as 'webhook'] !== undefined);
      if (given.length !== 1) {
        ctx.addIssue({
          code: 'custom',
          message:
            given.length === 0
              ? 'needs `webhook` (the URL DingTalk shows), `token` (with `baseUrl`), or `webhooks` (a pool)'
              : `has ${given.join(' and ')}: give only one of them`,
        });
      }
    });

  const auth = z.union([
    z.strictObject({ bearer: secret }),
    z.strictObject({ basic: z.strictObject({ username: name, password: secret }) }),
  ]);

  const input = z.strictObject({ auth: auth.optional() });

  const redisOutbox = z.strictObject({
    /** `redis://[user:password@]host:port[/db]` or `rediss://…` (TLS); `${ENV}` allowed. Never printed. */
    url: text.refine((value) => /^rediss?:\/\/[^/\s]/.test(value), {
      message: 'must be a redis:// or rediss:// URL, e.g. redis://redis:6379/0',
    }),
    /** Prefix of every key, so several relays can share one Redis. */
    keyPrefix: name.default(relayDefaults.redis.keyPrefix),
    /** This replica's name (the holder shown in leases); by default `<hostname>:<pid>`. */
    replica: text.pipe(name).optional(),
    /** How long a robot's lease lasts unrenewed: how long a dead replica's robots wait for another. */
    lease: durationSchema
      .pipe(z.number().min(1000, 'must be at least 1s (renewed every third of it)'))
      .default(relayDefaults.redis.leaseMs),
    /** Answer a post only once this many Redis replicas have it (Redis `WAIT`). */
    waitReplicas: z.number().int().min(0).default(0),
    /** How long to wait for them before answering 503. */
    waitTimeout: durationSchema.default(1000),
    /** How many delivered messages "recent deliveries" keeps. */
    keepDelivered: z.number().int().min(0).default(relayDefaults.redis.keepDelivered),
  });

  const hook = z.strictObject({
    /** The route that delivers it (its robot, mentions). */
    route: name.optional(),
    /** Or a robot directly. */
    robot: name.optional(),
    /** A liquid template; `{ file: path }` reads it from a file. */
    template: z.union([z.string(), z.strictObject({ file: name })]),
    auth: auth.optional(),
    /** GitHub's `X-Hub-Signature-256` HMAC secret. */
    github: z.strictObject({ secret }).optional(),
    /** GitLab's `X-Gitlab-Token`. */
    gitlab: z.strictObject({ token: secret }).optional(),
    /** The header whose value identifies a delivery, for dedupe (GitHub's and GitLab's are known). */
    idempotencyHeader: name.optional(),
  });

  return z
    .strictObject({
      listen: z
        .strictObject({
          host: name.default(relayDefaults.host),
          port: z.number().int().min(0).max(65535).default(relayDefaults.port),
        })
        .default({ host: relayDefaults.host, port: relayDefaults.port }),
      outbox: z
        .strictObject({
          sqlite: z.strictObject({ path: name.default(relayDefaults.sqlitePath) }).optional(),
          redis: redisOutbox.optional(),
        })
        .superRefine((value, ctx) => {
          if ((value.sqlite === undefined) === (value.redis === undefined)) {
            ctx.addIssue({
              code: 'custom',
              message:
                value.sqlite === undefined
                  ? 'needs `sqlite: { path }` (one process) or `redis: { url }` (replicas sharing one outbox)'
                  : 'has both `sqlite` and `redis`: give one of them',
            });
          }
        })
        .default({ sqlite: { path: relayDefaults.sqlitePath } }),
      robots: z.record(name, robot).refine((value) => Object.keys(value).length > 0, {
        message: 'define at least one robot',
      }),
      routes: z.array(routeConfigSchema).default([]),
      /** Where what no route matched goes; optional when there is a single robot. */
      defaultRoute: defaultRouteSchema.optional(),
      people: peopleConfigSchema.default({}),
      /** Which labels name people, and the on-call schedule. */
      mentions: mentionRulesSchema.optional(),
      templates: z
        .strictObject({
          limits: z
            .strictObject({
              parseLimit: z.number().int().min(1).optional(),
              renderLimit: z.number().int().min(1).optional(),
              memoryLimit: z.number().int().min(1).optional(),
              outputLimit: z.number().int().min(1).optional(),
            })
            .optional(),
        })
        .optional(),
      inputs: z
        .strictObject({
          alertmanager: input.optional(),
          grafana: z
            .strictObject({
              auth: auth.optional(),
              /** The HMAC secret of Grafana's webhook contact point. */
              hmacSecret: secret.optional(),
              /** Grafana's `timestampHeader`, when configured there. */
              timestampHeader: name.optional(),
            })
            .optional(),
          dingtalk: input.optional(),
          hooks: z.record(name, hook).optional(),
        })
        .default({}),
      dedupe: z.strictObject({ window: durationSchema }).optional(),
      limits: z.strictObject({ bodyBytes: z.number().int().min(1024) }).optional(),
      timeZone: z
        .string()
        .refine((zone) => isTimeZone(zone), { message: 'is not an IANA time zone, e.g. Asia/Shanghai' })
        .default(relayDefaults.timeZone),
      locale: z.enum(['zh-CN', 'en']).default(relayDefaults.locale),
    })
    .superRefine((config, ctx) => {
      const robots = Object.keys(config.robots);
      const routes = config.routes.map((route) => route.name);
      const unknown = (kind: string, name: string, known: string[], path: PropertyKey[]) => {
        const guess = didYouMean(name, known);
        ctx.addIssue({
          code: 'custom',
          path,
          message: `no ${kind} named "${name}"${guess ? `: did you mean "${guess}"?` : `: known are ${known.join(', ') || 'none'}`}`,
        });
      };
      config.routes.forEach((route, i) => {
        if (!robots.includes(route.robot)) unknown('robot', route.robot, robots, ['routes', i, 'robot']);
        if (routes.indexOf(route.name) !== i) {
          ctx.addIssue({
            code: 'custom',
            path: ['routes', i, 'name'],
            message: 'another route has this name',
          });
        }
      });
      if (config.defaultRoute && !robots.includes(config.defaultRoute.robot)) {
        unknown('robot', config.defaultRoute.robot, robots, ['defaultRoute', 'robot']);
      }
      if (!config.defaultRoute && robots.length > 1 && config.routes.length > 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['defaultRoute'],
          message:
            'is required with several robots: say where alerts no route matched go, e.g. `defaultRoute: { robot: ops }`',
        });
      }
      for (const [hookName, hook] of Object.entries(config.inputs.hooks ?? {})) {
        if (hook.robot !== undefined && !robots.includes(hook.robot)) {
          unknown('robot', hook.robot, robots, ['inputs', 'hooks', hookName, 'robot']);
        }
        if (hook.route !== undefined && !routes.includes(hook.route)) {
          unknown('route', hook.route, routes, ['inputs', 'hooks', hookName, 'route']);
        }
      }
    });
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** `relay.yml` as validated (secrets resolved, durations in milliseconds). */
export type RelayFileConfig = z.output<ReturnType<typeof relayConfigSchema>>;
/** One robot as validated. */
export type RobotFileConfig = RelayFileConfig['robots'][string];
/** `outbox.redis` as validated. */
export type RedisOutboxConfig = NonNullable<RelayFileConfig['outbox']['redis']>;
/** One input's auth as validated. */
export type AuthConfig = NonNullable<NonNullable<RelayFileConfig['inputs']['alertmanager']>['auth']>;
/** One `/hooks/<name>` input as validated. */
export type HookConfig = NonNullable<RelayFileConfig['inputs']['hooks']>[string];
