import type { Context, Hono } from 'hono';
import { readBody } from '../bindings.js';
import { defaults } from '../defaults.js';
import { MSGTYPES, mentionsOf, missingField } from '../message.js';
import { type Refusal, refusals } from '../refusals.js';
import type { EmulatorState } from '../state.js';
import { mountCards } from './cards.js';
import { AppInputError, type AppsHub } from './hub.js';
import { batchSendHandler, groupSendHandler } from './openapi.js';
import { jsonObject, missingParameter, openApiError, requestId } from './openapi-errors.js';
import type { AppMessageFields, ChatInput } from './types.js';

const jsonHeaders = () => ({ 'content-type': 'application/json; charset=utf-8' });
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The request's own origin when the server's base URL is unknown (`app.request()`). */
const originOf = (c: Context, state: EmulatorState): string => state.baseUrl ?? new URL(c.req.url).origin;

/** Mounts every app-robot route: tokens, the Stream gateway, sendBySession, the OpenAPI sends and the test API. */
export function mountApps(app: Hono, state: EmulatorState): void {
  const hub = state.apps;

  app.post('/v1.0/oauth2/accessToken', async (c) => {
    const body = await jsonObject(c);
    if (!body) return missingParameter(c, 'body');
    if (typeof body['appKey'] !== 'string' || body['appKey'] === '') return missingParameter(c, 'appKey');
    if (typeof body['appSecret'] !== 'string' || body['appSecret'] === '')
      return missingParameter(c, 'appSecret');
    const robot = hub.byClientId(body['appKey']);
    if (!robot || robot.clientSecret !== body['appSecret']) {
      hub.log('accessToken refused: unknown appKey or wrong appSecret');
      return openApiError(c, 400, 'invalidClientIdOrSecret', '无效的appKey或appSecret');
    }
    const { token, expiresInSeconds } = hub.tokens.issue(robot, hub.now());
    return c.json({ accessToken: token, expireIn: expiresInSeconds });
  });

  app.get('/gettoken', (c) => {
    const robot = hub.byClientId(c.req.query('appkey'));
    if (!robot || robot.clientSecret !== c.req.query('appsecret')) {
      return c.body('{"errcode":40089,"errmsg":"不合法的corpId或corpSecret"}', 200, jsonHeaders());
    }
    const { token, expiresInSeconds } = hub.tokens.issue(robot, hub.now());
    return c.json({ errcode: 0, errmsg: 'ok', access_token: token, expires_in: expiresInSeconds });
  });

  app.post('/v1.0/gateway/connections/open', async (c) => {
    const body = await jsonObject(c);
    if (!body) return missingParameter(c, 'body');
    if (typeof body['clientId'] !== 'string' || body['clientId'] === '')
      return missingParameter(c, 'clientId');
    if (typeof body['clientSecret'] !== 'string' || body['clientSecret'] === '')
      return missingParameter(c, 'clientSecret');
    const robot = hub.byClientId(body['clientId']);
    if (!robot || robot.clientSecret !== body['clientSecret']) {
      hub.log('stream open refused: unknown clientId or wrong clientSecret');
      return c.json({ requestid: requestId(), code: 'authFailed', message: '鉴权失败' }, 401);
    }
    const raw = body['subscriptions'];
    if (!Array.isArray(raw) || raw.length === 0) return missingParameter(c, 'subscriptions');
    const subscriptions: { type: string; topic: string }[] = [];
    for (const [index, item] of raw.entries()) {
      if (!isObject(item) || typeof item['type'] !== 'string' || typeof item['topic'] !== 'string') {
        return openApiError(
          c,
          400,
          'invalidParameter.subscriptions',
          `subscriptions[${index}] must be {"type": "EVENT" | "CALLBACK", "topic": "…"}`,
        );
      }
      subscriptions.push({ type: item['type'], topic: item['topic'] });
    }
    const ticket = hub.gateway.openTicket(robot, subscriptions);
    // The robot asking is the one that connects: give it the name it reached the emulator by (a
    // docker-compose service name, a LAN address), not the loopback base URL.
    const endpoint = `${new URL(c.req.url).origin.replace(/^http/, 'ws')}/connect`;
    // Without `Accept: application/json` DingTalk answers XML (the Node SDK's comment); so does the emulator.
    if (!(c.req.header('accept') ?? '').toLowerCase().includes('application/json')) {
      return c.body(
        `<?xml version="1.0" encoding="UTF-8"?><OpenConnectionResponse><endpoint>${endpoint}</endpoint><ticket>${ticket}</ticket></OpenConnectionResponse>`,
        200,
        { 'content-type': 'application/xml;charset=utf-8' },
      );
    }
    return c.json({ endpoint, ticket });
  });

  app.all('/robot/sendBySession', sendBySessionHandler(state, hub));
  app.post('/v1.0/robot/groupMessages/send', groupSendHandler(hub));
  app.post('/v1.0/robot/oToMessages/batchSend', batchSendHandler(hub));
  mountCards(app, state);

  app.get('/api/apps', (c) => c.json(hub.apps.map((robot) => hub.info(robot))));
  app.get('/api/groups', (c) =>
    c.json(
      hub.groups.map((group) => ({
        id: group.id,
        title: group.title,
        members: group.members,
        robots: group.robots.map((robot) => robot.name),
      })),
    ),
  );
  app.get('/api/chats', (c) => {
    const robot = c.req.query('robot');
    return c.json({ chats: hub.chats(robot || undefined) });
  });

  // The test API changes state: it takes JSON only, so a web page cannot post to it without a CORS
  // preflight (which the emulator never grants).
  app.use('/api/chat', requireJson);
  app.use('/api/apps/:robot/chaos', requireJson);

  app.post('/api/chat', async (c) => {
    const body = await jsonObject(c);
    if (!body)
      return c.json(
        { error: 'the body must be a JSON object: {"robot": "…", "text": "@bot …"}', field: '(body)' },
        400,
      );
    try {
      return c.json(await hub.send(body as unknown as ChatInput, originOf(c, state)));
    } catch (error) {
      if (error instanceof AppInputError)
        return c.json({ error: error.message, field: error.field }, error.status);
      throw error;
    }
  });

  app.post('/api/apps/:robot/chaos', async (c) => {
    const body = await jsonObject(c);
    try {
      return c.json(applyChaos(hub, c.req.param('robot'), body ?? {}));
    } catch (error) {
      if (error instanceof AppInputError)
        return c.json({ error: error.message, field: error.field }, error.status);
      throw error;
    }
  });
}

