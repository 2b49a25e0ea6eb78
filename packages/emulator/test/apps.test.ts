import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { createEmulatorApp, defaults, EmulatorConfigError, loadEmulatorConfig } from '../src/index.js';
import { manualTime } from './apps-helpers.js';
import { fakeClock } from './helpers.js';

type Json = Record<string, unknown>;
type App = ReturnType<typeof createEmulatorApp>['app'];

async function post(app: App, path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await app.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: Json = {};
  try {
    json = JSON.parse(text) as Json;
  } catch {}
  return { status: res.status, json, text, contentType: res.headers.get('content-type') };
}

const APP = { clientId: 'dingk1', clientSecret: 'secret-1', name: 'deploy' };
const GROUP = {
  id: 'cidOps',
  title: 'Ops',
  members: [
    { staffId: 'u1', name: 'Alice', mobile: '13800000001', admin: true },
    { staffId: 'u2', name: 'Bob' },
  ],
};

async function token(app: App, appKey = APP.clientId, appSecret = APP.clientSecret): Promise<string> {
  const { json } = await post(app, '/v1.0/oauth2/accessToken', { appKey, appSecret });
  return json['accessToken'] as string;
}

describe('app robots: configuration and defaults', () => {
  test('without config: one Stream robot with the documented fake credentials, one group with members', async () => {
    const { app } = createEmulatorApp();
    const apps = (await (await app.request('/api/apps')).json()) as Json[];
    assert.equal(apps.length, 1);
    assert.deepEqual(
      {
        name: apps[0]?.['name'],
        clientId: apps[0]?.['clientId'],
        robotCode: apps[0]?.['robotCode'],
        mode: apps[0]?.['mode'],
      },
      {
        name: 'bot',
        clientId: defaults.apps.app.clientId,
        robotCode: defaults.apps.app.robotCode,
        mode: 'stream',
      },
    );
    assert.equal(
      JSON.stringify(apps).includes(defaults.apps.app.clientSecret),
      false,
      'the secret is never listed',
    );
    const groups = (await (await app.request('/api/groups')).json()) as Json[];
    assert.equal(groups.length, 1);
    assert.equal(groups[0]?.['id'], defaults.apps.group.id);
    assert.equal((groups[0]?.['members'] as unknown[] | undefined)?.length, 3);
    assert.deepEqual(groups[0]?.['robots'], ['bot']);
  });

  test('a callbackUrl makes a robot HTTP-mode; robotCode defaults to the clientId', async () => {
    const { app } = createEmulatorApp({
      apps: [{ ...APP, callbackUrl: 'http://127.0.0.1:9/cb' }],
      groups: [GROUP],
    });
    const [info] = (await (await app.request('/api/apps')).json()) as Json[];
    assert.equal(info?.['mode'], 'http');
    assert.equal(info?.['robotCode'], APP.clientId);
    assert.deepEqual(info?.['groups'], ['cidOps']);
  });

  test('apps: [] means none', async () => {
    const { app } = createEmulatorApp({ apps: [] });
    assert.deepEqual(await (await app.request('/api/apps')).json(), []);
  });

  test('bad app and group config names the field', () => {
    const cases: [unknown, RegExp][] = [
      [{ apps: [{ clientId: 'a' }] }, /apps\[0\]\.clientSecret/],
      [{ apps: [{ ...APP, mode: 'http' }] }, /apps\[0\]\.callbackUrl: mode "http" needs a callbackUrl/],
      [{ apps: [{ ...APP, callbackUrl: 'ftp://x' }] }, /apps\[0\]\.callbackUrl: must be an http/],
      [{ apps: [APP, { ...APP }] }, /apps\[1\]\.clientId: another app robot has the same clientId/],
      [
        { apps: [APP], groups: [{ ...GROUP, robots: ['nobody'] }] },
        /groups\[0\]\.robots\[0\]: no app robot .* "nobody" \(app robots: deploy\)/,
      ],
      [{ groups: [{ ...GROUP, members: [] }] }, /groups\[0\]\.members: a group needs at least one member/],
      [{ apps: [{ ...APP, clientSecrett: 'x' }] }, /apps\[0\].*clientSecrett/],
      [{ streamRedeliveryMs: -1 }, /streamRedeliveryMs/],
      [
        { robots: [{ token: 't', name: 'deploy' }], apps: [APP] },
        /apps\[0\]\.name: a webhook robot is also named "deploy"/,
      ],
    ];
    for (const [options, message] of cases) {
      assert.throws(
        () => createEmulatorApp(options as never),
        (error: Error) => {
          assert.ok(error instanceof EmulatorConfigError, String(error));
          assert.match(error.message, message);
          assert.equal(error.message.includes('secret-1'), false);
          return true;
        },
      );
    }
    assert.throws(() => createEmulatorApp({ timers: {} as never }), /timers: expected/);
  });
});

