/**
 * The built-in alert templates, Chinese and English, for Alertmanager and Grafana notifications.
 * One layout, written three ways: DingTalk markdown (headings, bold, links, `<font color>`; no tables
 * or code), plain text (for `text` messages, whose @-mentions are highlighted), and an action card
 * (the markdown without the link line, with the links as buttons).
 */
import { type ButtonInput, utf8Length } from '@dingbot/sdk';
import type { Alert, AlertNotification } from '../model.js';
import {
  alertDuration,
  annotation,
  COLOURS,
  formatDuration,
  type Locale,
  labelsThatMatter,
  localTime,
  mdLink,
  mdText,
  safeUrl,
  severityColour,
  silenceUrl,
} from './format.js';

/** The words of the built-in templates. */
interface Words {
  firing: string;
  resolved: string;
  alerts: string;
  groupFiring(n: number): string;
  groupMixed(firing: number, resolved: number): string;
  groupResolved(n: number): string;
  started: string;
  ended: string;
  forDuration(d: string): string;
  lasted(d: string): string;
  values: string;
  graph: string;
  runbook: string;
  silence: string;
  dashboard: string;
  panel: string;
  more(n: number): string;
  truncated(n: number, source: AlertNotification['source']): string;
  colon: string;
  comma: string;
}

const WORDS: Record<Locale, Words> = {
  'zh-CN': {
    firing: '告警',
    resolved: '已恢复',
    alerts: '告警',
    groupFiring: (n) => `${n} 条告警`,
    groupMixed: (f, r) => `${f + r} 条告警中 ${r} 条已恢复`,
    groupResolved: (n) => `${n} 条已恢复`,
    started: '开始',
    ended: '恢复',
    // "持续 5 分钟" but "持续不到 1 分钟": no space before a word.
    forDuration: (d) => (d.startsWith('不到') ? `已持续${d}` : `已持续 ${d}`),
    lasted: (d) => (d.startsWith('不到') ? `持续${d}` : `持续 ${d}`),
    values: '取值',
    graph: '查看图表',
    runbook: '处理手册',
    silence: '静默',
    dashboard: '仪表盘',
    panel: '面板',
    more: (n) => `…… 还有 ${n} 条未列出`,
    truncated: (n, source) =>
      `另有 ${n} 条告警被 ${source === 'grafana' ? 'Grafana 省略（maxAlerts）' : 'Alertmanager 省略（max_alerts）'}`,
    colon: '：',
    comma: '，',
  },
  en: {
    firing: 'FIRING',
    resolved: 'RESOLVED',
    alerts: 'alerts',
    groupFiring: (n) => `${n} firing`,
    groupMixed: (f, r) => `${f} firing, ${r} resolved`,
    groupResolved: (n) => `${n} resolved`,
    started: 'Started',
    ended: 'Resolved',
    forDuration: (d) => `for ${d}`,
    lasted: (d) => `lasted ${d}`,
    values: 'Values',
    graph: 'Graph',
    runbook: 'Runbook',
    silence: 'Silence',
    dashboard: 'Dashboard',
    panel: 'Panel',
    more: (n) => `… and ${n} more`,
    truncated: (n, source) =>
      `${n} more alerts left out by ${source === 'grafana' ? 'Grafana (maxAlerts)' : 'Alertmanager (max_alerts)'}`,
    colon: ': ',
    comma: ', ',
  },
};

/** Options of {@link buildAlertMessage}. */
export interface BuiltinOptions {
  locale: Locale;
  timeZone: string;
  now: Date;
  /** Keep the markdown body under this many UTF-8 bytes by listing fewer alerts. @default 16000 */
  budgetBytes?: number;
}

/** One notification written by the built-in template, in each form a route may send. */
export interface BuiltAlertMessage {
  /** Notification and chat-list title. */
  title: string;
  /** DingTalk markdown body, links included. */
  markdown: string;
  /** Plain text, for `text` messages. */
  text: string;
  /** Markdown for an action card: the body without the link line (the links are its buttons). */
  card: string;
  /** Buttons for an action card: runbook, silence, dashboard (or panel, or graph when none of those). */
  buttons: ButtonInput[];
}

