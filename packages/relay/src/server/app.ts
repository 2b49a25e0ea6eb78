import { isDingbotError, type Message, validateMessage } from '@dingbot/sdk';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { notificationIdentity, parseAlertmanager } from '../inputs/alertmanager.js';
import { parseGrafana } from '../inputs/grafana.js';
import { type AlertNotification, InputError, type OutgoingMessage } from '../model.js';
import type { RelayMetrics } from '../ops/metrics.js';
import type { Outbox, OutboxRow } from '../outbox/outbox.js';
import { alertSummary } from '../render/digest.js';
import { DEFAULT_TIME_ZONE } from '../render/format.js';
import { isTimeZone, type RouteConfig, routingLabels } from '../routing/routes.js';
import type { Logger } from '../sender/sender.js';
import { mountPage } from '../ui/page.js';
import { configSecrets, consoleAuths, redactRow, robotSummary } from './console.js';
import { playgroundInfo, runPlayground } from './playground.js';
import { renderForRoutes, renderHookFor } from './render-path.js';
import type { RelayRuntime } from './runtime.js';
import { checkAuth, checkGithubSignature, checkGrafanaSignature, safeEqual } from './verify.js';

/** What {@link createRelayApp} needs besides the config. */
export interface RelayDeps {
  outbox: Outbox;
  log: Logger;
  metrics: RelayMetrics;
  /** Called after rows for `robot` were stored, so its sender looks at once. */
  notify?: (robot: string) => void;
  /** Reloads the config file (for `POST /-/reload`); resolves with the problems when it was refused. */
  reload?: () => Promise<{ ok: true } | { ok: false; error: string }>;
  /**
   * Robot states for `/api/robots`. With Redis, `lease` is who sends for the robot (and until when)
   * and `replica` the replica answering.
   */
  robotStates?: () => Record<string, RobotState> | Promise<Record<string, RobotState>>;
  /** The clock. @default () => new Date() */
  now?: () => Date;
}

/** One robot's live state on this replica, as `/api/robots` adds it to the robot's queue depth. */
export interface RobotState {
  /** Rows held by this replica's delivery engine. */
  inEngine: number;
  pausedUntil?: number;
  lastSendAt?: number;
  /** Redis outbox: the replica holding the robot's lease, and when it expires unless renewed (epoch ms). */
  lease?: { holder: string; until: number };
  /** Redis outbox: the name of the replica that answered. */
  replica?: string;
}

/** The app and the switches the process around it uses. */
export interface RelayApp {
  app: Hono;
  /** Swaps the running config (after a reload validated the new one). */
  setRuntime(runtime: RelayRuntime): void;
  runtime(): RelayRuntime;
  /** From now on every post is answered 503 (shutting down): senders retry elsewhere or later. */
  drain(): void;
  readonly draining: boolean;
}

/** A request that can never succeed: 4xx naming the field. */
class Refusal extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

const DINGTALK_OK = { errcode: 0, errmsg: 'ok' };

/**
 * The relay's HTTP app: inputs (Alertmanager, prometheus-webhook-dingtalk's path, Grafana, hooks,
 * DingTalk-compatible), each answering 2xx only after the outbox committed what it must send; 4xx
 * for what can never succeed; 503 for what may succeed later (storage, shutting down); plus health,
 * metrics, and the web page at `/` with its API (`/api/*`: robots, dead letters and replay, recent
 * deliveries, the template playground), which takes the inputs' credentials when any are configured.
 * @example
 * const { app } = createRelayApp(runtime, { outbox, log, metrics });
 * const res = await app.request('/alertmanager', { method: 'POST', body });
 */
