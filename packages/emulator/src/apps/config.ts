import { z } from 'zod';
import { appDefaults } from './defaults.js';
import type { AppMode, AppRobotConfig, AppsOptions, GroupConfig } from './types.js';

const nonEmpty = () => z.string().min(1, 'must not be empty');
const int = (min: number) => z.number().int().min(min).max(Number.MAX_SAFE_INTEGER);

const httpUrl = nonEmpty().refine((value) => {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}, 'must be an http:// or https:// URL');

export const appRobotSchema = z
  .strictObject({
    clientId: nonEmpty(),
    clientSecret: nonEmpty(),
    robotCode: nonEmpty().optional(),
    name: nonEmpty().optional(),
    mode: z.enum(['stream', 'http']).optional(),
    callbackUrl: httpUrl.optional(),
  })
  .superRefine((app, ctx) => {
    if (app.mode === 'http' && app.callbackUrl === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['callbackUrl'],
        message: 'mode "http" needs a callbackUrl (where the emulator POSTs messages)',
      });
    }
  });

export const memberSchema = z.strictObject({
  staffId: nonEmpty(),
  name: nonEmpty(),
  mobile: nonEmpty().optional(),
  admin: z.boolean().optional(),
});

export const groupSchema = z.strictObject({
  id: nonEmpty(),
  title: nonEmpty(),
  members: z.array(memberSchema).min(1, 'a group needs at least one member (the default sender)'),
  robots: z.array(nonEmpty()).optional(),
});

/** The app-robot fields of the config file, spread into the emulator's config schema. */
export const appsConfigShape = {
  apps: z.array(appRobotSchema).optional(),
  groups: z.array(groupSchema).optional(),
  accessTokenTtlMs: int(1).optional(),
  streamTicketTtlMs: int(1).optional(),
  streamRedeliveryMs: int(0).optional(),
  streamMaxRedeliveries: int(0).optional(),
  streamPingMs: int(0).optional(),
  streamDisconnectCloseMs: int(0).optional(),
  sessionWebhookTtlMs: int(1).optional(),
  sessionWebhookMsgtypes: z
    .array(z.enum(['text', 'markdown', 'link', 'actionCard', 'feedCard']))
    .min(1, 'list at least one msgtype')
    .optional(),
  callbackTimeoutMs: int(1).optional(),
  openApiRateLimit: z
    .union([z.literal(false), z.strictObject({ limit: int(1).optional(), windowMs: int(1).optional() })])
    .optional(),
};

type Issue = { path: (string | number)[]; message: string };

/** Cross-field rules: unique credentials and names, group robots that exist, unique members. */
export function appsIssues(config: {
  apps?: AppRobotConfig[] | undefined;
  groups?: GroupConfig[] | undefined;
  robots?: { token: string; name?: string | undefined }[] | undefined;
}): Issue[] {
  const issues: Issue[] = [];
  const apps = config.apps ?? [];
  const seen = new Map<string, string>();
  const claim = (key: string, path: (string | number)[], what: string) => {
    const other = seen.get(key);
    if (other !== undefined) issues.push({ path, message: `another app robot has the same ${what}` });
    else seen.set(key, what);
  };
  const resolved = resolveApps(apps);
  apps.forEach((app, index) => {
    claim(`id:${app.clientId}`, ['apps', index, 'clientId'], 'clientId');
    const robot = resolved[index] as ResolvedApp;
    if (robot.robotCode !== robot.clientId)
      claim(`code:${robot.robotCode}`, ['apps', index, 'robotCode'], 'robotCode');
    claim(`name:${robot.name}`, ['apps', index, app.name === undefined ? 'clientId' : 'name'], 'name');
    // Records are filed by robot name: an app robot and a webhook robot must not share one.
    if (config.robots?.some((webhook) => (webhook.name ?? webhook.token.slice(0, 6)) === robot.name)) {
      issues.push({
        path: ['apps', index, 'name'],
        message: `a webhook robot is also named "${robot.name}": give the app robot another name`,
      });
    }
  });
  const groupIds = new Set<string>();
  config.groups?.forEach((group, index) => {
    if (groupIds.has(group.id))
      issues.push({ path: ['groups', index, 'id'], message: 'another group has the same id' });
    groupIds.add(group.id);
    const staff = new Set<string>();
    group.members.forEach((member, m) => {
      if (staff.has(member.staffId))
        issues.push({
          path: ['groups', index, 'members', m, 'staffId'],
          message: 'another member has the same staffId',
        });
      staff.add(member.staffId);
    });
    group.robots?.forEach((ref, r) => {
      if (!resolved.some((app) => app.clientId === ref || app.robotCode === ref || app.name === ref)) {
        const known = resolved.map((app) => app.name).join(', ') || 'none';
        issues.push({
          path: ['groups', index, 'robots', r],
          message: `no app robot has the clientId, robotCode or name "${ref}" (app robots: ${known})`,
        });
      }
    });
  });
  return issues;
}

