/**
 * What the web page and its `/api/*` need besides the outbox: who may use them (the inputs'
 * credentials), and robots described without a secret in sight.
 */
import type { AuthConfig, RelayFileConfig, RobotFileConfig } from '../config/schema.js';

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