const RUNBOOK = ['runbook_url', 'runbook', 'runbookURL', 'runbook_link'];
const DASHBOARD = ['dashboard', 'dashboard_url', 'dashboardURL', 'grafana_url', 'grafana_dashboard'];
const SUMMARY = ['summary', 'message', 'title'];
const DESCRIPTION = ['description'];

/** The alert name a notification is about (common alertname, group labels, or a generic word). */
export function notificationName(n: AlertNotification, locale: Locale): string {
  const names = [...new Set(n.alerts.map((a) => a.labels.alertname).filter(Boolean))];
  if (n.commonLabels.alertname) return n.commonLabels.alertname;
  if (names.length === 1) return names[0]!;
  const group = Object.entries(n.groupLabels).filter(([, v]) => v);
  if (group.length > 0) return group.map(([k, v]) => `${k}=${v}`).join(' ');
  return WORDS[locale].alerts;
}

interface Links {
  graph?: string | undefined;
  runbook?: string | undefined;
  silence?: string | undefined;
  dashboard?: string | undefined;
  panel?: string | undefined;
}

function alertLinks(n: AlertNotification, alert: Alert, common: boolean): Links {
  return {
    graph: alert.generatorURL,
    runbook: annotation(RUNBOOK, alert.annotations, common ? n.commonAnnotations : undefined),
    // Nobody silences what has resolved.
    silence:
      alert.status === 'resolved'
        ? undefined
        : (alert.silenceURL ??
          (n.source === 'alertmanager' ? silenceUrl(n.externalURL, alert.labels) : undefined)),
    dashboard:
      alert.dashboardURL ??
      annotation(DASHBOARD, alert.annotations, common ? n.commonAnnotations : undefined),
    panel: alert.panelURL,
  };
}

/** The links of a whole notification: the single alert's, or the group's shared ones. */
function notificationLinks(n: AlertNotification): Links {
  const first = n.alerts[0];
  if (n.alerts.length === 1 && first) return alertLinks(n, first, true);
  const same = <T>(pick: (a: Alert) => T | undefined): T | undefined => {
    const values = new Set(n.alerts.map(pick));
    return values.size === 1 ? [...values][0] : undefined;
  };
  return {
    graph: same((a) => a.generatorURL),
    runbook: annotation(RUNBOOK, n.commonAnnotations) ?? same((a) => annotation(RUNBOOK, a.annotations)),
    silence:
      n.source === 'alertmanager' &&
      Object.keys(n.commonLabels).length > 0 &&
      n.alerts.some((a) => a.status === 'firing')
        ? silenceUrl(n.externalURL, n.commonLabels)
        : undefined,
    dashboard: annotation(DASHBOARD, n.commonAnnotations) ?? same((a) => a.dashboardURL),
    panel: same((a) => a.panelURL),
  };
}

function linkLine(links: Links, w: Words): string {
  return [
    mdLink(w.graph, links.graph),
    mdLink(w.runbook, links.runbook),
    mdLink(w.dashboard, links.dashboard),
    mdLink(w.panel, links.panel),
    mdLink(w.silence, links.silence),
  ]
    .filter(Boolean)
    .join(' · ');
}

function textLinks(links: Links, w: Words): string[] {
  const lines: string[] = [];
  const add = (label: string, url: string | undefined) => {
    const safe = safeUrl(url);
    if (safe) lines.push(`${label}${w.colon}${safe}`);
  };
  add(w.graph, links.graph);
  add(w.runbook, links.runbook);
  add(w.dashboard, links.dashboard);
  add(w.panel, links.panel);
  add(w.silence, links.silence);
  return lines;
}

