/**
 * The template playground's backend: a sample (or pasted) payload rendered for a route, with the
 * route's template, another template, or the built-in one, through the very path the inputs use
 * (mentions, limits, `strictVariables`, the fallback), answering the messages it would store.
 */
import { closest, type Message } from '@dingbot/sdk';
import { z } from 'zod';
import { parseAlertmanager } from '../inputs/alertmanager.js';
import { parseGrafana } from '../inputs/grafana.js';
import { formatPath, parseWith } from '../inputs/payload.js';
import { type AlertNotification, InputError } from '../model.js';
import { loadTemplate } from '../render/renderer.js';
import { samplePayloads } from '../render/samples.js';
import { type RouteConfig, routeMessageTypes, routingLabels } from '../routing/routes.js';
import { renderForRoutes, renderHookFor } from './render-path.js';
import type { RelayRuntime } from './runtime.js';

/** The body of `POST /api/playground`. */
export const playgroundRequestSchema = z.strictObject({
  /** Which input the payload is for: `hook` is a `/hooks/<name>` input, named in `hook`. */
  source: z.enum(['alertmanager', 'grafana', 'hook']),
  /** A route from the config; without it the payload is routed by its labels, as the input would. */
  route: z.string().min(1).optional(),
  /** With `source: "hook"`: the hook's name under `inputs.hooks`. */
  hook: z.string().min(1).optional(),
  /**
   * A liquid template to try instead of the route's own; `null` for the built-in template; absent for
   * whatever the route is configured with.
   */
  template: z.string().nullable().optional(),
  /** The message type to render instead of the route's. */
  type: z.enum(routeMessageTypes).optional(),
  /** The JSON body as Alertmanager or Grafana posts it. */
  payload: z.unknown(),
});

/** A parsed playground request. */
export type PlaygroundRequest = z.infer<typeof playgroundRequestSchema>;

/** One message the playground would store. */
export interface PlaygroundMessage {
  route: string;
  robot: string;
  type: NonNullable<RouteConfig['type']>;
  /** `built-in`, `inline` (the route's inline template), the template file's name, or `playground`. */
  template: string;
  message: Message;
  warnings: string[];
  /** Set when the template failed: the message above is the built-in one sent instead. */
  templateError?: { message: string; line?: number; column?: number };
}

/** What `POST /api/playground` answers. */
export interface PlaygroundAnswer {
  messages: PlaygroundMessage[];
}

/**
 * Renders a playground request. Throws an {@link InputError} naming the field (`route`,
 * `payload.alerts[0].labels`, …) for a request that cannot be rendered.
 * @example await runPlayground(runtime, { source: 'alertmanager', route: 'db', template: '{{ status }}', payload }, new Date())
 */
export async function runPlayground(
  runtime: RelayRuntime,
  body: unknown,
  now: Date,
): Promise<PlaygroundAnswer> {
  const request = parseRequest(body);
  if (request.source === 'hook') return runHook(runtime, request, now);
  if (request.hook !== undefined) {
    throw new InputError('hook', `hook: only with "source": "hook" (this is ${request.source}'s payload)`);
  }
  let n: AlertNotification;
  try {
    n =
      request.source === 'alertmanager' ? parseAlertmanager(request.payload) : parseGrafana(request.payload);
  } catch (error) {
    if (error instanceof InputError) {
      const field = error.field === '(body)' ? 'payload' : `payload.${error.field}`.replace('.[', '[');
      throw new InputError(field, error.message.replace(`: ${error.field}:`, `: ${field}:`));
    }
    throw error;
  }
  let routes: RouteConfig[];
  if (request.route !== undefined) {
    const route = runtime.routesByName.get(request.route);
    if (!route) {
      const known = [...runtime.routesByName.keys()];
      const guess = closest(request.route, known);
      throw new InputError(
        'route',
        `route: no route named "${request.route}"${guess ? `: did you mean "${guess}"?` : ''} (known: ${known.join(', ')})`,
      );
    }
    routes = [route];
  } else routes = runtime.route(routingLabels(n));

  const tried = routes.map((route): RouteConfig => {
    const copy: RouteConfig = { ...route };
    if (request.type !== undefined) copy.type = request.type;
    if (request.template === null) delete copy.template;
    else if (request.template !== undefined) copy.template = request.template;
    return copy;
  });
  const rendered = await renderForRoutes(runtime, n, tried, now);
  return {
    messages: rendered.map(({ route, mentions, rendered: r }) => {
      const out: PlaygroundMessage = {
        route: route.name,
        robot: route.robot,
        type: route.type ?? 'markdown',
        template: templateLabel(route, request.template),
        message: r.message,
        warnings: [...mentions.warnings, ...r.warnings, ...keywordWarning(runtime, route.robot, r.message)],
      };
      if (r.fallback) {
        out.templateError = { message: r.fallback.reason };
        if (r.fallback.line !== undefined) out.templateError.line = r.fallback.line;
        if (r.fallback.column !== undefined) out.templateError.column = r.fallback.column;
      }
      return out;
    }),
  };
}

