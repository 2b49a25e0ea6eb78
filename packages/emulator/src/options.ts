import { z } from 'zod';
import { appsConfigShape, appsIssues } from './apps/config.js';
import { parseIpv4Range } from './security.js';
import type { EmulatorOptions } from './types.js';

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.number().int().min(min).max(max);

export const robotSchema = z.strictObject({
  token: z.string().min(1, 'must not be empty'),
  name: z.string().min(1, 'must not be empty').optional(),
  secret: z.string().min(1, 'must not be empty').optional(),
  keywords: z
    .array(z.string().min(1, 'must not be empty'))
    .max(10, 'DingTalk allows at most 10 keywords')
    .optional(),
  ipAllowList: z
    .array(
      z
        .string()
        .refine((entry) => parseIpv4Range(entry) !== undefined, 'must be an IPv4 address or CIDR range'),
    )
    .optional(),
  state: z.enum(['active', 'disabled', 'dissolved', 'gone']).optional(),
});

/** The serialisable options: what a JSON config file may hold. */
export const configSchema = z
  .strictObject({
    host: z.string().min(1).optional(),
    port: int(0, 65535).optional(),
    robots: z.array(robotSchema).optional(),
    rateLimit: z
      .union([z.literal(false), z.strictObject({ limit: int(1).optional(), windowMs: int(1).optional() })])
      .optional(),
    penaltyMs: int(0).optional(),
    timestampToleranceMs: int(0).optional(),
    wording: z.enum(['legacy', 'modern']).optional(),
    maxRecords: int(1, 1_000_000).optional(),
    maxBodyBytes: int(20_001).optional(),
    maxOpenRobots: int(1).optional(),
    heartbeatMs: int(10).optional(),
    allowedHosts: z.union([z.literal(true), z.array(z.string().min(1, 'must not be empty'))]).optional(),
    ...appsConfigShape,
  })
  .superRefine((config, ctx) => {
    const tokens = new Set<string>();
    const names = new Set<string>();
    config.robots?.forEach((robot, index) => {
      if (tokens.has(robot.token)) {
        ctx.addIssue({
          code: 'custom',
          path: ['robots', index, 'token'],
          message: 'another robot has the same token',
        });
      }
      tokens.add(robot.token);
      if (robot.name !== undefined) {
        if (names.has(robot.name)) {
          ctx.addIssue({
            code: 'custom',
            path: ['robots', index, 'name'],
            message: 'another robot has the same name',
          });
        }
        names.add(robot.name);
      }
    });
    for (const issue of appsIssues(config)) ctx.addIssue({ code: 'custom', ...issue });
  });

/** A configuration or option error; the message names the field, e.g. `robots[1].token`. */
export class EmulatorConfigError extends Error {
  override name = 'EmulatorConfigError';
}

/** `robots.1.token` → `robots[1].token` */
function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : `${out ? '.' : ''}${String(part)}`;
  return out || '(root)';
}

/** Validates serialisable options; throws {@link EmulatorConfigError} naming every bad field. */
export function validateConfig(input: unknown, source: string): z.infer<typeof configSchema> {
  const result = configSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const keys = issue.code === 'unrecognized_keys' ? ` (${issue.keys.join(', ')})` : '';
    return `${fieldPath(issue.path)}: ${issue.message}${keys}`;
  });
  throw new EmulatorConfigError(`@dingbot/emulator: invalid ${source}: ${problems.join('; ')}`);
}

/** Validates programmatic options at once, so a typo fails at start, not at the first send. */
export function validateOptions(options: EmulatorOptions): void {
  const { now, log, timers, ...rest } = options;
  if (
    timers !== undefined &&
    (typeof timers?.setTimeout !== 'function' || typeof timers?.clearTimeout !== 'function')
  ) {
    throw new EmulatorConfigError(
      '@dingbot/emulator: invalid options: timers: expected { setTimeout, clearTimeout } functions',
    );
  }
  if (now !== undefined && typeof now !== 'function') {
    throw new EmulatorConfigError('@dingbot/emulator: invalid options: now: expected a function');
  }
  if (log !== undefined && typeof log !== 'function') {
    throw new EmulatorConfigError('@dingbot/emulator: invalid options: log: expected a function');
  }
  validateConfig(rest, 'options');
}
