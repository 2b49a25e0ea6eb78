/**
 * Alert digests that summarise instead of listing: when many notifications wait for one robot, they
 * become one message grouped by status and alert name with counts — "🔥 12 firing: HighCPU ×8
 * (web-1…web-8), DiskFull ×4" — resolved after firing, and an alert that fired and resolved inside
 * the same batch collapses to one "resolved after 3 min" line.
 */
import { type Message, markdown, utf8Length } from '@dingbot/sdk';
import { labelsKey } from '../inputs/alertmanager.js';
import type { Alert, AlertNotification, AlertSummary, Mentions } from '../model.js';
import {
  alertTarget,
  COLOURS,
  formatDuration,
  type Locale,
  localTime,
  mdText,
  severityColour,
  toMillis,
} from './format.js';
import { mentionLine } from './renderer.js';

/** Options of {@link summariseAlerts}. */
export interface SummaryOptions {
  locale: Locale;
  /** IANA time zone of the "first started" time. */
  timeZone: string;
  /** People to @-mention in the digest. */
  mentions?: Mentions;
  /** Largest message, in UTF-8 bytes of its JSON. @default 20000 */
  maxBytes?: number;
}

/** What {@link summariseAlerts} reads of an alert. */
type SummaryAlert = AlertSummary['alerts'][number];

/** What {@link summariseAlerts} reads of a notification: a whole one, or what the outbox kept of it. */
export interface SummaryInput {
  alerts: readonly SummaryAlert[];
  truncatedAlerts: number;
}

interface Tracked {
  alert: SummaryAlert;
  firedInBatch: boolean;
}

interface Group {
  name: string;
  alerts: SummaryAlert[];
}

const SEVERITY_ORDER = [COLOURS.critical, COLOURS.warning, COLOURS.info, COLOURS.none] as string[];

/**
 * Summarises a batch of notifications into one markdown message (DingTalk's guide recommends exactly
 * this for bursts of alarms). Each alert counts once, in its latest state; groups are sorted by size.
 * @example const message = summariseAlerts(waiting, { locale: 'en', timeZone: 'Asia/Shanghai' });
 */
export function summariseAlerts(notifications: readonly SummaryInput[], options: SummaryOptions): Message {
  const zh = options.locale === 'zh-CN';
  const tracked = new Map<string, Tracked>();
  for (const n of notifications) {
    for (const alert of n.alerts) {
      const key = alert.fingerprint ?? labelsKey(alert.labels);
      const seen = tracked.get(key);
      tracked.set(key, { alert, firedInBatch: (seen?.firedInBatch ?? false) || alert.status === 'firing' });
    }
  }
  const all = [...tracked.values()];
  const firing = all.filter((t) => t.alert.status === 'firing').map((t) => t.alert);
  const resolved = all.filter((t) => t.alert.status === 'resolved' && !t.firedInBatch).map((t) => t.alert);
  const flapped = all.filter((t) => t.alert.status === 'resolved' && t.firedInBatch).map((t) => t.alert);
  const truncated = notifications.reduce((sum, n) => sum + n.truncatedAlerts, 0);

  const firingGroups = groupByName(firing);
  const resolvedGroups = groupByName([...resolved, ...flapped]);
  const resolvedCount = resolved.length + flapped.length;

  const headFiring = zh ? `🔥 ${firing.length} 条告警中` : `🔥 ${firing.length} firing`;
  const headResolved = zh ? `✅ ${resolvedCount} 条已恢复` : `✅ ${resolvedCount} resolved`;
  const colon = zh ? '：' : ': ';
  const sep = zh ? '，' : ', ';
  const shortList = (groups: Group[]) =>
    groups
      .slice(0, 3)
      .map((g) => (g.alerts.length > 1 ? `${cut(g.name, 40)} ×${g.alerts.length}` : cut(g.name, 40)))
      .join(sep) + (groups.length > 3 ? '…' : '');
  const title =
    firing.length > 0
      ? `${headFiring}${colon}${shortList(firingGroups)}`
      : resolvedCount > 0
        ? `${headResolved}${colon}${shortList(resolvedGroups)}`
        : zh
          ? '告警摘要'
          : 'Alert digest';

  const blocks: { text: string; alerts: number }[] = [];
  if (firing.length > 0) {
    blocks.push({ text: `### ${headFiring}`, alerts: 0 });
    for (const g of firingGroups) blocks.push({ text: groupLine(g, zh, true), alerts: g.alerts.length });
  }
  if (resolvedCount > 0) {
    blocks.push({ text: `### ${headResolved}`, alerts: 0 });
    for (const g of groupByName(resolved))
      blocks.push({ text: groupLine(g, zh, false), alerts: g.alerts.length });
    for (const g of groupByName(flapped)) blocks.push({ text: flappedLine(g, zh), alerts: g.alerts.length });
  }
  const starts = [...firing, ...resolved, ...flapped]
    .map((a) => toMillis(a.startsAt))
    .filter(Number.isFinite);
  const footer: string[] = [];
  if (truncated > 0) {
    footer.push(
      mdText(
        zh ? `另有 ${truncated} 条告警被 Alertmanager 省略` : `${truncated} more left out by Alertmanager`,
      ),
    );
  }
  if (starts.length > 0) {
    const first = localTime(
      starts.reduce((a, b) => Math.min(a, b)),
      options.timeZone,
    );
    footer.push(zh ? `最早开始于 ${first}` : `First started ${first}`);
  }
  const mentions = options.mentions;
  const line = mentions ? mentionLine(mentions) : '';
  if (line) footer.push(line);

  const maxBytes = options.maxBytes ?? 20_000;
  const build = (count: number, omitted: number): Message => {
    const parts = blocks.slice(0, count).map((b) => b.text);
    if (omitted > 0) parts.push(mdText(zh ? `…… 还有 ${omitted} 条` : `… and ${omitted} more`));
    const text = joinBlocks([...parts, ...footer]) || (zh ? '没有告警' : 'No alerts');
    const at = mentions && (line || mentions.all) ? { at: mentions } : {};
    return markdown(title, text, at);
  };
  // Sizes of the blocks as they weigh in the JSON body, so the cut is found in one pass.
  const weight = (part: string) => utf8Length(JSON.stringify(part)) - 2 + 2;
  const fixed = utf8Length(JSON.stringify(build(0, 0))) + 64;
  let count = 0;
  let used = fixed;
  while (count < blocks.length && used + weight(blocks[count]!.text) <= maxBytes) {
    used += weight(blocks[count]!.text);
    count++;
  }
  const omittedFrom = (c: number) => blocks.slice(c).reduce((sum, b) => sum + b.alerts, 0);
  let message = build(count, omittedFrom(count));
  while (utf8Length(JSON.stringify(message)) > maxBytes && count > 0) {
    count--;
    message = build(count, omittedFrom(count));
  }
  return message;
}

