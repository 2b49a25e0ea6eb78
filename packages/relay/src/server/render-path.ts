/**
 * The one path from a notification to the messages it makes, shared by the inputs and the template
 * playground: for each route, the mentions resolved from `people:` and the route's template (or the
 * built-in one) rendered with the config's limits.
 */
import type { HookConfig } from '../config/schema.js';
import { renderHook } from '../inputs/hooks.js';
import type { AlertNotification } from '../model.js';
import { type ResolvedMentions, resolveMentions } from '../people/people.js';
import type { RenderResult } from '../render/renderer.js';
import type { RouteConfig, TemplateRef } from '../routing/routes.js';
import type { RelayRuntime } from './runtime.js';

/** What one route makes of a notification. */
export interface RoutedRender {
  route: RouteConfig;
  mentions: ResolvedMentions;
  rendered: RenderResult;
}

/**
 * Renders `n` for each of `routes` as the inputs do. Never throws for a template's sake: a failing
 * template is reported in `rendered.fallback` and the built-in template is used.
 */
export async function renderForRoutes(
  runtime: RelayRuntime,
  n: AlertNotification,
  routes: readonly RouteConfig[],
  now: Date,
): Promise<RoutedRender[]> {
  const out: RoutedRender[] = [];
  for (const route of routes) {
    const mentions = resolveMentions(
      {
        people: runtime.config.people,
        ...(runtime.config.mentions ? { mentions: runtime.config.mentions } : {}),
      },
      n.alerts.map((a) => a.labels),
      route,
      now,
    );
    out.push({ route, mentions, rendered: await runtime.renderer.renderAlerts(n, route, mentions) });
  }
  return out;
}

/** What a hook makes of a payload: where it goes and the message. */
export interface HookRender {
  /** The hook's route, when it names one. */
  route: RouteConfig | undefined;
  /** The route's name, or `hook:<name>`. */
  routeName: string;
  robot: string;
  mentions: ResolvedMentions;
  rendered: RenderResult;
}

/**
 * Renders a `/hooks/<name>` payload as the input does: the robot and mentions of the hook's route
 * (or its `robot:`, or the default route's), the hook's template (or `template`, for the playground)
 * with the config's limits. Never throws for a template's sake.
 */
export async function renderHookFor(
  runtime: RelayRuntime,
  name: string,
  hook: HookConfig,
  payload: unknown,
  options: { headers: Readonly<Record<string, string>>; now: Date; template?: TemplateRef },
): Promise<HookRender> {
  const route = hook.route ? runtime.routesByName.get(hook.route) : undefined;
  const robot = hook.robot ?? route?.robot ?? runtime.defaultRoute.robot;
  const routeName = route?.name ?? `hook:${name}`;
  const mentions = resolveMentions(
    { people: runtime.config.people },
    [],
    { name: routeName, mention: route?.mention },
    options.now,
  );
  const limits = runtime.config.templates?.limits;
  const rendered = await renderHook(options.template ?? hook.template, payload, {
    name,
    locale: route?.locale ?? runtime.config.locale,
    timeZone: route?.timeZone ?? runtime.config.timeZone,
    ...(route?.type ? { type: route.type } : {}),
    mentions,
    headers: options.headers,
    baseDir: runtime.baseDir,
    people: runtime.config.people,
    ...(limits ? { limits } : {}),
    now: () => options.now,
  });
  return { route, routeName, robot, mentions, rendered };
}
