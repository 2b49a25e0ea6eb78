/**
 * What the web page and its `/api/*` need besides the outbox: who may use them (the inputs'
 * credentials), and robots described without a secret in sight.
 */
import type { AuthConfig, RelayFileConfig, RobotFileConfig } from '../config/schema.js';
import { redactText } from '../ops/log.js';
import type { OutboxRow } from '../outbox/outbox.js';

/**
 * The credentials that open the page's API: every `auth:` configured on an input (Alertmanager,
 * Grafana, DingTalk-compatible, hooks). Empty when no input requires auth: then the API is open,
 * as the inputs are.
 */
export function consoleAuths(config: RelayFileConfig): AuthConfig[] {
  const inputs = config.inputs;
  const all = [
    inputs.alertmanager?.auth,
    inputs.grafana?.auth,
    inputs.dingtalk?.auth,
    ...Object.values(inputs.hooks ?? {}).map((hook) => hook.auth),
  ];
  return all.filter((auth): auth is AuthConfig => auth !== undefined);
}

/**
 * A webhook URL with every query value (the access token, a sign, a timestamp) and any user info
 * replaced by `***`, so the page can say where a robot posts without giving anyone its token.
 * @example maskWebhook('https://oapi.dingtalk.com/robot/send?access_token=abc') // 'https://oapi.dingtalk.com/robot/send?access_token=***'
 */
export function maskWebhook(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '(not a URL)';
  }
  const query = [...parsed.searchParams.keys()]
    .filter((key, index, keys) => keys.indexOf(key) === index)
    .map((key) => `${encodeURIComponent(key)}=***`);
  const user = parsed.username || parsed.password ? '***@' : '';
  return `${parsed.protocol}//${user}${parsed.host}${parsed.pathname}${query.length ? `?${query.join('&')}` : ''}`;
}

/** A robot as the page shows it: where it posts (masked), whether it signs, its keywords. */
export interface RobotSummary {
  /** One masked URL per member (several for a pool). */
  webhooks: string[];
  /** Whether every member signs its posts (加签). */
  signed: boolean;
  keywords: string[];
}

/** Describes a configured robot without its token or secret. */
export function robotSummary(robot: RobotFileConfig | undefined): RobotSummary {
  if (!robot) return { webhooks: [], signed: false, keywords: [] };
  const members = robot.webhooks
    ? robot.webhooks.map((m) =>
        typeof m === 'string'
          ? { url: m, secret: robot.secret }
          : { url: memberUrl(m), secret: m.secret ?? robot.secret },
      )
    : [{ url: memberUrl(robot), secret: robot.secret }];
  return {
    webhooks: members.map((m) => maskWebhook(m.url)),
    signed: members.every((m) => m.secret !== undefined && m.secret !== ''),
    keywords: robot.keywords ?? [],
  };
}

function memberUrl(m: {
  webhook?: string | undefined;
  token?: string | undefined;
  baseUrl?: string | undefined;
}) {
  if (m.webhook) return m.webhook;
  const base = (m.baseUrl ?? 'https://oapi.dingtalk.com').replace(/\/+$/, '');
  return `${base}/robot/send?access_token=${encodeURIComponent(m.token ?? '')}`;
}

/**
 * Every secret of the config (tokens, including those inside webhook URLs, 加签 secrets, the inputs'
 * bearer tokens and passwords, HMAC secrets), for {@link redactRow}.
 */
export function configSecrets(config: RelayFileConfig): string[] {
  const out: string[] = [];
  const member = (m: {
    webhook?: string | undefined;
    token?: string | undefined;
    secret?: string | undefined;
  }) => {
    out.push(m.token ?? '', m.secret ?? '');
    if (m.webhook) {
      try {
        for (const value of new URL(m.webhook).searchParams.values()) out.push(value);
      } catch {
        out.push(m.webhook);
      }
    }
  };
  for (const robot of Object.values(config.robots)) {
    member(robot);
    for (const m of robot.webhooks ?? []) member(typeof m === 'string' ? { webhook: m } : m);
  }
  const auth = (a: AuthConfig | undefined) => {
    if (a) out.push('bearer' in a ? a.bearer : a.basic.password);
  };
  for (const a of consoleAuths(config)) auth(a);
  out.push(config.inputs.grafana?.hmacSecret ?? '');
  for (const hook of Object.values(config.inputs.hooks ?? {}))
    out.push(hook.github?.secret ?? '', hook.gitlab?.token ?? '');
  return out.filter((secret) => secret.length >= 4);
}

/**
 * An outbox row as the page may show it: its failure reason without access tokens, signs or any
 * secret of the config (defence in depth: the sender's reasons come from redacted errors already).
 */
export function redactRow(row: OutboxRow, secrets: readonly string[]): OutboxRow {
  if (row.reason === undefined) return row;
  let reason = redactText(row.reason);
  for (const secret of secrets) reason = reason.split(secret).join('[REDACTED]');
  return { ...row, reason };
}
