/**
 * Small formatting helpers shared by the built-in templates, the digests and the liquid filters:
 * local times, durations, severity colours, silence links, safe markdown links, and the labels worth
 * showing.
 */
import { escapeMarkdown, markdownBreaks } from '@dingbot/sdk';
import { parseTime } from '../inputs/payload.js';
import type { Alert } from '../model.js';
import { quoteValue } from '../routing/matchers.js';

/** Languages of the built-in templates. */
export type Locale = 'zh-CN' | 'en';

/** The default time zone for times in messages. */
export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

const timeFormats = new Map<string, Intl.DateTimeFormat>();

/**
 * A time as people in `timeZone` read it: `2026-11-30 01:20:16 (UTC+8)`. Accepts an RFC 3339 string
 * (nanoseconds allowed), a `Date` or epoch milliseconds; returns the input unchanged when it is not a time.
 * @example localTime('2026-11-29T17:20:16.851728135Z', 'Asia/Shanghai') // '2026-11-30 01:20:16 (UTC+8)'
 */
export function localTime(value: string | number | Date, timeZone: string, withZone = true): string {
  const ms = toMillis(value);
  if (Number.isNaN(ms)) return String(value);
  let format = timeFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'shortOffset',
    });
    timeFormats.set(timeZone, format);
  }
  const p = Object.fromEntries(format.formatToParts(new Date(ms)).map((part) => [part.type, part.value]));
  const zone = (p.timeZoneName ?? 'GMT').replace(/^GMT/, 'UTC').replace(/^UTC[+-]0?0?(:00)?$/, 'UTC');
  const base = `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
  return withZone ? `${base} (${zone})` : base;
}

/** Epoch milliseconds of a time given as RFC 3339, `Date` or number; `NaN` when it is none. */
export function toMillis(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return parseTime(value);
  return Number.NaN;
}

/**
 * A duration the way people say it: `under a minute`, `5 min`, `2 h 5 min`, `3 d 4 h`; in Chinese
 * `不到 1 分钟`, `5 分钟`, `2 小时 5 分钟`, `3 天 4 小时`.
 * @example formatDuration(5 * 60_000, 'zh-CN') // '5 分钟'
 */
export function formatDuration(ms: number, locale: Locale): string {
  const zh = locale === 'zh-CN';
  if (!Number.isFinite(ms) || ms < 60_000) return zh ? '不到 1 分钟' : 'under a minute';
  const minutes = Math.floor(ms / 60_000);
  const [d, h, m] = [Math.floor(minutes / 1440), Math.floor((minutes % 1440) / 60), minutes % 60];
  const unit = zh ? { d: ' 天', h: ' 小时', m: ' 分钟' } : { d: ' d', h: ' h', m: ' min' };
  if (d > 0) return h > 0 ? `${d}${unit.d} ${h}${unit.h}` : `${d}${unit.d}`;
  if (h > 0) return m > 0 ? `${h}${unit.h} ${m}${unit.m}` : `${h}${unit.h}`;
  return `${m}${unit.m}`;
}

/** How long an alert has fired (until `now`) or fired (until its `endsAt`), in milliseconds. */
export function alertDuration(alert: Pick<Alert, 'startsAt' | 'endsAt' | 'status'>, now: Date): number {
  const start = toMillis(alert.startsAt);
  const end = alert.status === 'resolved' && alert.endsAt ? toMillis(alert.endsAt) : now.getTime();
  return Math.max(0, end - start);
}

/** Colours of DingTalk's `<font color>` for each kind of severity and for resolved alerts. */
export const COLOURS = {
  critical: '#d93026',
  warning: '#f08c00',
  info: '#1a73e8',
  none: '#5f6368',
  resolved: '#1e8e3e',
} as const;

/** The colour of a severity label value: critical/page/fatal/error red, warning orange, info blue. */
export function severityColour(severity: string | undefined): string {
  const s = (severity ?? '').toLowerCase();
  if (
    /^(critical|crit|page|pager|fatal|emergency|emerg|alert|error|high|p0|p1|disaster|严重|紧急)$/.test(s)
  ) {
    return COLOURS.critical;
  }
  if (/^(warning|warn|major|medium|average|p2|警告)$/.test(s)) return COLOURS.warning;
  if (/^(info|information|notice|minor|low|p3|p4|提示)$/.test(s)) return COLOURS.info;
  return COLOURS.none;
}

/**
 * Alertmanager's "new silence" page pre-filled with matchers for these labels:
 * `<externalURL>/#/silences/new?filter=%7Balertname%3D%22…%22%2C…%7D`. `undefined` without an external URL.
 * @example silenceUrl('http://am:9093', { alertname: 'DiskFull', instance: 'db-1' })
 */