/** A `/hooks/<name>` payload through the hook's template (or the one given), as the hook input renders it. */
async function runHook(
  runtime: RelayRuntime,
  request: PlaygroundRequest,
  now: Date,
): Promise<PlaygroundAnswer> {
  const hooks = runtime.config.inputs.hooks ?? {};
  const known = Object.keys(hooks);
  if (request.hook === undefined) {
    throw new InputError(
      'hook',
      `hook: is required with "source": "hook": a name under inputs.hooks (known: ${known.join(', ') || 'none'})`,
    );
  }
  const hook = Object.hasOwn(hooks, request.hook) ? hooks[request.hook] : undefined;
  if (!hook) {
    const guess = closest(request.hook, known);
    throw new InputError(
      'hook',
      `hook: no hook named "${request.hook}" under inputs.hooks${guess ? `: did you mean "${guess}"?` : ''} (known: ${known.join(', ') || 'none'})`,
    );
  }
  if (request.route !== undefined) {
    throw new InputError(
      'route',
      `route: a hook goes where its config says (inputs.hooks.${request.hook}.route or .robot): leave route out`,
    );
  }
  if (request.template === null) {
    throw new InputError(
      'template',
      "template: a hook has no built-in template: give liquid, or leave template out for the hook's own",
    );
  }
  if (request.type !== undefined) {
    throw new InputError('type', `type: a hook takes its route's type: leave type out`);
  }
  const { routeName, robot, route, mentions, rendered } = await renderHookFor(
    runtime,
    request.hook,
    hook,
    request.payload,
    { headers: {}, now, ...(request.template !== undefined ? { template: request.template } : {}) },
  );
  const out: PlaygroundMessage = {
    route: routeName,
    robot,
    type: route?.type ?? 'markdown',
    template:
      request.template !== undefined
        ? 'playground'
        : typeof hook.template === 'string'
          ? 'inline'
          : hook.template.file,
    message: rendered.message,
    warnings: [
      ...mentions.warnings,
      ...rendered.warnings,
      ...keywordWarning(runtime, robot, rendered.message),
    ],
  };
  if (rendered.fallback) {
    out.templateError = { message: rendered.fallback.reason };
    if (rendered.fallback.line !== undefined) out.templateError.line = rendered.fallback.line;
    if (rendered.fallback.column !== undefined) out.templateError.column = rendered.fallback.column;
  }
  return { messages: [out] };
}

/** The sender adds the robot's first keyword when a message has none: say so, since the preview lacks it. */
function keywordWarning(runtime: RelayRuntime, robot: string, message: Message): string[] {
  const keywords = runtime.config.robots[robot]?.keywords ?? [];
  const body = JSON.stringify(message);
  if (keywords.length === 0 || keywords.some((keyword) => body.includes(keyword))) return [];
  return [
    `the message has none of robot "${robot}"'s keywords (${keywords.join(', ')}): the relay adds "${keywords[0]}" at the end when it sends it`,
  ];
}