describe('access tokens', () => {
  test('/v1.0/oauth2/accessToken and /gettoken answer the same token, valid 7200 s', async () => {
    const { app } = createEmulatorApp({ apps: [APP], groups: [GROUP] });
    const { status, json } = await post(app, '/v1.0/oauth2/accessToken', {
      appKey: APP.clientId,
      appSecret: APP.clientSecret,
    });
    assert.equal(status, 200);
    assert.equal(json['expireIn'], 7200);
    assert.match(json['accessToken'] as string, /^[0-9a-f]{32}$/);
    const legacy = (await (
      await app.request(`/gettoken?appkey=${APP.clientId}&appsecret=${APP.clientSecret}`)
    ).json()) as Json;
    assert.deepEqual(legacy, {
      errcode: 0,
      errmsg: 'ok',
      access_token: json['accessToken'],
      expires_in: 7200,
    });
  });

  test("wrong credentials are refused in each endpoint's style, never echoing the secret", async () => {
    const { app } = createEmulatorApp({ apps: [APP], groups: [GROUP] });
    const modern = await post(app, '/v1.0/oauth2/accessToken', {
      appKey: APP.clientId,
      appSecret: 'wrong-secret',
    });
    assert.equal(modern.status, 400);
    assert.equal(modern.json['code'], 'invalidClientIdOrSecret');
    assert.ok(modern.json['requestid']);
    assert.equal(modern.text.includes('wrong-secret'), false);
    const missing = await post(app, '/v1.0/oauth2/accessToken', { appKey: APP.clientId });
    assert.deepEqual([missing.status, missing.json['code']], [400, 'MissingappSecret']);
    const legacy = (await (await app.request('/gettoken?appkey=dingk1&appsecret=nope')).json()) as Json;
    assert.equal(legacy['errcode'], 40089);
  });

  test('a token expires with the injected clock, and OpenAPI calls then answer InvalidAuthentication', async () => {
    const clock = fakeClock();
    const { app } = createEmulatorApp({
      apps: [APP],
      groups: [GROUP],
      now: clock.now,
      accessTokenTtlMs: 10_000,
    });
    const t = await token(app);
    const send = () =>
      post(
        app,
        '/v1.0/robot/groupMessages/send',
        {
          robotCode: APP.clientId,
          openConversationId: 'cidOps',
          msgKey: 'sampleText',
          msgParam: '{"content":"hi"}',
        },
        { 'x-acs-dingtalk-access-token': t },
      );
    assert.equal((await send()).status, 200);
    clock.advance(10_000);
    const expired = await send();
    assert.equal(expired.status, 400);
    assert.deepEqual(
      [expired.json['code'], expired.json['message']],
      ['InvalidAuthentication', '不合法的access_token'],
    );
    const fresh = await token(app);
    assert.notEqual(fresh, t);
  });

  test('the expireAccessToken chaos switch ends the token now', async () => {
    const { app } = createEmulatorApp({ apps: [APP], groups: [GROUP] });
    const t = await token(app);
    const send = () =>
      post(
        app,
        '/v1.0/robot/groupMessages/send',
        {
          robotCode: APP.clientId,
          openConversationId: 'cidOps',
          msgKey: 'sampleText',
          msgParam: '{"content":"hi"}',
        },
        { 'x-acs-dingtalk-access-token': t },
      );
    assert.equal((await send()).status, 200);
    assert.equal((await post(app, '/api/apps/deploy/chaos', { action: 'expireAccessToken' })).status, 200);
    assert.equal((await send()).json['code'], 'InvalidAuthentication');
  });

  test('OpenAPI without the token header: AuthenticationFailed.MissingParameter', async () => {
    const { app } = createEmulatorApp({ apps: [APP], groups: [GROUP] });
    const res = await post(app, '/v1.0/robot/groupMessages/send', {});
    assert.deepEqual([res.status, res.json['code']], [400, 'AuthenticationFailed.MissingParameter']);
  });
});

