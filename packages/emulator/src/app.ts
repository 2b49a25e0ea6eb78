import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { mountApi } from './api.js';
import { mountApps } from './apps/routes.js';
import { hostGuard } from './hosts.js';
import { validateOptions } from './options.js';
import { mountPreview } from './preview/index.js';
import { mountSamples } from './samples.js';
import { sendHandler } from './send.js';
import { EmulatorState } from './state.js';
import type { EmulatorAppOptions } from './types.js';

/** The emulator as a hono app plus its state, without a network: for `app.request()` tests. */
export interface EmulatorApp {
  app: Hono;
  state: EmulatorState;
}

/**
 * Builds the emulator's hono app. Options are validated at once.
 *
 * @example
 * ```ts
 * const { app, state } = createEmulatorApp({ robots: [{ token: 't1', name: 'ops' }] });
 * const res = await app.request('/robot/send?access_token=t1', {
 *   method: 'POST',
 *   headers: { 'content-type': 'application/json' },
 *   body: JSON.stringify({ msgtype: 'text', text: { content: 'hi' } }),
 * });
 * await res.json(); // { errcode: 0, errmsg: 'ok' }
 * state.messages(); // [{ id: 1, robot: 'ops', msgtype: 'text', … }]
 * ```
 */
export function createEmulatorApp(options: EmulatorAppOptions = {}): EmulatorApp {
  validateOptions(options);
  const state = new EmulatorState(options);
  const app = new Hono();

  const hostAllowed = hostGuard(options.allowedHosts);
  app.use('*', async (c, next) => {
    if (hostAllowed(c.req.url)) return next();
    return c.json(
      {
        error:
          'this host name is not allowed: the emulator answers loopback names only; start it with allowedHosts (or bind a non-loopback host) to serve other names',
      },
      403,
    );
  });
  app.all('/robot/send', sendHandler(state));
  app.use('/api/*', async (c, next) => {
    await next();
    c.header('x-content-type-options', 'nosniff');
    c.header('cache-control', c.res.headers.get('cache-control') ?? 'no-store');
  });
  mountApi(app, state);
  mountApps(app, state);
  mountPreview(app);
  mountSamples(app);

  app.notFound((c) => c.json({ error: `not found: ${c.req.method} ${c.req.path}` }, 404));
  app.onError((error, c) => {
    if (error instanceof HTTPException) return error.getResponse();
    if (state.log.enabled)
      state.log.write(`internal error on ${c.req.method} ${c.req.path}: ${error.message}`);
    // The webhook answers like DingTalk when it is busy; the JSON API with a plain 500.
    if (c.req.path === '/robot/send' || c.req.path === '/robot/sendBySession')
      return c.json({ errcode: -1, errmsg: '系统繁忙' }, 200);
    return c.json({ error: 'internal error' }, 500);
  });
  return { app, state };
}
