/**
 * Who to @-mention: the `people:` map (name → mobiles and DingTalk user ids), the labels that name
 * people (`owner: alice`), and an optional weekly on-call schedule. Resolution never throws: a name
 * that is not in `people:` is left out and reported as a warning, so an alert is never lost to a typo.
 */
import { z } from 'zod';
import type { Mentions } from '../model.js';
import { isTimeZone } from '../routing/routes.js';

/** Names with a meaning of their own in `mention:` lists and label values. */
export const RESERVED_PEOPLE = ['all', 'oncall'] as const;

const mobileSchema = z
  .string()
  .regex(/^\+?[0-9][0-9-]{4,19}$/, 'expected a mobile number such as "13800000000" or "+86-13800000000"');

/** One person: the mobiles and/or DingTalk user ids that mention them. */
export const personSchema = z
  .strictObject({
    /** Mobile numbers as registered in DingTalk, e.g. `13800000000`. */
    mobiles: z.array(mobileSchema).optional(),
    /** DingTalk user ids (internal groups only). */
    userIds: z.array(z.string().min(1)).optional(),
  })
  .refine((p) => (p.mobiles?.length ?? 0) + (p.userIds?.length ?? 0) > 0, {
    message: 'give this person at least one of mobiles: or userIds:',
  });

/** One person of `people:`. */
export type Person = z.infer<typeof personSchema>;

/**
 * The `people:` map: a name (as used in labels such as `owner: alice`, in a route's `mention:`, and
 * in the on-call schedule) → mobiles and/or user ids.
 * @example peopleConfigSchema.parse({ alice: { mobiles: ['13800000000'] }, bob: { userIds: ['manager4711'] } })
 */
export const peopleConfigSchema = z.record(z.string().min(1), personSchema).superRefine((people, ctx) => {
  for (const name of RESERVED_PEOPLE) {
    if (Object.hasOwn(people, name)) {
      ctx.addIssue({
        code: 'custom',
        path: [name],
        message: `"${name}" is reserved (all: everyone in the group; oncall: whoever the schedule says): rename this person`,
      });
    }
  }
});

/** The `people:` map. */
export type PeopleConfig = z.infer<typeof peopleConfigSchema>;

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;
const MINUTES_PER_WEEK = 7 * 24 * 60;

/**
 * Minutes since Monday 00:00 of a `'Mon 09:00'` weekly time, or `undefined` when it is not one.
 * Day names are English three-letter abbreviations, any case; hours 00–23.
 */
export function parseWeekTime(value: string): number | undefined {
  const m = /^\s*([A-Za-z]{3})\s+(\d{1,2}):(\d{2})\s*$/.exec(value);
  if (!m) return undefined;
  const day = WEEKDAYS.findIndex((d) => d.toLowerCase() === m[1]!.toLowerCase());
  const hour = Number(m[2]);
  const minute = Number(m[3]);
  if (day < 0 || hour > 23 || minute > 59) return undefined;
  return day * 24 * 60 + hour * 60 + minute;
}

const weekTimeSchema = z.string().refine((v) => parseWeekTime(v) !== undefined, {
  message: 'expected a day and a time such as "Mon 09:00" (Mon Tue Wed Thu Fri Sat Sun, 24-hour clock)',
});

/** One shift of the weekly on-call schedule. `from` equal to `to` means the whole week. */
export const shiftSchema = z.strictObject({
  /** A name from `people:`. */
  name: z.string().min(1),
  /** Start, e.g. `Mon 09:00`. */
  from: weekTimeSchema,
  /** End (exclusive), e.g. `Tue 09:00`; earlier than `from` wraps over Sunday night. */
  to: weekTimeSchema,
  /** IANA time zone of `from` and `to`. @default 'Asia/Shanghai' */
  tz: z
    .string()
    .refine(isTimeZone, { message: 'unknown time zone: use an IANA name such as "Asia/Shanghai"' })
    .optional(),
});

/** One shift of the on-call schedule. */
export type Shift = z.infer<typeof shiftSchema>;

/**
 * Which labels name people, and who is on call when.
 * @example mentionRulesSchema.parse({ labels: ['owner'], schedule: [{ name: 'alice', from: 'Mon 09:00', to: 'Fri 18:00' }] })
 */
export const mentionRulesSchema = z.strictObject({
  /**
   * Label names whose values are people (several separated by commas or spaces), `oncall` or `all`.
   * @default ['owner', 'oncall']
   */
  labels: z.array(z.string().min(1)).default(['owner', 'oncall']),
  /** The weekly on-call schedule, used by `oncall` in a route's `mention:` or a label value. */
  schedule: z.array(shiftSchema).default([]),
});

/** The mention rules (input form: every field optional). */
export type MentionRules = z.input<typeof mentionRulesSchema>;

/** What {@link resolveMentions} needs from the config. */
export interface MentionConfig {
  people: PeopleConfig;
  mentions?: MentionRules;
}

