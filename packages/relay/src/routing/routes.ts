/**
 * The `routes:` list: which robot (or pool) a notification goes to, chosen by its labels the way
 * Alertmanager's routing tree chooses a receiver: routes are tried in order, the first that matches
 * wins unless it says `continue: true`, and the default route takes what nothing matched.
 */
import { z } from 'zod';
import type { AlertNotification } from '../model.js';
import { createMatcher, type Matcher, MatcherError, parseMatcher } from './matchers.js';

/** Message types a route can send. */
export const routeMessageTypes = ['markdown', 'text', 'actionCard'] as const;

/** A template given inline (a liquid string) or as `{ file: path }`, relative to the config file. */
export const templateRefSchema = z.union([
  z.string(),
  z.strictObject({ file: z.string().min(1, 'give the path of a liquid template file') }),
]);

/** A template reference: inline liquid source, or a file. */
export type TemplateRef = z.infer<typeof templateRefSchema>;

/** Whether `Intl` knows this IANA time zone. */
export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

const timeZoneSchema = z.string().refine(isTimeZone, {
  message: 'unknown time zone: use an IANA name such as "Asia/Shanghai", "Europe/Berlin" or "UTC"',
});

/** The fields every route has, default route included. */
const routeFields = {
  /** Shown in logs, metrics and the UI. */
  name: z.string().min(1, 'give the route a name'),
  /** A robot or pool name from `robots:`. */
  robot: z.string().min(1, 'name a robot or pool from robots:'),
  /** Per-route liquid template; the built-in one when absent. */
  template: templateRefSchema.optional(),
  /** Message type. @default 'markdown' */
  type: z.enum(routeMessageTypes).optional(),
  /** People keys from `people:` to @-mention on this route, `oncall` for whoever is on call, `all` for everyone. */
  mention: z.array(z.string().min(1)).optional(),
  /** Language of the built-in template; the relay's when absent. */
  locale: z.enum(['zh-CN', 'en']).optional(),
  /** IANA time zone for the times in the message; the relay's when absent. */
  timeZone: timeZoneSchema.optional(),
};

const routeObject = z.strictObject({
  ...routeFields,
  /** Labels that must equal these values. */
  match: z.record(z.string(), z.string()).optional(),
  /** Labels that must match these regexes (anchored, like Alertmanager). */
  match_re: z.record(z.string(), z.string()).optional(),
  /** Alertmanager matchers: `severity=~"critical|page"`, `env!="dev"`. */
  matchers: z.array(z.string()).optional(),
  /** Keep trying later routes after this one matched. @default false */
  continue: z.boolean().optional(),
});

/**
 * One entry of `routes:`. Every condition given (`match`, `match_re`, `matchers`) must hold; a route
 * with none matches everything. Regexes and matchers are checked here, so a bad one is reported at
 * its path (`routes[2].match_re.severity`) when the config is loaded.
 * @example routeConfigSchema.parse({ name: 'db', robot: 'dba', matchers: ['team="db"', 'severity=~"critical|page"'] })
 */
export const routeConfigSchema = routeObject.superRefine((route, ctx) => {
  for (const [label, source] of Object.entries(route.match_re ?? {})) {
    try {
      createMatcher(label, '=~', source);
    } catch (error) {
      ctx.addIssue({ code: 'custom', path: ['match_re', label], message: (error as Error).message });
    }
  }
  (route.matchers ?? []).forEach((text, i) => {
    try {
      parseMatcher(text);
    } catch (error) {
      ctx.addIssue({ code: 'custom', path: ['matchers', i], message: (error as Error).message });
    }
  });
});

/** One route, as parsed from the config. */
export type RouteConfig = z.infer<typeof routeConfigSchema>;

/**
 * The default route: what a notification no route matched goes to. It matches everything, so it has
 * no `match`, `match_re`, `matchers` or `continue`; its name defaults to `default`.
 * @example defaultRouteSchema.parse({ robot: 'ops' }) // { name: 'default', robot: 'ops' }
 */
export const defaultRouteSchema = z.strictObject({
  ...routeFields,
  name: routeFields.name.default('default'),
});

/** A route config, or a route's field, that cannot be used. */
export class RouteConfigError extends Error {
  override name = 'RouteConfigError';
  constructor(
    /** The route's name. */
    readonly route: string,
    /** The field as written in the config, e.g. `match_re.severity` or `matchers[1]`. */
    readonly field: string,
    message: string,
  ) {
    super(`route "${route}": ${field}: ${message}`);
  }
}

/** The labels a notification is routed on: the labels all its alerts share. */
export function routingLabels(n: AlertNotification): Record<string, string> {
  return { ...n.commonLabels, ...n.groupLabels };
}

/**
 * Compiles routes into a function from labels to the routes that take them, in order: the first
 * matching route, plus the following matches while the matched routes say `continue: true`; the
 * default route when nothing matched.
 * @throws {RouteConfigError} naming the route and field for a bad regex or matcher.
 * @example
 * const route = compileRoutes(config.routes, config.default);
 * for (const r of route(routingLabels(notification))) enqueue(r.robot, …);
 */
export function compileRoutes(
  routes: readonly RouteConfig[],
  defaultRoute: RouteConfig,
): (labels: Readonly<Record<string, string>>) => RouteConfig[] {
  for (const field of ['match', 'match_re', 'matchers', 'continue'] as const) {
    if (defaultRoute[field] !== undefined) {
      throw new RouteConfigError(
        defaultRoute.name,
        field,
        'the default route takes everything no other route matched: move this condition to a route in routes:',
      );
    }
  }
  const compiled = routes.map((route) => ({ route, matchers: compileMatchers(route) }));
  return (labels) => {
    const taken: RouteConfig[] = [];
    for (const { route, matchers } of compiled) {
      if (!matchers.every((m) => m.matches(labels))) continue;
      taken.push(route);
      if (!route.continue) break;
    }
    return taken.length > 0 ? taken : [defaultRoute];
  };
}

function compileMatchers(route: RouteConfig): Matcher[] {
  const matchers: Matcher[] = [];
  for (const [label, value] of Object.entries(route.match ?? {}))
    matchers.push(createMatcher(label, '=', value));
  for (const [label, source] of Object.entries(route.match_re ?? {})) {
    try {
      matchers.push(createMatcher(label, '=~', source));
    } catch (error) {
      throw new RouteConfigError(route.name, `match_re.${label}`, (error as Error).message);
    }
  }
  (route.matchers ?? []).forEach((text, i) => {
    try {
      matchers.push(parseMatcher(text));
    } catch (error) {
      if (!(error instanceof MatcherError)) throw error;
      throw new RouteConfigError(route.name, `matchers[${i}]`, error.message);
    }
  });
  return matchers;
}
