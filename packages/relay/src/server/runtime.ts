import type { RelayFileConfig } from '../config/schema.js';
import { createRenderer, type Renderer } from '../render/renderer.js';
import { compileRoutes, type RouteConfig } from '../routing/routes.js';
import type { SenderTarget } from '../sender/sender.js';

/** A loaded config made ready to serve: routes compiled, renderer built. Replaced whole on reload. */
export interface RelayRuntime {
  config: RelayFileConfig;
  /** The config file's folder (relative template files). */
  baseDir: string;
  /** The routes that take a notification with these labels (the default route when none matches). */
  route: (labels: Readonly<Record<string, string>>) => RouteConfig[];
  routesByName: Map<string, RouteConfig>;
  defaultRoute: RouteConfig;
  renderer: Renderer;
  dedupeWindowMs: number;
  maxBodyBytes: number;
}

/** Builds the runtime of a validated config. */
export function compileRuntime(
  config: RelayFileConfig,
  options: { baseDir: string; dedupeWindowMs: number; maxBodyBytes: number },
): RelayRuntime {
  const defaultRoute: RouteConfig = config.defaultRoute ?? {
    name: 'default',
    robot: Object.keys(config.robots)[0]!,
  };
  const routesByName = new Map(config.routes.map((route) => [route.name, route]));
  if (!routesByName.has(defaultRoute.name)) routesByName.set(defaultRoute.name, defaultRoute);
  return {
    config,
    baseDir: options.baseDir,
    route: compileRoutes(config.routes, defaultRoute),
    routesByName,
    defaultRoute,
    renderer: createRenderer({
      locale: config.locale,
      timeZone: config.timeZone,
      templates: {
        baseDir: options.baseDir,
        ...(config.templates?.limits ? { limits: config.templates.limits } : {}),
      },
      people: config.people,
    }),
    dedupeWindowMs: config.dedupe?.window ?? options.dedupeWindowMs,
    maxBodyBytes: config.limits?.bodyBytes ?? options.maxBodyBytes,
  };
}

/** What the sender needs of each configured robot. */
export function senderTargets(config: RelayFileConfig): SenderTarget[] {
  return Object.entries(config.robots).map(([name, robot]) => {
    const members = robot.webhooks
      ? robot.webhooks.map((m) => (typeof m === 'string' ? { webhook: m } : clean(m)))
      : [clean({ webhook: robot.webhook, token: robot.token, baseUrl: robot.baseUrl, secret: robot.secret })];
    const target: SenderTarget = { name, members };
    if (robot.keywords) target.keywords = robot.keywords;
    if (robot.rateLimit !== undefined) {
      target.rateLimit =
        robot.rateLimit === false
          ? false
          : { limit: robot.rateLimit.limit, windowMs: robot.rateLimit.window };
    }
    if (robot.penalty !== undefined) target.penaltyMs = robot.penalty;
    if (robot.webhooks && robot.secret !== undefined) {
      for (const member of target.members) member.secret ??= robot.secret;
    }
    return target;
  });
}

function clean<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as never;
}