function templateLabel(route: RouteConfig, asked: string | null | undefined): string {
  if (route.template === undefined) return 'built-in';
  if (asked !== undefined && asked !== null) return 'playground';
  return typeof route.template === 'string' ? 'inline' : route.template.file;
}

function parseRequest(body: unknown): PlaygroundRequest {
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    const extra = Object.keys(body).find((key) => !(key in playgroundRequestSchema.shape));
    if (extra !== undefined) {
      const guess = closest(extra, Object.keys(playgroundRequestSchema.shape));
      const field = formatPath([extra]);
      throw new InputError(
        field,
        `Invalid playground request: ${field}: unknown field${guess ? `: did you mean "${guess}"?` : ''} (fields: source, route, hook, template, type, payload)`,
      );
    }
    if (!('payload' in body) || (body as { payload: unknown }).payload === undefined) {
      throw new InputError(
        'payload',
        'Invalid playground request: payload: is required (the JSON body Alertmanager or Grafana would post)',
      );
    }
  }
  return parseWith(playgroundRequestSchema, body, 'playground request');
}

/** A route as the playground's picker shows it, with its template's source. */
export interface PlaygroundRoute {
  name: string;
  robot: string;
  type: NonNullable<RouteConfig['type']>;
  locale: string;
  /** `built-in`, `inline` or the template file's name. */
  templateName: string;
  /** The template's source; `null` for the built-in template. */
  template: string | null;
  /** Why the template file could not be read, if it could not. */
  templateError?: string;
}

/** A `/hooks/<name>` input as the playground's picker shows it, with its template's source. */
export interface PlaygroundHook {
  name: string;
  /** Where it posts: its `robot:`, its route's robot, or the default route's. */
  robot: string;
  type: NonNullable<RouteConfig['type']>;
  /** `inline` or the template file's name. */
  templateName: string;
  template: string;
  /** Why the template file could not be read, if it could not. */
  templateError?: string;
}

/** What `GET /api/playground` answers: the routes (default route last), the hooks and the sample payloads. */
export async function playgroundInfo(runtime: RelayRuntime): Promise<{
  routes: PlaygroundRoute[];
  hooks: PlaygroundHook[];
  samples: { name: string; source: string; description: string; body: unknown }[];
}> {
  const routes: PlaygroundRoute[] = [];
  for (const route of runtime.routesByName.values()) {
    const base = {
      name: route.name,
      robot: route.robot,
      type: route.type ?? 'markdown',
      locale: route.locale ?? runtime.config.locale,
    };
    if (route.template === undefined) {
      routes.push({ ...base, templateName: 'built-in', template: null });
      continue;
    }
    const loaded = await loadTemplate(route.template, runtime.baseDir);
    if ('problem' in loaded) {
      routes.push({ ...base, templateName: loaded.name, template: '', templateError: loaded.problem.reason });
    } else routes.push({ ...base, templateName: loaded.name, template: loaded.source });
  }
  const hooks: PlaygroundHook[] = [];
  for (const [name, hook] of Object.entries(runtime.config.inputs.hooks ?? {})) {
    const route = hook.route ? runtime.routesByName.get(hook.route) : undefined;
    const base = {
      name,
      robot: hook.robot ?? route?.robot ?? runtime.defaultRoute.robot,
      type: route?.type ?? 'markdown',
    };
    const loaded = await loadTemplate(hook.template, runtime.baseDir);
    if ('problem' in loaded) {
      hooks.push({ ...base, templateName: loaded.name, template: '', templateError: loaded.problem.reason });
    } else hooks.push({ ...base, templateName: loaded.name, template: loaded.source });
  }
  return {
    routes,
    hooks,
    samples: Object.entries(samplePayloads).map(([name, sample]) => ({ name, ...sample })),
  };
}
