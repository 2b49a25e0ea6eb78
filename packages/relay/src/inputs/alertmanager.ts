/**
 * Alertmanager's webhook payload (version "4") → {@link AlertNotification}.
 * Field list: Alertmanager's `notify/webhook/webhook.go` and `template/template.go`; unknown keys
 * (`notification_reason`, `routeLabels` in newer versions) are accepted and ignored.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Alert, AlertNotification } from '../model.js';
import { GO_ZERO_TIME, parseTime, parseWith, stringMapSchema, timestampSchema } from './payload.js';

const statusSchema = z.enum(['firing', 'resolved']);

/** One alert as Alertmanager sends it. */
const alertSchema = z.object({
  status: statusSchema,
  labels: stringMapSchema,
  annotations: stringMapSchema.optional(),
  startsAt: timestampSchema,
  endsAt: timestampSchema.optional(),
  generatorURL: z.string().optional(),
  fingerprint: z.string().optional(),
});

/** Alertmanager's webhook body, version "4". */
const alertmanagerSchema = z.object({
  version: z
    .string()
    .refine((v) => v === '4', {
      message:
        'expected "4" (Alertmanager\'s webhook payload); Grafana sends "1": post it to /grafana/<route> instead',
    })
    .optional(),
  receiver: z.string(),
  status: statusSchema,
  alerts: z.array(alertSchema),
  groupLabels: stringMapSchema.optional(),
  commonLabels: stringMapSchema.optional(),
  commonAnnotations: stringMapSchema.optional(),
  externalURL: z.string().optional(),
  groupKey: z.string(),
  truncatedAlerts: z.number().int().nonnegative().optional(),
});

/** The alert fields Alertmanager and Grafana share, normalised (zero `endsAt` → undefined, empty URLs dropped). */
export function normaliseAlert(a: z.infer<typeof alertSchema>): Alert {
  const alert: Alert = {
    status: a.status,
    labels: a.labels,
    annotations: a.annotations ?? {},
    startsAt: a.startsAt,
  };
  if (a.endsAt !== undefined && !isZeroTime(a.endsAt)) alert.endsAt = a.endsAt;
  if (a.generatorURL) alert.generatorURL = a.generatorURL;
  if (a.fingerprint) alert.fingerprint = a.fingerprint;
  return alert;
}

/** Whether a time is Go's zero time (year 1), which means "not set". */
export function isZeroTime(value: string): boolean {
  return value === GO_ZERO_TIME || value.startsWith('0001-01-01T');
}

/**
 * Parses and validates Alertmanager's webhook body (payload version "4"; a missing `version` is
 * accepted for tools that imitate it). Nanosecond timestamps are kept as written; Go's zero time in
 * `endsAt` (a firing alert) becomes `undefined`.
 * @throws {InputError} naming the field as in the JSON, e.g. `alerts[0].labels`.
 * @example parseAlertmanager(await request.json()).alerts[0].labels.alertname
 */
export function parseAlertmanager(body: unknown): AlertNotification {
  const p = parseWith(alertmanagerSchema, body, 'Alertmanager payload');
  return {
    source: 'alertmanager',
    receiver: p.receiver,
    status: p.status,
    groupKey: p.groupKey,
    groupLabels: p.groupLabels ?? {},
    commonLabels: p.commonLabels ?? {},
    commonAnnotations: p.commonAnnotations ?? {},
    externalURL: p.externalURL ?? '',
    alerts: p.alerts.map(normaliseAlert),
    truncatedAlerts: p.truncatedAlerts ?? 0,
  };
}

/** Alertmanager's alert schema, reused by the Grafana input. */
export { alertSchema as alertmanagerAlertSchema, statusSchema as alertStatusSchema };

/**
 * The identity of a notification, for dropping duplicates: Alertmanager in HA mode sends the same
 * notification from every replica, and every sender retries. Built from the source, the group key,
 * the status and each alert's fingerprint (its sorted labels when there is none), status and start
 * time, independent of the alerts' order. The start time is included so that an alert which fires
 * again after resolving is not taken for the earlier notification.
 * @returns a hex SHA-256, stable across processes and versions of this relay.
 * @example if (seen.has(notificationIdentity(n))) return; // a replica's duplicate
 */
export function notificationIdentity(n: AlertNotification): string {
  const alerts = n.alerts
    .map((a) => {
      const start = parseTime(a.startsAt);
      return JSON.stringify([
        a.fingerprint ?? labelsKey(a.labels),
        a.status,
        Number.isNaN(start) ? a.startsAt : start,
      ]);
    })
    .sort();
  const canonical = JSON.stringify([n.source, n.groupKey, n.status, alerts]);
  return createHash('sha256').update(canonical).digest('hex');
}

/** A canonical string for a label set: sorted name/value pairs. */
export function labelsKey(labels: Record<string, string>): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
