/**
 * Grafana's webhook contact point (unified alerting, payload version "1") → {@link AlertNotification}.
 * Grafana sends everything Alertmanager does plus `orgId`, `state`, a rendered `title` and `message`,
 * and per alert `silenceURL`, `dashboardURL`, `panelURL` and the query `values` that fired it
 * (grafana/alerting `receivers/webhook/v1/webhook.go`, `templates/template_data.go`).
 */
import { z } from 'zod';
import type { Alert, AlertNotification } from '../model.js';
import { alertmanagerAlertSchema, alertStatusSchema, normaliseAlert } from './alertmanager.js';
import { parseWith, stringMapSchema } from './payload.js';

const grafanaAlertSchema = alertmanagerAlertSchema.extend({
  silenceURL: z.string().optional(),
  dashboardURL: z.string().optional(),
  panelURL: z.string().optional(),
  // Grafana marshals a nil map as null.
  values: z.record(z.string(), z.number().nullable()).nullable().optional(),
});

const grafanaSchema = z.object({
  version: z
    .string()
    .refine((v) => v === '1', {
      message:
        'expected "1" (Grafana\'s webhook payload); Alertmanager sends "4": post it to /alertmanager/<route> instead',
    })
    .optional(),
  receiver: z.string(),
  status: alertStatusSchema,
  alerts: z.array(grafanaAlertSchema),
  groupLabels: stringMapSchema.optional(),
  commonLabels: stringMapSchema.optional(),
  commonAnnotations: stringMapSchema.optional(),
  externalURL: z.string().optional(),
  groupKey: z.string().optional(),
  truncatedAlerts: z.number().int().nonnegative().optional(),
  orgId: z.number().optional(),
  title: z.string().optional(),
  message: z.string().optional(),
  state: z.string().optional(),
});

/**
 * Parses and validates the body of Grafana's webhook contact point (version "1"; a missing `version`
 * is accepted). Empty URLs (`"dashboardURL": ""`) become `undefined`, as does Go's zero `endsAt`.
 * @throws {InputError} naming the field as in the JSON, e.g. `alerts[0].values.B`.
 * @example parseGrafana(await request.json()).alerts[0].dashboardURL
 */
export function parseGrafana(body: unknown): AlertNotification {
  const p = parseWith(grafanaSchema, body, 'Grafana payload');
  const notification: AlertNotification = {
    source: 'grafana',
    receiver: p.receiver,
    status: p.status,
    // Older Grafana versions leave groupKey out; the receiver and group labels identify the group then.
    groupKey: p.groupKey ?? `${p.receiver}:${JSON.stringify(p.groupLabels ?? {})}`,
    groupLabels: p.groupLabels ?? {},
    commonLabels: p.commonLabels ?? {},
    commonAnnotations: p.commonAnnotations ?? {},
    externalURL: p.externalURL ?? '',
    alerts: p.alerts.map((a): Alert => {
      const alert = normaliseAlert(a);
      if (a.silenceURL) alert.silenceURL = a.silenceURL;
      if (a.dashboardURL) alert.dashboardURL = a.dashboardURL;
      if (a.panelURL) alert.panelURL = a.panelURL;
      if (a.values) alert.values = Object.fromEntries(Object.entries(a.values));
      return alert;
    }),
    truncatedAlerts: p.truncatedAlerts ?? 0,
  };
  if (p.title) notification.title = p.title;
  if (p.message) notification.message = p.message;
  return notification;
}