/** Answers 415 unless the request says `Content-Type: application/json`. */
async function requireJson(c: Context, next: () => Promise<void>): Promise<Response | undefined> {
  const type = c.req.header('content-type')?.split(';')[0]?.trim().toLowerCase();
  if (c.req.method === 'POST' && type !== 'application/json') {
    return c.json(
      { error: 'send the body as JSON with "Content-Type: application/json"', field: '(content-type)' },
      415,
    );
  }
  await next();
  return undefined;
}

/** The chaos actions of `POST /api/apps/:robot/chaos`. */
export const CHAOS_ACTIONS = [
  'drop',
  'disconnect',
  'ping',
  'withholdAcks',
  'duplicate',
  'expireSessions',
  'throttleOpenApi',
  'expireAccessToken',
] as const;

/** A chaos action and its arguments. */
export interface ChaosInput {
  action?: unknown;
  /** `withholdAcks`, `duplicate`: on or off (default on). */
  on?: unknown;
  /** `drop`, `disconnect`: one connection only. */
  connection?: unknown;
  /** `disconnect`: the reason sent. */
  reason?: unknown;
  /** `expireSessions`: only this message's session. */
  msgId?: unknown;
  /** `throttleOpenApi`: how long (default a window of the OpenAPI rate limit). */
  ms?: unknown;
}

/** Applies a chaos switch to an app robot; returns what it did. Throws {@link AppInputError} on bad input. */
export function applyChaos(
  hub: AppsHub,
  ref: string,
  input: ChaosInput,
): { action: string; affected: number } {
  const robot = hub.findApp(ref);
  if (!robot)
    throw new AppInputError('robot', `no app robot has the clientId, robotCode or name "${ref}"`, 404);
  const action = input.action;
  if (typeof action !== 'string' || !(CHAOS_ACTIONS as readonly string[]).includes(action))
    throw new AppInputError('action', `action: use one of ${CHAOS_ACTIONS.join(', ')}`);
  const optionalString = (field: 'connection' | 'reason' | 'msgId'): string | undefined => {
    const value = input[field];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value === '')
      throw new AppInputError(field, `${field}: expected a non-empty string`);
    return value;
  };
  const on = input.on === undefined ? true : input.on;
  if (typeof on !== 'boolean') throw new AppInputError('on', 'on: expected true or false');
  let affected = 1;
  switch (action) {
    case 'drop':
      affected = hub.gateway.drop(robot, optionalString('connection'));
      break;
    case 'disconnect':
      affected = hub.gateway.disconnect(
        robot,
        optionalString('reason') ?? 'connection is expired',
        optionalString('connection'),
      );
      break;
    case 'ping':
      affected = hub.gateway.ping(robot);
      break;
    case 'withholdAcks':
      hub.chaosOf(robot).withholdAcks = on;
      break;
    case 'duplicate':
      hub.chaosOf(robot).duplicate = on;
      break;
    case 'expireSessions':
      affected = hub.sessions.expireNow(robot.clientId, hub.now(), optionalString('msgId'));
      break;
    case 'expireAccessToken':
      hub.tokens.expire(robot.clientId);
      break;
    case 'throttleOpenApi': {
      const limiter = hub.openApiLimiter(robot);
      if (!limiter)
        throw new AppInputError(
          'action',
          'throttleOpenApi needs the OpenAPI rate limit on (openApiRateLimit is false)',
        );
      const ms = input.ms;
      if (ms !== undefined && (typeof ms !== 'number' || !Number.isInteger(ms) || ms < 0))
        throw new AppInputError('ms', 'ms: expected a non-negative integer');
      limiter.penalize(hub.now(), ms);
      break;
    }
  }
  hub.log(`chaos ${action} on ${robot.name}`);
  hub.appChanged(robot);
  return { action, affected };
}