export function createRelayApp(initial: RelayRuntime, deps: RelayDeps): RelayApp {
  let runtime = initial;
  let draining = false;
  const now = deps.now ?? (() => new Date());
  const app = new Hono();

  app.onError((error, c) => {
    if (error instanceof Refusal) {
      return c.json({ error: error.message, ...(error.field ? { field: error.field } : {}) }, error.status);
    }
    deps.log.error({ err: String(error), path: c.req.path }, 'request failed');
    return c.json({ error: 'the relay could not store the request; retry' }, 503);
  });
  app.notFound((c) =>
    c.json(
      {
        error: `no ${c.req.method} ${c.req.path}: inputs are POST /alertmanager[/<route>], /dingtalk/<target>/send, /grafana[/<route>], /hooks/<name>, /robot/send?access_token=<robot>`,
      },
      404,
    ),
  );

  // Posts: refused while shutting down, size-limited.
  app.use('*', async (c, next) => {
    if (c.req.method === 'POST' && draining && !c.req.path.startsWith('/-/')) {
      c.header('Retry-After', '5');
      return c.json({ error: 'the relay is shutting down; retry' }, 503);
    }
    await next();
  });
  app.use('*', (c, next) =>
    bodyLimit({
      maxSize: runtime.maxBodyBytes,
      onError: (cc) =>
        cc.json({ error: `the body is over ${runtime.maxBodyBytes} bytes (limits.bodyBytes)` }, 413),
    })(c, next),
  );

  const readJson = async (c: Context): Promise<{ raw: string; body: unknown }> => {
    const raw = await c.req.text();
    try {
      return { raw, body: JSON.parse(raw) };
    } catch {
      throw new Refusal(400, 'the body is not JSON', '(body)');
    }
  };

  const requireAuth = (c: Context, auth: Parameters<typeof checkAuth>[0]) => {
    if (!checkAuth(auth, c.req.header('authorization'))) {
      c.header(
        'WWW-Authenticate',
        'auth' in Object(auth) && auth && 'basic' in auth ? 'Basic realm="dingbot-relay"' : 'Bearer',
      );
      throw new Refusal(401, 'missing or wrong credentials: see inputs.<input>.auth in the relay config');
    }
  };

  const store = async (
    source: string,
    route: string,
    messages: OutgoingMessage[],
    dedupeKey: string | undefined,
  ): Promise<{ ids: number[]; duplicate: boolean }> => {
    const result = await deps.outbox.append({
      messages,
      source,
      ...(dedupeKey ? { dedupeKey, dedupeWindowMs: runtime.dedupeWindowMs } : {}),
    });
    if (result.duplicate) deps.metrics.deduplicated.inc({ source });
    else for (const robot of new Set(messages.map((m) => m.robot))) deps.notify?.(robot);
    deps.log.info(
      { source, route, rows: result.ids, duplicate: result.duplicate, dedupeKey },
      result.duplicate ? 'duplicate dropped' : 'stored',
    );
    return result;
  };

  const headerKey = (c: Context, names: string[]): string | undefined => {
    for (const name of names) {
      const value = c.req.header(name);
      if (value) return `${name.toLowerCase()}:${value}`;
    }
    return undefined;
  };

  /** Routes, resolves mentions and renders a notification; one message per route taken. */
  const renderNotification = async (n: AlertNotification, forced: RouteConfig | undefined) => {
    const routes = forced ? [forced] : runtime.route(routingLabels(n));
    const messages: OutgoingMessage[] = [];
    for (const { route, mentions, rendered } of await renderForRoutes(runtime, n, routes, now())) {
      for (const warning of mentions.warnings) deps.log.warn({ route: route.name }, warning);
      if (rendered.fallback) {
        deps.metrics.templateErrors.inc({ route: route.name });
        deps.log.warn({ route: route.name, ...rendered.fallback }, 'template failed: built-in template used');
      }
      const timeZone = route.timeZone ?? runtime.config.timeZone;
      messages.push({
        robot: route.robot,
        route: route.name,
        message: rendered.message,
        // Kept so that several of these waiting for the robot go as one summary (see the sender).
        summary: alertSummary(
          n,
          route.locale ?? runtime.config.locale,
          isTimeZone(timeZone) ? timeZone : DEFAULT_TIME_ZONE,
        ),
      });
    }
    return { routes, messages };
  };

  const namedRoute = (name: string | undefined, what: string): RouteConfig | undefined => {
    if (name === undefined) return undefined;
    const route = runtime.routesByName.get(name);
    if (!route) {
      const known = [...runtime.routesByName.keys()];
      throw new Refusal(404, `no ${what} "${name}" in the relay config (known: ${known.join(', ')})`, 'path');
    }
    return route;
  };

  const alertInput =
    (source: 'alertmanager' | 'grafana', routeParam: (c: Context) => string | undefined, what: string) =>
    async (c: Context) => {
      const input =
        source === 'alertmanager' ? runtime.config.inputs.alertmanager : runtime.config.inputs.grafana;
      const forced = namedRoute(routeParam(c), what);
      let routeLabel = forced?.name ?? '(tree)';
      try {
        requireAuth(c, input?.auth);
        const { raw, body } = await readJson(c);
        if (source === 'grafana') {
          const grafana = runtime.config.inputs.grafana;
          if (grafana?.hmacSecret) {
            const checked = checkGrafanaSignature(
              grafana.hmacSecret,
              raw,
              c.req.header('x-grafana-alerting-signature'),
              grafana.timestampHeader ? c.req.header(grafana.timestampHeader) : undefined,
              { timestampRequired: grafana.timestampHeader !== undefined, now: now().getTime() },
            );
            if (!checked.ok) throw new Refusal(401, checked.reason, 'X-Grafana-Alerting-Signature');
          }
        }
        let n: AlertNotification;
        try {
          n = source === 'alertmanager' ? parseAlertmanager(body) : parseGrafana(body);
        } catch (error) {
          if (error instanceof InputError) throw new Refusal(400, error.message, error.field);
          throw error;
        }
        const { routes, messages } = await renderNotification(n, forced);
        routeLabel = routes.map((r) => r.name).join(',');
        const dedupeKey =
          headerKey(c, ['idempotency-key']) ??
          `${source}:${routeLabel}:${n.receiver}:${notificationIdentity(n)}`;
        const result = await store(source, routeLabel, messages, dedupeKey);
        deps.metrics.received.inc({ source, route: routeLabel, code: '200' });
        return c.json({
          status: result.duplicate ? 'duplicate' : 'stored',
          routes: routes.map((r) => r.name),
        });
      } catch (error) {
        deps.metrics.received.inc({
          source,
          route: routeLabel,
          code: String(error instanceof Refusal ? error.status : 503),
        });
        throw error;
      }
    };

  app.post(
    '/alertmanager',
    alertInput('alertmanager', () => undefined, 'route'),
  );
  app.post(
    '/alertmanager/:route',
    alertInput('alertmanager', (c) => c.req.param('route'), 'route'),
  );
  app.post(
    '/dingtalk/:target/send',
    alertInput('alertmanager', (c) => c.req.param('target'), 'target'),
  );
  app.post(
    '/grafana',
    alertInput('grafana', () => undefined, 'route'),
  );
  app.post(
    '/grafana/:route',
    alertInput('grafana', (c) => c.req.param('route'), 'route'),
  );

  app.post('/hooks/:name', async (c) => {
    const name = c.req.param('name');
    const hook = runtime.config.inputs.hooks?.[name];
    if (!hook) {
      const known = Object.keys(runtime.config.inputs.hooks ?? {});
      throw new Refusal(
        404,
        `no hook "${name}" under inputs.hooks (known: ${known.join(', ') || 'none'})`,
        'path',
      );
    }
    requireAuth(c, hook.auth);
    const { raw, body } = await readJson(c);
    if (hook.github && !checkGithubSignature(hook.github.secret, raw, c.req.header('x-hub-signature-256'))) {
      throw new Refusal(
        401,
        'X-Hub-Signature-256 is missing or does not match the hook secret',
        'X-Hub-Signature-256',
      );
    }
    if (hook.gitlab && !safeEqual(c.req.header('x-gitlab-token') ?? '', hook.gitlab.token)) {
      throw new Refusal(401, 'X-Gitlab-Token is missing or wrong', 'X-Gitlab-Token');
    }
    const headers: Record<string, string> = {};
    c.req.raw.headers.forEach((value, key) => {
      headers[key] = value;
    });
    const { route, routeName, robot, rendered } = await renderHookFor(runtime, name, hook, body, {
      headers,
      now: now(),
    });
    if (rendered.fallback) {
      deps.metrics.templateErrors.inc({ route: routeName });
      deps.log.warn({ hook: name, ...rendered.fallback }, 'hook template failed: built-in message used');
    }
    const idempotency = headerKey(c, [
      hook.idempotencyHeader ?? 'idempotency-key',
      'idempotency-key',
      'x-github-delivery',
      'x-gitlab-event-uuid',
    ]);
    const result = await store(
      'hooks',
      routeName,
      [{ robot, route: route?.name ?? null, message: rendered.message }],
      idempotency ? `hooks:${name}:${idempotency}` : undefined,
    );
    deps.metrics.received.inc({ source: 'hooks', route: routeName, code: '200' });
    return c.json({ status: result.duplicate ? 'duplicate' : 'stored' });
  });

  // DingTalk-compatible: DingTalk's own body, DingTalk's answers (HTTP 200 with an errcode).
  app.post('/robot/send', async (c) => {
    const refuse = (errcode: number, errmsg: string) => {
      deps.metrics.received.inc({ source: 'dingtalk', route: '-', code: String(errcode) });
      return c.json({ errcode, errmsg });
    };
    const alias = c.req.query('access_token');
    if (!alias) return refuse(40035, '缺少参数 access_token');
    if (!checkAuth(runtime.config.inputs.dingtalk?.auth, c.req.header('authorization'))) {
      return c.json({ errcode: 300005, errmsg: 'token is not exist' }, 401);
    }
    if (!Object.hasOwn(runtime.config.robots, alias)) {
      // The name, never a secret: it is the relay's robot alias, not DingTalk's token.
      return refuse(300005, `token is not exist: no robot "${alias}" in the relay config`);
    }
    let body: unknown;
    try {
      body = JSON.parse(await c.req.text());
    } catch {
      return refuse(40035, '缺少参数 json');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      return refuse(40035, '缺少参数 json');
    const msgtype = (body as { msgtype?: unknown }).msgtype;
    if (typeof msgtype !== 'string' || msgtype === '') return refuse(40035, '缺少参数 msgtype');
    if (!['text', 'markdown', 'link', 'actionCard', 'feedCard'].includes(msgtype)) {
      return refuse(400105, '不支持的消息类型');
    }
    const message = body as Message;
    try {
      validateMessage(message);
    } catch (error) {
      const field = isDingbotError(error) ? ((error as { field?: string }).field ?? msgtype) : msgtype;
      return refuse(400403, `miss param : ${field.split('.').join('->')}`);
    }
    const uuid = (body as { msgUuid?: unknown }).msgUuid;
    const dedupeKey =
      headerKey(c, ['idempotency-key']) ?? (typeof uuid === 'string' && uuid ? `msgUuid:${uuid}` : undefined);
    await store(
      'dingtalk',
      alias,
      [{ robot: alias, route: null, message }],
      dedupeKey && `dingtalk:${alias}:${dedupeKey}`,
    );
    deps.metrics.received.inc({ source: 'dingtalk', route: alias, code: '0' });
    return c.json(DINGTALK_OK);
  });

  // Operations.
  const live = (c: Context) => c.text('OK');
  const ready = async (c: Context) =>
    !draining && (await deps.outbox.writable()) ? c.text('OK') : c.text('not ready', 503);
  app.get('/livez', live);
  app.get('/-/healthy', live);
  app.get('/readyz', ready);
  app.get('/-/ready', ready);
  app.get('/metrics', async (c) => {
    const text = await deps.metrics.render(deps.outbox, Object.keys(runtime.config.robots), now().getTime());
    return c.text(text, 200, { 'Content-Type': deps.metrics.registry.contentType });
  });
  const reload = async (c: Context) => {
    if (!deps.reload) return c.json({ error: 'reload is not available here' }, 501);
    const result = await deps.reload();
    return result.ok ? c.json({ status: 'reloaded' }) : c.json({ error: result.error }, 400);
  };
  app.post('/-/reload', reload);
  // The page's API shows message contents and can replay: it takes the inputs' credentials.
  app.use('/api/*', async (c, next) => {
    const auths = consoleAuths(runtime.config);
    const header = c.req.header('authorization');
    if (auths.length > 0 && !auths.some((auth) => checkAuth(auth, header))) {
      const schemes = [...new Set(auths.map((auth) => ('bearer' in auth ? 'bearer' : 'basic')))];
      // The page asks for credentials itself: a Basic challenge would open the browser's own dialog
      // (and stall the request in a headless one), so its requests get a scheme browsers leave alone.
      const fromPage = c.req.header('x-dingbot-page') === '1';
      c.header(
        'WWW-Authenticate',
        schemes
          .map((s) =>
            s === 'bearer'
              ? 'Bearer realm="dingbot-relay"'
              : `${fromPage ? 'DingbotBasic' : 'Basic'} realm="dingbot-relay"`,
          )
          .join(', '),
      );
      return c.json(
        {
          error:
            "missing or wrong credentials: the page's API takes the credentials of an input's auth (inputs.<input>.auth in the relay config)",
          auth: schemes,
        },
        401,
      );
    }
    await next();
  });
  const shown = (rows: OutboxRow[]) => {
    const secrets = configSecrets(runtime.config);
    return rows.map((row) => redactRow(row, secrets));
  };
  app.get('/api/dead', async (c) =>
    c.json(shown(await deps.outbox.dead(Number(c.req.query('limit') ?? 100)))),
  );
  app.post('/api/dead/:id/replay', async (c) => {
    const id = Number(c.req.param('id'));
    if (!Number.isInteger(id)) throw new Refusal(400, 'the id must be a number', 'id');
    const moved = await deps.outbox.replay(id);
    if (moved === 0) throw new Refusal(404, `no dead letter ${id}`, 'id');
    const row = await deps.outbox.get(id);
    if (row) deps.notify?.(row.robot);
    return c.json({ status: 'queued', id });
  });
  app.post('/api/dead/replay', async (c) => {
    const moved = await deps.outbox.replay();
    for (const robot of Object.keys(runtime.config.robots)) deps.notify?.(robot);
    return c.json({ status: 'queued', count: moved });
  });
  app.get('/api/robots', async (c) => {
    const depth = await deps.outbox.depth();
    const states = (await deps.robotStates?.()) ?? {};
    return c.json(
      Object.keys(runtime.config.robots).map((name) => ({
        name,
        ...robotSummary(runtime.config.robots[name]),
        ...(depth[name] ?? { queued: 0, sending: 0, dead: 0 }),
        ...oldestAge(depth[name]?.oldestAt),
        ...states[name],
      })),
    );
  });
  app.get('/api/recent', async (c) =>
    c.json(shown(await deps.outbox.recent(Number(c.req.query('limit') ?? 50)))),
  );
  app.get('/api/playground', async (c) => c.json(await playgroundInfo(runtime)));
  app.post('/api/playground', async (c) => {
    const { body } = await readJson(c);
    try {
      return c.json(await runPlayground(runtime, body, now()));
    } catch (error) {
      if (error instanceof InputError) throw new Refusal(400, error.message, error.field);
      throw error;
    }
  });
  mountPage(app);

  function oldestAge(oldestAt: number | undefined): { oldestAgeMs?: number } {
    return oldestAt === undefined ? {} : { oldestAgeMs: Math.max(0, now().getTime() - oldestAt) };
  }

  return {
    app,
    setRuntime(next) {
      runtime = next;
    },
    runtime: () => runtime,
    drain() {
      draining = true;
    },
    get draining() {
      return draining;
    },
  };
}