describe('Stream gateway: open connection', () => {
  const subscriptions = [{ type: 'CALLBACK', topic: '/v1.0/im/bot/messages/get' }];

  test('answers {endpoint, ticket} with Accept: application/json', async () => {
    const { app } = createEmulatorApp({ apps: [APP], groups: [GROUP] });
    const res = await post(
      app,
      '/v1.0/gateway/connections/open',
      { clientId: APP.clientId, clientSecret: APP.clientSecret, subscriptions, ua: 'test' },
      { accept: 'application/json' },
    );
    assert.equal(res.status, 200);
    assert.equal(res.json['endpoint'], 'ws://localhost/connect');
    assert.match(res.json['ticket'] as string, /^[0-9a-f-]{36}$/);
  });

  test('the endpoint uses the host name the robot reached the emulator by', async () => {
    const { app, state } = createEmulatorApp({
      apps: [APP],
      groups: [GROUP],
      allowedHosts: ['dingtalk-emulator'],
    });
    state.baseUrl = 'http://127.0.0.1:8787';
    const res = await post(
      app,
      'http://dingtalk-emulator:8787/v1.0/gateway/connections/open',
      { clientId: APP.clientId, clientSecret: APP.clientSecret, subscriptions },
      { accept: 'application/json' },
    );
    assert.equal(res.json['endpoint'], 'ws://dingtalk-emulator:8787/connect');
  });

  test('without Accept: application/json the answer is XML, as on DingTalk', async () => {
    const { app } = createEmulatorApp({ apps: [APP], groups: [GROUP] });
    const res = await post(app, '/v1.0/gateway/connections/open', {
      clientId: APP.clientId,
      clientSecret: APP.clientSecret,
      subscriptions,
    });
    assert.match(res.contentType ?? '', /application\/xml/);
    assert.match(res.text, /<endpoint>ws:\/\/localhost\/connect<\/endpoint><ticket>[0-9a-f-]{36}<\/ticket>/);
  });

  test('bad credentials: 401 authFailed; missing fields and bad subscriptions are named', async () => {
    const { app } = createEmulatorApp({ apps: [APP], groups: [GROUP] });
    const headers = { accept: 'application/json' };
    const bad = await post(
      app,
      '/v1.0/gateway/connections/open',
      { clientId: APP.clientId, clientSecret: 'x', subscriptions },
      headers,
    );
    assert.deepEqual([bad.status, bad.json['code'], bad.json['message']], [401, 'authFailed', '鉴权失败']);
    const noSecret = await post(app, '/v1.0/gateway/connections/open', { clientId: APP.clientId }, headers);
    assert.deepEqual([noSecret.status, noSecret.json['code']], [400, 'MissingclientSecret']);
    const badSub = await post(
      app,
      '/v1.0/gateway/connections/open',
      { clientId: APP.clientId, clientSecret: APP.clientSecret, subscriptions: [{ type: 'CALLBACK' }] },
      headers,
    );
    assert.equal(badSub.status, 400);
    assert.match(badSub.json['message'] as string, /subscriptions\[0\]/);
  });
});

