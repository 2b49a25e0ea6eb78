/**
 * Pieces the alert inputs share: zod schemas for label maps and RFC 3339 times, and the step that
 * turns zod's issues into an {@link InputError} naming the field as the sender wrote it.
 */
import { z } from 'zod';
import { InputError } from '../model.js';

/** Go's zero `time.Time`, which Alertmanager and Grafana send as `endsAt` while an alert fires. */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

/** RFC 3339 with any number of fraction digits (Alertmanager stamps nanoseconds) and `Z` or an offset. */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * Milliseconds since the epoch of an RFC 3339 time; fraction digits beyond milliseconds are dropped.
 * Returns `NaN` for anything else (including impossible dates such as month 13).
 * @example parseTime('2026-11-29T17:20:16.851728135Z') // 1795972816851
 */
export function parseTime(value: string): number {
  const m = RFC3339.exec(value);
  if (!m) return Number.NaN;
  const [, y, mo, d, h, mi, s, frac = '', zone = 'Z'] = m;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) {
    return Number.NaN;
  }
  const millis = frac === '' ? '' : `.${frac.slice(1, 4).padEnd(3, '0')}`;
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${s}${millis}${zone.toUpperCase()}`;
  const ms = Date.parse(iso);
  // Date.parse rolls 31 February over into March; refuse days the month does not have.
  if (Number.isNaN(ms) || new Date(Date.UTC(Number(y), month - 1, day)).getUTCDate() !== day)
    return Number.NaN;
  return ms;
}

/** An RFC 3339 timestamp as the sender wrote it. */
export const timestampSchema = z.string().refine((v) => !Number.isNaN(parseTime(v)), {
  message: 'expected an RFC 3339 time such as "2026-11-29T17:20:16.851Z"',
});

/**
 * A map of label (or annotation) names to string values. Built by hand rather than with `z.record`
 * so that a key such as `__proto__` stays an ordinary own key instead of replacing the prototype.
 */
export const stringMapSchema = z.unknown().transform((value, ctx): Record<string, string> => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    ctx.addIssue({
      code: 'custom',
      message: `expected an object of string values such as {"severity": "critical"}, got ${describe(value)}`,
    });
    return z.NEVER;
  }
  const entries: [string, string][] = [];
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') {
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: `expected a string, got ${describe(v)} (label and annotation values are always strings: quote it)`,
      });
      continue;
    }
    entries.push([key, v]);
  }
  return Object.fromEntries(entries);
});

/** A short description of a JSON value's type for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value === undefined) return 'nothing';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)?.slice(0, 40)}`;
}

/**
 * Formats a zod issue path the way the field is written in JSON: `alerts[0].labels.severity`;
 * `(body)` for the body itself. Keys that are not plain identifiers are quoted: `labels["a.b"]`.
 */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (typeof part === 'string' && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(part))
      out += out ? `.${part}` : part;
    else out += `[${JSON.stringify(String(part))}]`;
  }
  return out || '(body)';
}

/**
 * Validates `body` with `schema`; on failure throws an {@link InputError} for the first issue, whose
 * message starts with what was being read (`what`) and names the field.
 */
export function parseWith<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const result = schema.safeParse(body, { reportInput: true });
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = formatPath(issue?.path ?? []);
  const message = issue ? friendlyMessage(issue) : 'invalid';
  throw new InputError(field, `Invalid ${what}: ${field}: ${message}`);
}

function friendlyMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && issue.input === undefined)
    return `is required (expected ${issue.expected})`;
  if (issue.code === 'invalid_value') {
    return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describe(issue.input)}`;
  }
  if (issue.code === 'invalid_type') return `expected ${issue.expected}, got ${describe(issue.input)}`;
  return issue.message;
}