/** Joins headings and list lines: list lines stay together, blocks are separated by blank lines. */
function joinBlocks(parts: string[]): string {
  let out = '';
  for (const part of parts) {
    if (out === '') out = part;
    else
      out +=
        part.startsWith('- ') && !out.endsWith('\n\n') && /(^|\n)- [^\n]*$/.test(out)
          ? `\n${part}`
          : `\n\n${part}`;
  }
  return out;
}

function groupByName(alerts: readonly SummaryAlert[]): Group[] {
  const groups = new Map<string, SummaryAlert[]>();
  for (const a of alerts) {
    const name = a.labels.alertname ?? '?';
    const list = groups.get(name);
    if (list) list.push(a);
    else groups.set(name, [a]);
  }
  return [...groups.entries()]
    .map(([name, list]) => ({ name, alerts: list }))
    .sort((a, b) => b.alerts.length - a.alerts.length || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function groupLine(g: Group, zh: boolean, firing: boolean): string {
  const targets = targetsOf(g.alerts);
  const count = g.alerts.length > 1 ? ` ×${g.alerts.length}` : '';
  const colour = firing ? worstColour(g.alerts) : COLOURS.resolved;
  const where = targets ? (zh ? `（${mdText(cut(targets, 300))}）` : ` (${mdText(cut(targets, 300))})`) : '';
  return `- <font color=${colour}>●</font> **${mdText(cut(g.name, 200))}**${count}${where}`;
}

function flappedLine(g: Group, zh: boolean): string {
  const durations = g.alerts
    .map((a) => (a.endsAt ? toMillis(a.endsAt) - toMillis(a.startsAt) : Number.NaN))
    .filter((d) => Number.isFinite(d) && d >= 0);
  const longestMs = durations.length > 0 ? durations.reduce((a, b) => Math.max(a, b)) : undefined;
  const base = groupLine(g, zh, false);
  if (longestMs === undefined) return `${base} ✅ ${zh ? '已恢复' : 'resolved'}`;
  if (longestMs < 60_000) return `${base} ✅ ${zh ? '1 分钟内恢复' : 'resolved within a minute'}`;
  const longest = formatDuration(longestMs, zh ? 'zh-CN' : 'en');
  return `${base} ✅ ${zh ? `${longest}后恢复` : `resolved after ${longest}`}`;
}

/** At most `max` characters, with `…` when cut. */
function cut(value: string, max: number): string {
  return value.length > max ? `${value.slice(0, max)}…` : value;
}

function worstColour(alerts: readonly SummaryAlert[]): string {
  let best = SEVERITY_ORDER.length - 1;
  for (const a of alerts) best = Math.min(best, SEVERITY_ORDER.indexOf(severityColour(a.labels.severity)));
  return SEVERITY_ORDER[best] ?? COLOURS.none;
}

/**
 * The alerts' targets, compressed: `web-1…web-8` for a run of numbered names, otherwise the first
 * few names and `…`.
 * @example targetsOf(alerts) // 'web-1…web-8'
 */
export function targetsOf(alerts: readonly Pick<Alert, 'labels'>[]): string {
  const names = [...new Set(alerts.map((a) => alertTarget(a.labels)).filter((t): t is string => !!t))];
  if (names.length === 0) return '';
  const numbered = names.map((n) => /^(.*?)(\d+)$/.exec(n));
  if (names.length >= 3 && numbered.every((m) => m && m[1] === numbered[0]![1])) {
    const nums = numbered.map((m) => Number(m![2])).sort((a, b) => a - b);
    const contiguous = nums.every((v, i) => i === 0 || v === nums[i - 1]! + 1);
    if (contiguous) return `${numbered[0]![1]}${nums[0]}…${numbered[0]![1]}${nums[nums.length - 1]}`;
  }
  const sorted = names.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  return sorted.length > 4 ? `${sorted.slice(0, 4).join(', ')}, …` : sorted.join(', ');
}

/**
 * What the outbox keeps of a notification with each message rendered from it, for a later summary.
 * @example outbox.append({ messages: [{ robot, route, message, summary: alertSummary(n, 'en', 'UTC') }], source })
 */
export function alertSummary(n: AlertNotification, locale: Locale, timeZone: string): AlertSummary {
  return {
    alerts: n.alerts.map(({ status, labels, startsAt, endsAt, fingerprint }) => ({
      status,
      labels,
      startsAt,
      ...(endsAt === undefined ? {} : { endsAt }),
      ...(fingerprint === undefined ? {} : { fingerprint }),
    })),
    truncatedAlerts: n.truncatedAlerts,
    locale,
    timeZone,
  };
}

/** One message waiting in a digest, with what it keeps of its alerts (when it was rendered from some). */
export interface SummaryItem {
  message: Message;
  summary?: AlertSummary | undefined;
}

/**
 * The summary that replaces a digest's list when every message in it was rendered from alerts in one
 * language: each alert once, in its latest state, grouped by status and name; the messages' mentions
 * merged. `undefined` (the SDK's default list then goes) for anything else: a hook's or a
 * DingTalk-compatible message in the digest, or routes in different languages. Nothing is left out
 * for size: a summary over `maxBytes` is made again from fewer messages by the SDK's engine.
 * @example robot options: digest: { build: (messages, { items }) => summariseDigest(items.map(rowOf)) }
 */
export function summariseDigest(items: readonly SummaryItem[]): Message | undefined {
  const first = items[0]?.summary;
  if (!first) return undefined;
  const summaries: AlertSummary[] = [];
  for (const item of items) {
    if (!item.summary || item.summary.locale !== first.locale) return undefined;
    summaries.push(item.summary);
  }
  const mentions = mergedMentions(items.map((i) => i.message));
  return summariseAlerts(summaries, {
    locale: first.locale,
    timeZone: first.timeZone,
    ...(mentions ? { mentions } : {}),
    maxBytes: Number.POSITIVE_INFINITY,
  });
}

/** The union of the messages' mentions, or `undefined` when none mentions anyone. */
function mergedMentions(messages: readonly Message[]): Mentions | undefined {
  const mobiles = new Set<string>();
  const userIds = new Set<string>();
  let all = false;
  for (const m of messages) {
    if ((m.msgtype !== 'text' && m.msgtype !== 'markdown') || !m.at) continue;
    for (const v of m.at.atMobiles ?? []) mobiles.add(v);
    for (const v of m.at.atUserIds ?? []) userIds.add(v);
    all ||= m.at.isAtAll === true;
  }
  if (mobiles.size + userIds.size === 0 && !all) return undefined;
  return { mobiles: [...mobiles], userIds: [...userIds], all };
}