describe('/api/chat, sessionWebhook and records (no connection: the message waits)', () => {
  const make = (extra: Json = {}) => {
    const time = manualTime();
    const emulator = createEmulatorApp({
      apps: [APP],
      groups: [GROUP],
      now: time.now,
      timers: time.timers,
      ...extra,
    });
    return { ...emulator, time };
  };

  test('builds the documented message: @name stripped, sender, session webhook 90 min', async () => {
    const { app, state, time } = make();
    const res = await post(app, '/api/chat', {
      robot: 'deploy',
      text: '@deploy deploy api @Bob',
      sender: 'Alice',
    });
    assert.equal(res.status, 200);
    assert.equal(res.json['delivery'], 'pending');
    assert.equal(res.json['conversationId'], 'cidOps');
    assert.match(
      res.json['sessionWebhook'] as string,
      /^http:\/\/localhost\/robot\/sendBySession\?session=[\w-]{32}$/,
    );
    const chat = state.apps.chats()[0];
    const message = chat?.message as Json;
    assert.deepEqual(message['text'], { content: ' deploy api @Bob' });
    assert.equal(message['msgtype'], 'text');
    assert.equal(message['conversationType'], '2');
    assert.equal(message['conversationTitle'], 'Ops');
    assert.equal(message['senderStaffId'], 'u1');
    assert.equal(message['senderNick'], 'Alice');
    assert.equal(message['isAdmin'], true);
    assert.equal(message['isInAtList'], true);
    assert.equal(message['robotCode'], APP.clientId);
    assert.equal(message['createAt'], time.now());
    assert.equal(message['sessionWebhookExpiredTime'], time.now() + 5_400_000);
    assert.equal(message['msgId'], res.json['msgId']);
    const atUsers = message['atUsers'] as Json[];
    assert.equal(atUsers.length, 2);
    assert.equal(atUsers[0]?.['dingtalkId'], message['chatbotUserId']);
    assert.equal(atUsers[1]?.['staffId'], 'u2');
    assert.match(message['senderId'] as string, /^\$:LWCP_v1:\$/);
    assert.equal(chat?.pending, true);
  });

  test('direct: a 1:1 chat (conversationType "1"), text whole, replies recorded with userIds', async () => {
    const { app, state } = make();
    const res = await post(app, '/api/chat', {
      robot: 'deploy',
      text: '@deploy status',
      sender: 'Bob',
      direct: true,
    });
    assert.equal(res.status, 200);
    assert.match(res.json['conversationId'] as string, /^cid[\w-]{22}$/);
    assert.notEqual(res.json['conversationId'], 'cidOps');
    const again = await post(app, '/api/chat', {
      robot: 'deploy',
      text: 'again',
      sender: 'u2',
      direct: true,
    });
    assert.equal(
      again.json['conversationId'],
      res.json['conversationId'],
      'one 1:1 conversation per member and robot',
    );
    const message = state.apps.chat(res.json['msgId'] as string)?.message as Json;
    assert.equal(message['conversationType'], '1');
    assert.equal('conversationTitle' in message, false);
    assert.deepEqual(message['text'], { content: '@deploy status' });
    assert.deepEqual(message['atUsers'], []);
    assert.equal(message['senderStaffId'], 'u2');
    const url = new URL(res.json['sessionWebhook'] as string);
    await post(app, url.pathname + url.search, { msgtype: 'text', text: { content: 'all green' } });
    const reply = state.messages().at(-1);
    assert.deepEqual(reply?.userIds, ['u2']);
    assert.equal(reply?.conversationId, res.json['conversationId']);
    const both = await post(app, '/api/chat', {
      robot: 'deploy',
      text: 'x',
      direct: true,
      conversation: 'cidOps',
    });
    assert.deepEqual([both.status, both.json['field']], [400, 'conversation']);
  });

  test('bad chat input names the field', async () => {
    const { app } = make();
    const cases: [Json, string, number][] = [
      [{ text: 'hi' }, 'robot', 400],
      [{ robot: 'nobody', text: 'hi' }, 'robot', 404],
      [{ robot: 'deploy' }, 'text', 400],
      [{ robot: 'deploy', text: 'hi', conversation: 'cidNone' }, 'conversation', 404],
      [{ robot: 'deploy', text: 'hi', sender: 'Carol' }, 'sender', 404],
    ];
    for (const [body, field, status] of cases) {
      const res = await post(app, '/api/chat', body);
      assert.equal(res.status, status, JSON.stringify(body));
      assert.equal(res.json['field'], field);
      assert.match(res.json['error'] as string, new RegExp(`^${field}: `));
    }
  });

  test('a reply through sessionWebhook is recorded like any message, tied to the message it answers', async () => {
    const { app, state } = make();
    const { json } = await post(app, '/api/chat', { robot: 'deploy', text: '@deploy ping' });
    const path =
      new URL(json['sessionWebhook'] as string).pathname + new URL(json['sessionWebhook'] as string).search;
    const waiting = state.apps.nextReply(json['msgId'] as string);
    const res = await post(app, path, {
      msgtype: 'text',
      text: { content: 'pong @u1' },
      at: { atUserIds: ['u1'] },
    });
    assert.deepEqual(res.json, { errcode: 0, errmsg: 'ok' });
    const reply = await waiting;
    assert.equal(reply.robot, 'deploy');
    assert.equal(reply.via, 'sessionWebhook');
    assert.equal(reply.inReplyTo, json['msgId']);
    assert.equal(reply.conversationId, 'cidOps');
    assert.deepEqual(reply.mentions.userIds, ['u1']);
    const listed = (await (await app.request('/api/messages')).json()) as { messages: Json[] };
    assert.equal(listed.messages.at(-1)?.['inReplyTo'], json['msgId']);
    assert.deepEqual(state.apps.chats()[0]?.replies, [reply.id]);
  });

  test('nextReply also returns replies posted before it was called, each reply to one call, in order', async () => {
    const { app, state } = make();
    const { json } = await post(app, '/api/chat', { robot: 'deploy', text: '@deploy ping' });
    const session = new URL(json['sessionWebhook'] as string);
    const path = session.pathname + session.search;
    // Both replies are posted before anyone asks (an HTTP robot answers inside its callback).
    for (const content of ['first', 'second']) {
      await post(app, path, { msgtype: 'text', text: { content } });
    }
    const msgId = json['msgId'] as string;
    const texts = async () => ((await state.apps.nextReply(msgId)).payload['text'] as Json)['content'];
    assert.equal(await texts(), 'first');
    assert.equal(await texts(), 'second');
    // A third call waits for a third reply.
    const third = texts();
    await post(app, path, { msgtype: 'text', text: { content: 'third' } });
    assert.equal(await third, 'third');
  });

  test('a chat record takes its place in the record sequence, before its reply, after earlier records', async () => {
    const { app } = make();
    const first = await post(app, '/api/chat', { robot: 'deploy', text: '@deploy one' });
    const session = new URL(first.json['sessionWebhook'] as string);
    await post(app, session.pathname + session.search, { msgtype: 'text', text: { content: 'a' } });
    await post(app, '/api/chat', { robot: 'deploy', text: '@deploy two' });
    const { chats } = (await (await app.request('/api/chats')).json()) as { chats: Json[] };
    const { messages } = (await (await app.request('/api/messages')).json()) as { messages: Json[] };
    const ids = [chats[0]?.['id'], messages[0]?.['id'], chats[1]?.['id']];
    assert.ok(
      ids.every((id) => typeof id === 'number'),
      JSON.stringify(ids),
    );
    assert.deepEqual(
      ids,
      [...ids].sort((a, b) => (a as number) - (b as number)),
    );
    assert.equal(new Set(ids).size, 3);
  });

  test('sessionWebhook refuses like /robot/send, and answers 300001 session 不存在 after expiry', async () => {
    const { app, state, time } = make();
    const { json } = await post(app, '/api/chat', { robot: 'deploy', text: '@deploy hi' });
    const url = new URL(json['sessionWebhook'] as string);
    const path = url.pathname + url.search;
    assert.equal((await post(app, path, { msgtype: 'text', text: {} })).json['errcode'], 400403);
    assert.equal((await post(app, path, { msgtype: 'image' })).json['errcode'], 400105);
    assert.equal((await post(app, path, 'not json')).json['errcode'], 40035);
    assert.equal(
      (await post(app, '/robot/sendBySession?session=unknown', { msgtype: 'text', text: { content: 'x' } }))
        .json['errcode'],
      300001,
    );
    time.advance(5_400_000 - 1);
    assert.equal(
      (await post(app, path, { msgtype: 'text', text: { content: 'still ok' } })).json['errcode'],
      0,
    );
    time.advance(1);
    const expired = await post(app, path, { msgtype: 'text', text: { content: 'late' } });
    assert.deepEqual(expired.json, { errcode: 300001, errmsg: 'session 不存在' });
    const attempt = state.attempts().at(-1);
    assert.equal(attempt?.robot, 'deploy');
    assert.match(attempt?.explanation ?? '', /expired/);
  });

  test('sessionWebhookMsgtypes narrows what a session accepts; chaos expireSessions ends sessions now', async () => {
    const { app } = make({ sessionWebhookMsgtypes: ['text'] });
    const { json } = await post(app, '/api/chat', { robot: 'deploy', text: '@deploy hi' });
    const url = new URL(json['sessionWebhook'] as string);
    const path = url.pathname + url.search;
    const md = await post(app, path, { msgtype: 'markdown', markdown: { title: 't', text: 'x' } });
    assert.equal(md.json['errcode'], 400105);
    const chaos = await post(app, '/api/apps/deploy/chaos', { action: 'expireSessions' });
    assert.deepEqual(chaos.json, { action: 'expireSessions', affected: 1 });
    assert.equal(
      (await post(app, path, { msgtype: 'text', text: { content: 'x' } })).json['errcode'],
      300001,
    );
  });

  test('the test API takes JSON only (no cross-site form posts)', async () => {
    const { app, state } = make();
    for (const path of ['/api/chat', '/api/apps/deploy/chaos']) {
      const res = await app.request(path, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: JSON.stringify({ robot: 'deploy', text: '@deploy hi', action: 'duplicate' }),
      });
      assert.equal(res.status, 415, path);
    }
    assert.equal(state.apps.chats().length, 0);
    assert.equal(state.apps.chaosOf(state.apps.apps[0] as never).duplicate, false);
  });

  test('DELETE /api/messages also forgets the chats', async () => {
    const { app } = make();
    await post(app, '/api/chat', { robot: 'deploy', text: '@deploy hi' });
    assert.equal(((await (await app.request('/api/chats')).json()) as { chats: unknown[] }).chats.length, 1);
    await app.request('/api/messages', { method: 'DELETE' });
    assert.deepEqual(await (await app.request('/api/chats')).json(), { chats: [] });
  });

  test('chaos input errors name the field', async () => {
    const { app } = make();
    const unknown = await post(app, '/api/apps/deploy/chaos', { action: 'explode' });
    assert.deepEqual([unknown.status, unknown.json['field']], [400, 'action']);
    const badOn = await post(app, '/api/apps/deploy/chaos', { action: 'duplicate', on: 'yes' });
    assert.deepEqual([badOn.status, badOn.json['field']], [400, 'on']);
    const noRobot = await post(app, '/api/apps/nobody/chaos', { action: 'drop' });
    assert.equal(noRobot.status, 404);
  });
});

