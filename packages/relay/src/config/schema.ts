import { z } from 'zod';
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
          sqlite: z.strictObject({ path: name.default(relayDefaults.sqlitePath) }),
        })
        .default({ sqlite: { path: relayDefaults.sqlitePath } }),
      robots: z.record(name, robot).refine((value) => Object.keys(value).length > 0, {
        message: 'define at least one robot',
      }),
      routes: z.array(z.unknown()).optional(),
      defaultRoute: z.unknown().optional(),
      people: z.unknown().optional(),
      templates: z.unknown().optional(),
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
      for (const [hookName, hook] of Object.entries(config.inputs.hooks ?? {})) {
        if (hook.robot !== undefined && !(hook.robot in config.robots)) {
          ctx.addIssue({
            code: 'custom',
            path: ['inputs', 'hooks', hookName, 'robot'],
            message: `names no robot: define it under robots (${Object.keys(config.robots).join(', ')})`,
          });
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
/** One input's auth as validated. */
export type AuthConfig = NonNullable<NonNullable<RelayFileConfig['inputs']['alertmanager']>['auth']>;
/** One `/hooks/<name>` input as validated. */
export type HookConfig = NonNullable<RelayFileConfig['inputs']['hooks']>[string];