function buttonsFor(links: Links, w: Words): ButtonInput[] {
  const buttons: ButtonInput[] = [];
  const add = (title: string, url: string | undefined) => {
    const safe = safeUrl(url);
    if (safe) buttons.push({ title, url: safe });
  };
  add(w.runbook, links.runbook);
  add(w.silence, links.silence);
  add(w.dashboard, links.dashboard ?? links.panel);
  if (buttons.length === 0) add(w.graph, links.graph);
  return buttons;
}

function formatValues(values: Alert['values']): string | undefined {
  if (!values) return undefined;
  const parts = Object.entries(values).map(
    ([ref, v]) => `${ref}=${v === null ? 'null' : Number.isInteger(v) ? v : Number(v.toPrecision(6))}`,
  );
  return parts.length > 0 ? parts.join(', ') : undefined;
}

function timeLine(alert: Alert, o: BuiltinOptions, w: Words): string {
  const duration = formatDuration(alertDuration(alert, o.now), o.locale);
  if (alert.status === 'resolved' && alert.endsAt) {
    return `${w.ended} ${localTime(alert.endsAt, o.timeZone)}${w.comma}${w.lasted(duration)}`;
  }
  return `${w.started} ${localTime(alert.startsAt, o.timeZone)}${w.comma}${w.forDuration(duration)}`;
}

/**
 * Writes a notification with the built-in template.
 * @example const built = buildAlertMessage(n, { locale: 'zh-CN', timeZone: 'Asia/Shanghai', now: new Date() });
 */
export function buildAlertMessage(n: AlertNotification, o: BuiltinOptions): BuiltAlertMessage {
  const w = WORDS[o.locale];
  const name = notificationName(n, o.locale);
  const firing = n.alerts.filter((a) => a.status === 'firing');
  const resolved = n.alerts.filter((a) => a.status === 'resolved');
  const allResolved = firing.length === 0;
  const emoji = allResolved ? '✅' : '🔥';
  const severity = n.commonLabels.severity ?? worstSeverity(firing.length > 0 ? firing : n.alerts);
  const colour = allResolved ? COLOURS.resolved : severityColour(severity);
  const count = n.alerts.length + n.truncatedAlerts;
  const title = `${emoji} ${allResolved ? w.resolved : w.firing}${w.colon}${name}${count > 1 ? ` ×${count}` : ''}`;
  const tag = severity && !allResolved ? `[${severity}] ` : '';
  const single = n.alerts.length === 1 && n.truncatedAlerts === 0 ? n.alerts[0] : undefined;

  let headline: string;
  if (single) headline = `${tag}${allResolved ? `${w.resolved}${w.colon}` : ''}${name}`;
  else {
    const counts =
      resolved.length === 0
        ? w.groupFiring(firing.length + n.truncatedAlerts)
        : firing.length === 0
          ? w.groupResolved(resolved.length + n.truncatedAlerts)
          : w.groupMixed(firing.length, resolved.length);
    headline = `${tag}${name}${w.colon}${counts}`;
  }

  const md: string[] = [`### ${emoji} <font color=${colour}>${mdText(headline)}</font>`];
  const txt: string[] = [`${emoji} ${headline}`];

  const summary = single
    ? annotation(SUMMARY, single.annotations, n.commonAnnotations)
    : annotation(SUMMARY, n.commonAnnotations);
  const description = single
    ? annotation(DESCRIPTION, single.annotations, n.commonAnnotations)
    : annotation(DESCRIPTION, n.commonAnnotations);
  if (summary) {
    md.push(`**${mdText(summary)}**`);
    txt.push(summary.trim());
  }
  if (description && description !== summary) {
    md.push(mdText(description));
    txt.push(description.trim());
  }

  const shown = labelsThatMatter(single ? single.labels : n.commonLabels);
  const facts: [string, string][] = [...shown];
  if (single) {
    const values = formatValues(single.values);
    if (values) facts.push([w.values, values]);
  }
  if (facts.length > 0 || single) {
    const lines = facts.map(([k, v]) => `- **${mdText(k)}**${w.colon}${mdText(v)}`);
    if (single) lines.push(`- ${timeLine(single, o, w)}`);
    md.push(lines.join('\n'));
    txt.push(
      [...facts.map(([k, v]) => `${k}${w.colon}${v}`), ...(single ? [timeLine(single, o, w)] : [])].join(
        '\n',
      ),
    );
  }

  if (!single) {
    const budget = o.budgetBytes ?? 16_000;
    let used = utf8Length(md.join('\n\n'));
    const ordered = [...firing, ...resolved];
    const shared = notificationLinks(n);
    let listed = 0;
    for (const alert of ordered) {
      const block = groupAlertBlock(n, alert, o, w, shared);
      const size = utf8Length(block.md) + 2;
      if (used + size > budget && listed > 0) break;
      md.push(block.md);
      txt.push(block.text);
      used += size;
      listed++;
    }
    if (listed < ordered.length) {
      md.push(mdText(w.more(ordered.length - listed)));
      txt.push(w.more(ordered.length - listed));
    }
    if (n.truncatedAlerts > 0) {
      md.push(mdText(w.truncated(n.truncatedAlerts, n.source)));
      txt.push(w.truncated(n.truncatedAlerts, n.source));
    }
  }

  const links = notificationLinks(n);
  const card = md.join('\n\n');
  const line = linkLine(links, w);
  const textLinkLines = textLinks(links, w);
  return {
    title,
    markdown: line ? `${card}\n\n${line}` : card,
    text: [...txt, ...(textLinkLines.length > 0 ? [textLinkLines.join('\n')] : [])].join('\n\n'),
    card,
    buttons: buttonsFor(links, w),
  };
}

