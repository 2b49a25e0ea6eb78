/**
 * The one path from a notification to the messages it makes, shared by the inputs and the template
 * playground: for each route, the mentions resolved from `people:` and the route's template (or the
 * built-in one) rendered with the config's limits.
 */
import type { AlertNotification } from '../model.js';
import { type ResolvedMentions, resolveMentions } from '../people/people.js';
import type { RenderResult } from '../render/renderer.js';
import type { RouteConfig } from '../routing/routes.js';
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
