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
import { renderForRoutes } from './render-path.js';
import type { RelayRuntime } from './runtime.js';

/** The body of `POST /api/playground`. */
export const playgroundRequestSchema = z.strictObject({
  /** Which input the payload is for. */
  source: z.enum(['alertmanager', 'grafana']),
  /** A route from the config; without it the payload is routed by its labels, as the input would. */
  route: z.string().min(1).optional(),
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
        `Invalid playground request: ${field}: unknown field${guess ? `: did you mean "${guess}"?` : ''} (fields: source, route, template, type, payload)`,
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

/** What `GET /api/playground` answers: the routes (default route last) and the sample payloads. */
export async function playgroundInfo(runtime: RelayRuntime): Promise<{
  routes: PlaygroundRoute[];
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
  return {
    routes,
    samples: Object.entries(samplePayloads).map(([name, sample]) => ({ name, ...sample })),
  };
}
