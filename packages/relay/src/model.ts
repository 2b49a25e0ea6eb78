/**
 * The relay's shared vocabulary: what every input turns into, what routing and rendering consume, and
 * what the outbox stores. Inputs (alertmanager, grafana, dingtalk-compatible, hooks) produce these;
 * routing and rendering turn a notification into messages; the outbox holds messages until delivered.
 */
import type { Message } from '@dingbot/sdk';

/** One alert, normalised from Alertmanager's or Grafana's JSON. */
export interface Alert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** ISO 8601, as the sender gave it. */
  startsAt: string;
  /** ISO 8601; undefined for a firing alert (Alertmanager's Go zero time `0001-01-01T00:00:00Z` maps here). */
  endsAt?: string;
  generatorURL?: string;
  fingerprint?: string;
  /** Grafana only. */
  silenceURL?: string;
  dashboardURL?: string;
  panelURL?: string;
  /** Grafana only: the query values that fired it, e.g. `{ B: 95.2 }`. */
  values?: Record<string, number | null>;
}

/** One notification (a group of alerts) from Alertmanager or Grafana. */
export interface AlertNotification {
  source: 'alertmanager' | 'grafana';
  receiver: string;
  status: 'firing' | 'resolved';
  groupKey: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: Alert[];
  /** Alerts the sender left out (Alertmanager `max_alerts`). */
  truncatedAlerts: number;
  /** Grafana's own title/message, when present. */
  title?: string;
  message?: string;
}

/** Who to @-mention, resolved from the `people:` map. */
export interface Mentions {
  mobiles: string[];
  userIds: string[];
  all: boolean;
}

/**
 * What a message rendered from an alert notification keeps of it, so that several such messages
 * waiting for one robot can go as one summary ("🔥 12 firing: HighCPU ×8 …") instead of a list.
 */
export interface AlertSummary {
  /** The notification's alerts, without annotations and links (a summary shows neither). */
  alerts: Pick<Alert, 'status' | 'labels' | 'startsAt' | 'endsAt' | 'fingerprint'>[];
  /** Alerts the sender left out (Alertmanager `max_alerts`). */
  truncatedAlerts: number;
  /** The route's language. */
  locale: 'zh-CN' | 'en';
  /** The route's IANA time zone. */
  timeZone: string;
}

/** A message ready for the outbox: which robot (or pool) it goes to and the SDK message to send. */
export interface OutgoingMessage {
  /** A robot or pool name from the config's `robots:`. */
  robot: string;
  /** The route that produced it (for metrics and the UI); `null` for DingTalk-compatible posts. */
  route: string | null;
  message: Message;
  /** For a message rendered from alerts: what a summary of it with others needs. */
  summary?: AlertSummary;
}

/** A bad input that can never succeed: answered 4xx, naming the field as the sender wrote it. */
export class InputError extends Error {
  override name = 'InputError';
  constructor(
    /** Dotted path of the offending field as in the sender's JSON, e.g. `alerts[2].labels`. */
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}