/** {@link Mentions} plus what went wrong while resolving them. */
export interface ResolvedMentions extends Mentions {
  /** People that were found, by name, in the order they were mentioned. */
  people: string[];
  /** Names that are not in `people:`, nobody on call, and so on. Never thrown. */
  warnings: string[];
}

/** The default time zone of schedule shifts. */
export const DEFAULT_SCHEDULE_TIME_ZONE = 'Asia/Shanghai';

/**
 * Who is on call at `now` by the schedule (every shift that covers it).
 * @example onCallAt([{ name: 'alice', from: 'Mon 09:00', to: 'Mon 09:00' }], new Date()) // ['alice']
 */
export function onCallAt(schedule: readonly Shift[], now: Date): string[] {
  const names: string[] = [];
  for (const shift of schedule) {
    const from = parseWeekTime(shift.from);
    const to = parseWeekTime(shift.to);
    if (from === undefined || to === undefined) continue;
    const at = weekMinute(now, shift.tz ?? DEFAULT_SCHEDULE_TIME_ZONE);
    const covered = from === to || (from < to ? at >= from && at < to : at >= from || at < to);
    if (covered && !names.includes(shift.name)) names.push(shift.name);
  }
  return names;
}

const weekFormats = new Map<string, Intl.DateTimeFormat>();

/** Minutes since Monday 00:00 in `timeZone` of the instant `now`. */
export function weekMinute(now: Date, timeZone: string): number {
  let format = weekFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    weekFormats.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(now).map((p) => [p.type, p.value]));
  const day = WEEKDAYS.indexOf(parts.weekday as (typeof WEEKDAYS)[number]);
  return ((day * 24 + Number(parts.hour)) * 60 + Number(parts.minute)) % MINUTES_PER_WEEK;
}

/**
 * Resolves who to @-mention for a notification on a route: the route's `mention:` list, then every
 * person named by a mention label (`owner`, `oncall` by default) of any of the label sets (pass each
 * alert's labels for a group). `oncall` means whoever the schedule has on call at `now`; `all` means
 * everyone; a value that looks like a mobile number is used as it is. Unknown names become warnings.
 * @example
 * const m = resolveMentions(config, n.alerts.map((a) => a.labels), route, new Date());
 * for (const w of m.warnings) log.warn(w);
 */
export function resolveMentions(
  config: MentionConfig,
  labels: Readonly<Record<string, string>> | readonly Readonly<Record<string, string>>[],
  route: { name: string; mention?: readonly string[] | undefined },
  now: Date,
): ResolvedMentions {
  const result: ResolvedMentions = { mobiles: [], userIds: [], all: false, people: [], warnings: [] };
  const parsed = mentionRulesSchema.safeParse(config.mentions ?? {});
  if (!parsed.success)
    result.warnings.push(`mentions: ${parsed.error.issues[0]?.message}: the defaults are used`);
  const rules = parsed.success ? parsed.data : mentionRulesSchema.parse({});
  const addUnique = (list: string[], values: readonly string[] | undefined) => {
    for (const v of values ?? []) if (!list.includes(v)) list.push(v);
  };
  const mention = (name: string, where: string): void => {
    if (name === 'all') {
      result.all = true;
      return;
    }
    if (name === 'oncall') {
      const onCall = onCallAt(rules.schedule, now);
      if (onCall.length === 0) result.warnings.push(`${where}: nobody is on call now by the schedule`);
      for (const person of onCall) {
        if ((RESERVED_PEOPLE as readonly string[]).includes(person)) {
          result.warnings.push(`schedule: "${person}" is not a person: name someone from people:`);
        } else {
          mention(person, `${where} (on call)`);
        }
      }
      return;
    }
    const person = Object.hasOwn(config.people, name) ? config.people[name] : undefined;
    if (person) {
      if (!result.people.includes(name)) result.people.push(name);
      addUnique(result.mobiles, person.mobiles);
      addUnique(result.userIds, person.userIds);
      return;
    }
    if (/^\+?[0-9][0-9-]{4,19}$/.test(name)) {
      addUnique(result.mobiles, [name]);
      return;
    }
    const hint = suggest(name, Object.keys(config.people));
    result.warnings.push(
      `${where}: no person "${name}" in people:${hint ? `; did you mean "${hint}"?` : ''}`,
    );
  };
  for (const name of route.mention ?? []) mention(name, `route "${route.name}" mention`);
  const sets = Array.isArray(labels) ? labels : [labels as Readonly<Record<string, string>>];
  for (const set of sets) {
    for (const label of rules.labels) {
      if (!Object.hasOwn(set, label)) continue;
      for (const name of (set[label] ?? '').split(/[\s,]+/).filter(Boolean)) {
        mention(name, `label ${label}="${set[label]}"`);
      }
    }
  }
  result.warnings = [...new Set(result.warnings)];
  return result;
}

/** The closest known name within two edits, for "did you mean". */
export function suggest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const d = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