describe('OpenAPI sends', () => {
  const setup = async (extra: Json = {}) => {
    const clock = fakeClock();
    const emulator = createEmulatorApp({
      apps: [APP, { clientId: 'dingk2', clientSecret: 'secret-2', name: 'other' }],
      groups: [{ ...GROUP, robots: ['deploy'] }],
      now: clock.now,
      ...extra,
    });
    const t = await token(emulator.app);
    const send = (path: string, body: Json) =>
      post(emulator.app, `/v1.0/robot/${path}`, body, { 'x-acs-dingtalk-access-token': t });
    return { ...emulator, clock, send };
  };
  const group = (msgKey: string, msgParam: unknown, extra: Json = {}) => ({
    robotCode: APP.clientId,
    openConversationId: 'cidOps',
    msgKey,
    msgParam: typeof msgParam === 'string' ? msgParam : JSON.stringify(msgParam),
    ...extra,
  });

  test('groupMessages/send records the webhook-shaped equivalent and answers {processQueryKey}', async () => {
    const { send, state } = await setup();
    const res = await send(
      'groupMessages/send',
      group('sampleMarkdown', { title: 'Deploy', text: '### done' }),
    );
    assert.equal(res.status, 200);
    assert.equal(typeof res.json['processQueryKey'], 'string');
    const record = state.messages().at(-1);
    assert.equal(record?.via, 'groupMessages/send');
    assert.equal(record?.msgtype, 'markdown');
    assert.deepEqual(record?.payload, {
      msgtype: 'markdown',
      markdown: { title: 'Deploy', text: '### done' },
    });
    assert.deepEqual(record?.openApi, {
      msgKey: 'sampleMarkdown',
      msgParam: { title: 'Deploy', text: '### done' },
    });
    assert.equal(record?.conversationId, 'cidOps');
  });

  test('every msgKey maps to a message the preview can show', async () => {
    const { send, state } = await setup({ openApiRateLimit: false });
    const params: Record<string, Json> = {
      sampleText: { content: 'hi' },
      sampleLink: { text: 't', title: 'T', messageUrl: 'https://e.com', picUrl: 'https://e.com/p.png' },
      sampleImageMsg: { photoURL: 'https://e.com/p.png' },
      sampleActionCard: { title: 'T', text: 'x', singleTitle: 'Open', singleURL: 'https://e.com' },
      sampleActionCard3: {
        title: 'T',
        text: 'x',
        actionTitle1: 'a',
        actionURL1: 'u1',
        actionTitle2: 'b',
        actionURL2: 'u2',
        actionTitle3: 'c',
        actionURL3: 'u3',
      },
      sampleActionCard6: {
        title: 'T',
        text: 'x',
        buttonTitle1: 'a',
        buttonUrl1: 'u1',
        buttonTitle2: 'b',
        buttonUrl2: 'u2',
      },
    };
    const expected: Record<string, string> = {
      sampleText: 'text',
      sampleLink: 'link',
      sampleImageMsg: 'markdown',
      sampleActionCard: 'actionCard',
      sampleActionCard3: 'actionCard',
      sampleActionCard6: 'actionCard',
    };
    for (const [msgKey, msgParam] of Object.entries(params)) {
      const res = await send('groupMessages/send', group(msgKey, msgParam));
      assert.equal(res.status, 200, `${msgKey}: ${JSON.stringify(res.json)}`);
      assert.equal(state.messages().at(-1)?.msgtype, expected[msgKey]);
    }
    const btns = (state.messages().at(-2)?.payload['actionCard'] as Json | undefined)?.['btns'];
    assert.deepEqual(btns, [
      { title: 'a', actionURL: 'u1' },
      { title: 'b', actionURL: 'u2' },
      { title: 'c', actionURL: 'u3' },
    ]);
  });

  test('refusals: OpenAPI style, naming what is wrong', async () => {
    const { send } = await setup();
    const cases: [Json, string][] = [
      [group('sampleNope', { content: 'x' }), 'invalidParameter.msgKey.invalid'],
      [group('sampleText', 'not json'), 'invalidParameter.msgParam.invalid'],
      [group('sampleMarkdown', { title: 'x' }), 'invalidParameter.msgParam.invalid'],
      [group('sampleText', { content: 'x' }, { robotCode: 'dingk2' }), 'invalidParameter.robotCode.invalid'],
      [
        group('sampleText', { content: 'x' }, { openConversationId: 'cidNone' }),
        'invalidParameter.openConversationId.invalid',
      ],
      [group('sampleText', { content: 'x' }, { msgKey: undefined }), 'MissingmsgKey'],
      [group('sampleText', 'x'.repeat(15_001)), 'invalidParameter.msgParam.invalid'],
    ];
    for (const [body, code] of cases) {
      const res = await send('groupMessages/send', body);
      assert.equal(res.status, 400, code);
      assert.equal(res.json['code'], code);
      assert.equal(typeof res.json['requestid'], 'string');
    }
    const missing = await send('groupMessages/send', group('sampleMarkdown', { title: 'x' }));
    assert.match(missing.json['message'] as string, /msgParam\.text is missing/);
  });

  test('oToMessages/batchSend: staffIds outside the groups come back in invalidStaffIdList', async () => {
    const { send, state } = await setup();
    const res = await send('oToMessages/batchSend', {
      robotCode: APP.clientId,
      userIds: ['u1', 'ghost'],
      msgKey: 'sampleText',
      msgParam: '{"content":"hello"}',
    });
    assert.equal(res.status, 200);
    assert.deepEqual(res.json['invalidStaffIdList'], ['ghost']);
    assert.deepEqual(res.json['flowControlledStaffIdList'], []);
    assert.deepEqual(state.messages().at(-1)?.userIds, ['u1']);
    const tooMany = await send('oToMessages/batchSend', {
      robotCode: APP.clientId,
      userIds: Array.from({ length: 21 }, (_, i) => `u${i}`),
      msgKey: 'sampleText',
      msgParam: '{"content":"x"}',
    });
    assert.equal(tooMany.json['code'], 'invalidParameter.userIds.invalid');
  });

  test('their own rate limit, and the throttleOpenApi chaos switch', async () => {
    const { send, clock, app } = await setup({ openApiRateLimit: { limit: 2, windowMs: 1000 } });
    const body = group('sampleText', { content: 'x' });
    assert.equal((await send('groupMessages/send', body)).status, 200);
    assert.equal((await send('groupMessages/send', body)).status, 200);
    const throttled = await send('groupMessages/send', body);
    assert.deepEqual([throttled.status, throttled.json['code']], [400, 'send.too.fast']);
    clock.advance(1000);
    assert.equal((await send('groupMessages/send', body)).status, 200);
    await post(app, '/api/apps/deploy/chaos', { action: 'throttleOpenApi', ms: 5000 });
    assert.equal((await send('groupMessages/send', body)).json['code'], 'send.too.fast');
    clock.advance(5000);
    assert.equal((await send('groupMessages/send', body)).status, 200);
  });
});