export function silenceUrl(
  externalURL: string,
  labels: Readonly<Record<string, string>>,
): string | undefined {
  if (!/^https?:\/\//i.test(externalURL)) return undefined;
  const matchers = Object.keys(labels)
    .sort()
    .map((name) => `${name}=${quoteValue(labels[name] ?? '')}`);
  return `${externalURL.replace(/\/+$/, '')}/#/silences/new?filter=${encodeURIComponent(`{${matchers.join(',')}}`)}`;
}

/**
 * A URL safe to put in a markdown link: only `http`, `https` and `dingtalk` schemes, with spaces and
 * parentheses percent-encoded so they cannot end the link. `undefined` for anything else.
 */
export function safeUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  const trimmed = url.trim();
  if (!/^(https?|dingtalk):\/\//i.test(trimmed)) return undefined;
  return trimmed.replace(
    /[\s()<>]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
}

/** A markdown link, or `undefined` when the URL is not safe. The label is escaped ({@link mdText}). */
export function mdLink(label: string, url: string | undefined): string | undefined {
  const safe = safeUrl(url);
  return safe ? `[${escapeMarkdown(label)}](${safe})` : undefined;
}

/**
 * User text (annotations, label values, payload fields) made inert in DingTalk markdown and shown as
 * written: the SDK's {@link escapeMarkdown} (backslash escapes and `&lt;`-style entities, which
 * DingTalk honours), trimmed, with its line breaks kept. It cannot become a link, image, `<font>`,
 * bold, italic, heading, list or quote.
 * @example mdText('[x](http://evil) **y**') // '\\[x\\](http://evil) \\*\\*y\\*\\*' (shown as typed)
 */
export function mdText(value: string): string {
  return markdownBreaks(escapeMarkdown(value.trim()));
}

/** Labels that identify where an alert comes from, shown first and in this order. */
const PREFERRED_LABELS = [
  'instance',
  'host',
  'hostname',
  'node',
  'pod',
  'container',
  'namespace',
  'service',
  'job',
  'deployment',
  'cluster',
  'env',
  'environment',
  'region',
  'zone',
  'team',
];

/** Labels never worth a line: shown elsewhere or noise. */
const HIDDEN_LABELS = new Set([
  'alertname',
  'severity',
  '__name__',
  'prometheus',
  'prometheus_replica',
  'receive',
  'tenant_id',
  'endpoint',
  'uid',
  '__alert_rule_uid__',
]);

/**
 * The labels that matter, at most `max`: location labels first (instance, pod, namespace, service…),
 * then the rest by name, without alertname, severity and bookkeeping labels.
 */
export function labelsThatMatter(labels: Readonly<Record<string, string>>, max = 8): [string, string][] {
  const names = Object.keys(labels).filter((n) => !HIDDEN_LABELS.has(n) && !n.startsWith('__'));
  const rank = (n: string) => {
    const i = PREFERRED_LABELS.indexOf(n);
    return i === -1 ? PREFERRED_LABELS.length : i;
  };
  names.sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  return names.slice(0, max).map((n) => [n, labels[n] ?? '']);
}

/** A short name for one alert in a list: its `instance`-like label, without the port. */
export function alertTarget(labels: Readonly<Record<string, string>>): string | undefined {
  for (const name of [
    'instance',
    'host',
    'hostname',
    'node',
    'pod',
    'service',
    'job',
    'zone',
    'region',
    'cluster',
  ]) {
    const value = labels[name];
    if (value) return name === 'instance' ? value.replace(/:\d+$/, '') : value;
  }
  return undefined;
}

/**
 * The first annotation among `names` (e.g. `runbook_url`, `runbook`), from the alert, then the
 * notification's common annotations.
 */
export function annotation(
  names: readonly string[],
  ...sources: (Readonly<Record<string, string>> | undefined)[]
): string | undefined {
  for (const source of sources) {
    for (const name of names) {
      const v = source?.[name];
      if (v) return v;
    }
  }
  return undefined;
}