/** An app robot with every default applied. */
export interface ResolvedApp {
  clientId: string;
  clientSecret: string;
  robotCode: string;
  name: string;
  mode: AppMode;
  callbackUrl: string | undefined;
}

/** A group with its members and the robots in it resolved. */
export interface ResolvedGroup {
  id: string;
  title: string;
  members: ResolvedMember[];
  robots: ResolvedApp[];
}

/** A member with defaults applied. */
export interface ResolvedMember {
  staffId: string;
  name: string;
  mobile: string | undefined;
  admin: boolean;
}

/** Applies the app defaults; with `apps` omitted, the one default robot. */
export function resolveApps(apps: readonly AppRobotConfig[] | undefined): ResolvedApp[] {
  const list = apps ?? [{ ...appDefaults.app }];
  return list.map((app, index) => {
    const robotCode = app.robotCode ?? app.clientId;
    return {
      clientId: app.clientId,
      clientSecret: app.clientSecret,
      robotCode,
      name: app.name ?? (index === 0 ? appDefaults.app.name : robotCode),
      mode: app.mode ?? (app.callbackUrl !== undefined ? 'http' : 'stream'),
      callbackUrl: app.callbackUrl,
    };
  });
}

/** Applies the group defaults; with `groups` omitted, the one default group holding every robot. */
export function resolveGroups(
  groups: readonly GroupConfig[] | undefined,
  apps: readonly ResolvedApp[],
): ResolvedGroup[] {
  const list: readonly GroupConfig[] = groups ?? [
    { ...appDefaults.group, members: appDefaults.group.members.map((member) => ({ ...member })) },
  ];
  return list.map((group) => ({
    id: group.id,
    title: group.title,
    members: group.members.map((member) => ({
      staffId: member.staffId,
      name: member.name,
      mobile: member.mobile,
      admin: member.admin ?? false,
    })),
    robots:
      group.robots === undefined
        ? [...apps]
        : apps.filter((app) =>
            group.robots?.some((ref) => ref === app.clientId || ref === app.robotCode || ref === app.name),
          ),
  }));
}

/** The app settings with every default applied. */
export interface AppSettings {
  accessTokenTtlMs: number;
  streamTicketTtlMs: number;
  streamRedeliveryMs: number;
  streamMaxRedeliveries: number;
  streamPingMs: number;
  streamDisconnectCloseMs: number;
  sessionWebhookTtlMs: number;
  sessionWebhookMsgtypes: ReadonlySet<string>;
  callbackTimeoutMs: number;
  openApiRateLimit: { limit: number; windowMs: number } | false;
}

export function resolveAppSettings(options: AppsOptions): AppSettings {
  const d = appDefaults;
  return {
    accessTokenTtlMs: options.accessTokenTtlMs ?? d.accessTokenTtlMs,
    streamTicketTtlMs: options.streamTicketTtlMs ?? d.streamTicketTtlMs,
    streamRedeliveryMs: options.streamRedeliveryMs ?? d.streamRedeliveryMs,
    streamMaxRedeliveries: options.streamMaxRedeliveries ?? d.streamMaxRedeliveries,
    streamPingMs: options.streamPingMs ?? d.streamPingMs,
    streamDisconnectCloseMs: options.streamDisconnectCloseMs ?? d.streamDisconnectCloseMs,
    sessionWebhookTtlMs: options.sessionWebhookTtlMs ?? d.sessionWebhookTtlMs,
    sessionWebhookMsgtypes: new Set(options.sessionWebhookMsgtypes ?? d.sessionWebhookMsgtypes),
    callbackTimeoutMs: options.callbackTimeoutMs ?? d.callbackTimeoutMs,
    openApiRateLimit:
      options.openApiRateLimit === false
        ? false
        : {
            limit: options.openApiRateLimit?.limit ?? d.openApiRateLimit.limit,
            windowMs: options.openApiRateLimit?.windowMs ?? d.openApiRateLimit.windowMs,
          },
  };
}