const SEVERITY_RANK = [COLOURS.critical, COLOURS.warning, COLOURS.info, COLOURS.none] as string[];

/** The most severe `severity` label among the alerts (critical before warning before info). */
function worstSeverity(alerts: readonly Alert[]): string | undefined {
  let worst: string | undefined;
  for (const a of alerts) {
    const s = a.labels.severity;
    if (!s) continue;
    if (
      worst === undefined ||
      SEVERITY_RANK.indexOf(severityColour(s)) < SEVERITY_RANK.indexOf(severityColour(worst))
    ) {
      worst = s;
    }
  }
  return worst;
}

/** One alert of a group: what tells it apart from the others, its summary, times and own links. */
function groupAlertBlock(
  n: AlertNotification,
  alert: Alert,
  o: BuiltinOptions,
  w: Words,
  shared: Links,
): { md: string; text: string } {
  const own = Object.fromEntries(Object.entries(alert.labels).filter(([k, v]) => n.commonLabels[k] !== v));
  const parts = labelsThatMatter(own, 3).map(([, v]) => v);
  if (own.alertname) parts.unshift(own.alertname);
  if (own.severity && !n.commonLabels.severity) parts.push(own.severity);
  const ident = parts.join(' · ') || alert.labels.alertname || alert.fingerprint || '';
  const emoji = alert.status === 'resolved' ? '✅' : '🔥';
  const summary = annotation(SUMMARY, alert.annotations);
  const showSummary = summary && summary !== annotation(SUMMARY, n.commonAnnotations);
  const values = formatValues(alert.values);
  const links = alertLinks(n, alert, false);
  const ownLinks = [
    links.graph !== shared.graph ? mdLink(w.graph, links.graph) : undefined,
    links.silence !== shared.silence ? mdLink(w.silence, links.silence) : undefined,
  ]
    .filter(Boolean)
    .join(' · ');
  const head = `**${emoji} ${mdText(ident)}**${showSummary ? ` ${mdText(summary)}` : ''}`;
  const time = timeLine(alert, o, w);
  const mdDetail = values ? `${time}${w.comma}${w.values} ${mdText(values)}` : time;
  const md = `${head}  \n${mdDetail}${ownLinks ? ` · ${ownLinks}` : ''}`;
  const text = `${emoji} ${ident}${showSummary ? ` ${summary}` : ''}\n${values ? `${time}${w.comma}${w.values} ${values}` : time}`;
  return { md, text };
}