/**
 * `/robot/sendBySession`: a reply to a delivered message, answered like `/robot/send`
 * (HTTP 200 and `{errcode, errmsg}`); an unknown or expired session is `300001 session 不存在`.
 */
function sendBySessionHandler(state: EmulatorState, hub: AppsHub) {
  return async (c: Context): Promise<Response> => {
    const now = hub.now();
    const session = hub.sessions.get(c.req.query('session'));
    const robotName = session?.app.name ?? null;
    const refuse = (refusal: Refusal, msgtype?: string, payload?: unknown): Response => {
      const record: Parameters<typeof state.recordAppAttempt>[0] = {
        robot: robotName,
        receivedAt: now,
        ...refusal,
      };
      if (msgtype !== undefined) record.msgtype = msgtype;
      if (payload !== undefined) record.payload = payload;
      state.recordAppAttempt(record);
      return c.body(
        `{"errcode":${refusal.errcode},"errmsg":${JSON.stringify(refusal.errmsg)}}`,
        200,
        jsonHeaders(),
      );
    };
    if (c.req.method !== 'POST') return refuse(refusals.method());
    const contentType = c.req.header('content-type');
    if (contentType?.split(';')[0]?.trim().toLowerCase() !== 'application/json')
      return refuse(refusals.contentType(contentType));
    if (!session || session.expiresAt <= now) {
      return refuse({
        errcode: 300001,
        errmsg: 'session 不存在',
        explanation: session
          ? `The sessionWebhook expired ${now - session.expiresAt} ms ago: it lives ${hub.settings.sessionWebhookTtlMs} ms; answer later messages through the OpenAPI (groupMessages/send).`
          : 'No delivered message has this sessionWebhook: use the sessionWebhook of the message you answer, as delivered.',
      });
    }
    const raw = await readBody(c, state.settings.maxBodyBytes);
    if (raw === null) return c.json({ error: `request body over ${state.settings.maxBodyBytes} bytes` }, 413);
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      body = undefined;
    }
    if (!isObject(body)) return refuse(refusals.invalidJson());
    const msgtype = typeof body['msgtype'] === 'string' ? body['msgtype'] : undefined;
    if (raw.length > defaults.maxMessageBytes)
      return refuse(refusals.tooLong(state.settings.wording, raw.length), msgtype);
    if (!msgtype) return refuse(refusals.missingMsgtype(), undefined, body);
    if (!MSGTYPES.has(msgtype) || !hub.settings.sessionWebhookMsgtypes.has(msgtype)) {
      const refusal = refusals.unknownMsgtype(msgtype);
      refusal.explanation = `The msgtype "${msgtype}" cannot be sent through a sessionWebhook here: use ${[...hub.settings.sessionWebhookMsgtypes].join(', ')}.`;
      return refuse(refusal, msgtype, body);
    }
    const missing = missingField(body, msgtype);
    if (missing) return refuse(refusals.missingField(state.settings.wording, missing), msgtype, body);
    const fields: AppMessageFields = {
      via: 'sessionWebhook',
      inReplyTo: session.msgId,
      conversationId: session.conversationId,
    };
    if (session.userId !== undefined) fields.userIds = [session.userId];
    hub.recordReply(session.app, now, msgtype, body, raw.length, mentionsOf(body, msgtype), fields);
    return c.body('{"errcode":0,"errmsg":"ok"}', 200, jsonHeaders());
  };
}