describe('app robots: config file, events, logs, open-ended input', () => {
  test('loadEmulatorConfig reads apps, groups and the app options', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'emulator-apps-'));
    try {
      const config = {
        apps: [{ ...APP, mode: 'http', callbackUrl: 'http://127.0.0.1:3000/dingtalk' }],
        groups: [{ ...GROUP, robots: ['deploy'] }],
        streamRedeliveryMs: 5000,
        sessionWebhookTtlMs: 60_000,
        openApiRateLimit: false,
      };
      const path = join(dir, 'apps.json');
      await writeFile(path, JSON.stringify(config));
      assert.deepEqual(await loadEmulatorConfig(path), config);
      await writeFile(path, JSON.stringify({ groups: [{ ...GROUP, members: [{ staffId: 'u1' }] }] }));
      await assert.rejects(loadEmulatorConfig(path), /groups\[0\]\.members\[0\]\.name/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('chats, replies and app changes stream on /api/events', async () => {
    const { app } = createEmulatorApp({ apps: [APP], groups: [GROUP] });
    const res = await app.request('/api/events');
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    const { json } = await post(app, '/api/chat', { robot: 'deploy', text: '@deploy hi' });
    const url = new URL(json['sessionWebhook'] as string);
    await post(app, url.pathname + url.search, { msgtype: 'text', text: { content: 'hello' } });
    await post(app, '/api/apps/deploy/chaos', { action: 'duplicate' });
    while (!text.includes('event: app'))
      text += decoder.decode((await reader.read()).value, { stream: true });
    await reader.cancel();
    assert.match(text, /event: chat\ndata: \{"id":1,"msgId":"msg/);
    assert.match(text, /event: message\ndata: \{[^\n]*"inReplyTo":"msg/);
    assert.match(text, /event: app\ndata: \{"name":"deploy"[^\n]*"duplicate":true/);
  });

  test('log lines never carry an app secret, an access token or a session', async () => {
    const lines: string[] = [];
    const { app, state } = createEmulatorApp({
      apps: [APP],
      groups: [GROUP],
      log: (line) => lines.push(line),
    });
    const t = await token(app);
    await post(app, '/v1.0/oauth2/accessToken', { appKey: APP.clientId, appSecret: 'typo-secret-zz9' });
    await post(
      app,
      '/v1.0/gateway/connections/open',
      {
        clientId: APP.clientId,
        clientSecret: APP.clientSecret,
        subscriptions: [{ type: 'EVENT', topic: '*' }],
      },
      { accept: 'application/json' },
    );
    const { json } = await post(app, '/api/chat', { robot: 'deploy', text: '@deploy hi' });
    const session = new URL(json['sessionWebhook'] as string).searchParams.get('session') as string;
    await post(app, `/robot/sendBySession?session=${session}`, { msgtype: 'text', text: {} });
    await post(app, '/api/apps/deploy/chaos', { action: 'expireSessions' });
    state.log.flush();
    assert.ok(lines.length >= 4);
    for (const line of lines) {
      for (const secret of [APP.clientSecret, 'typo-secret-zz9', t, session])
        assert.equal(line.includes(secret), false, line);
    }
  });

  test('property: any msgParam gets 200 or an OpenAPI 400 with a code, never a 5xx', async () => {
    const { app } = createEmulatorApp({ apps: [APP], groups: [GROUP], openApiRateLimit: false });
    const t = await token(app);
    const keys = [
      'sampleText',
      'sampleMarkdown',
      'sampleLink',
      'sampleActionCard',
      'sampleActionCard4',
      'sampleActionCard6',
      'sampleImageMsg',
      'sampleFile',
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...keys),
        fc.oneof(
          fc.string(),
          fc.json(),
          fc
            .dictionary(
              fc.constantFrom(
                'content',
                'title',
                'text',
                'singleTitle',
                'singleURL',
                'messageUrl',
                'photoURL',
                'actionTitle1',
                'actionURL1',
                'buttonTitle1',
              ),
              fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
            )
            .map((o) => JSON.stringify(o)),
        ),
        async (msgKey, msgParam) => {
          const res = await post(
            app,
            '/v1.0/robot/groupMessages/send',
            { robotCode: APP.clientId, openConversationId: 'cidOps', msgKey, msgParam },
            { 'x-acs-dingtalk-access-token': t },
          );
          if (res.status === 200) return typeof res.json['processQueryKey'] === 'string';
          return res.status === 400 && typeof res.json['code'] === 'string';
        },
      ),
      { numRuns: 200 },
    );
  });

  test('property: the delivered text is the typed text with the first @robot cut out', async () => {
    const { app, state } = createEmulatorApp({ apps: [APP], groups: [GROUP] });
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 0, maxLength: 40 }),
        fc.string({ maxLength: 40 }),
        async (before, after) => {
          const typed = `${before}@deploy${after}`;
          fc.pre(typed.trim() !== '');
          const { json } = await post(app, '/api/chat', { robot: 'deploy', text: typed });
          const chat = state.apps.chat(json['msgId'] as string);
          const expected = typed.replace('@deploy', '');
          return (chat?.message['text'] as { content: string } | undefined)?.content === expected;
        },
      ),
      { numRuns: 100 },
    );
  });
});
