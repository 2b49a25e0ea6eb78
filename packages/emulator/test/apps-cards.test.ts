import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createEmulatorApp } from '../src/index.js';

type Json = Record<string, unknown>;
type App = ReturnType<typeof createEmulatorApp>['app'];

const APP = { clientId: 'dingk1', clientSecret: 'secret-1', name: 'deploy' };
const OTHER = { clientId: 'dingk2', clientSecret: 'secret-2', name: 'other' };
const GROUP = { id: 'cidOps', title: 'Ops', members: [{ staffId: 'u1', name: 'Alice' }], robots: ['deploy'] };

async function call(app: App, method: 'POST' | 'PUT', path: string, body: unknown, token?: string) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== undefined) headers['x-acs-dingtalk-access-token'] = token;
  const res = await app.request(path, { method, headers, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Json };
}

async function setup() {
  const emulator = createEmulatorApp({ apps: [APP, OTHER], groups: [GROUP] });
  const token = async (app: { clientId: string; clientSecret: string }) =>
    (
      await call(emulator.app, 'POST', '/v1.0/oauth2/accessToken', {
        appKey: app.clientId,
        appSecret: app.clientSecret,
      })
    ).json['accessToken'] as string;
  return { ...emulator, token: await token(APP), otherToken: await token(OTHER) };
}

const createBody = (fields: Json = {}): Json => ({
  cardTemplateId: 'tpl.schema',
  outTrackId: 'track-1',
  openSpaceId: 'dtv1.card//IM_GROUP.cidOps',
  imGroupOpenDeliverModel: { robotCode: APP.clientId },
  cardData: { cardParamMap: { msgContent: '' } },
  callbackType: 'STREAM',
  ...fields,
});
const update = (fields: Json = {}): Json => ({
  outTrackId: 'track-1',
  guid: crypto.randomUUID(),
  key: 'msgContent',
  content: 'hello',
  isFull: true,
  ...fields,
});

describe('app robots: AI cards (createAndDeliver, streaming)', () => {
  test('a card is delivered, streamed into (full and appended), finalised, and shown in the timeline', async () => {
    const { app, state, token } = await setup();
    const created = await call(app, 'POST', '/v1.0/card/instances/createAndDeliver', createBody(), token);
    assert.equal(created.status, 200);
    assert.equal(created.json['success'], true);
    const result = created.json['result'] as Json;
    assert.equal(result['outTrackId'], 'track-1');
    assert.deepEqual(
      (result['deliverResults'] as Json[]).map((r) => [r['spaceType'], r['spaceId'], r['success']]),
      [['IM_GROUP', 'cidOps', true]],
    );
    const record = () => state.messages().find((m) => m.via === 'card');
    assert.equal(record()?.card?.status, 'processing');

    assert.equal(
      (await call(app, 'PUT', '/v1.0/card/streaming', update({ content: 'Hello' }), token)).status,
      200,
    );
    assert.equal(record()?.card?.status, 'inputing');
    const again = update({ content: ', world', isFull: false });
    await call(app, 'PUT', '/v1.0/card/streaming', again, token);
    // The same guid again is a retry: applied once.
    await call(app, 'PUT', '/v1.0/card/streaming', again, token);
    await call(
      app,
      'PUT',
      '/v1.0/card/streaming',
      update({ content: 'Hello, world!', isFinalize: true }),
      token,
    );

    const res = await app.request('/api/cards');
    const [card] = ((await res.json()) as { cards: Json[] }).cards;
    assert.equal(card?.['status'], 'finished');
    assert.deepEqual(card?.['params'], { msgContent: 'Hello, world!' });
    assert.equal(card?.['updateCount'], 3);
    assert.deepEqual(record()?.payload, {
      msgtype: 'markdown',
      markdown: { title: 'AI card', text: 'Hello, world!' },
    });
    assert.deepEqual(record()?.card, {
      outTrackId: 'track-1',
      cardTemplateId: 'tpl.schema',
      status: 'finished',
      updates: 3,
    });
  });

  test('refusals name the parameter, in the OpenAPI style', async () => {
    const { app, token, otherToken } = await setup();
    const create = (body: Json, as: string | null = token) =>
      call(app, 'POST', '/v1.0/card/instances/createAndDeliver', body, as ?? undefined);
    const refused = async (answer: Promise<{ status: number; json: Json }>, code: RegExp) => {
      const { status, json } = await answer;
      assert.equal(status, 400);
      assert.match(json['code'] as string, code);
      assert.equal(typeof json['message'], 'string');
    };
    await refused(create(createBody(), null), /^AuthenticationFailed\.MissingParameter$/);
    await refused(create(createBody(), 'not-a-token'), /^InvalidAuthentication$/);
    await refused(create(createBody({ cardTemplateId: undefined })), /^MissingcardTemplateId$/);
    await refused(create(createBody({ openSpaceId: 'cidOps' })), /^invalidParameter\.openSpaceId/);
    await refused(
      create(createBody({ openSpaceId: 'dtv1.card//IM_GROUP.cidNope' })),
      /^invalidParameter\.openSpaceId/,
    );
    await refused(
      create(createBody({ imGroupOpenDeliverModel: undefined })),
      /^MissingimGroupOpenDeliverModel$/,
    );
    // The other app's robot is not in the group, and the robotCode must be the token's app's.
    await refused(
      create(createBody({ imGroupOpenDeliverModel: { robotCode: OTHER.clientId } }), otherToken),
      /^invalidParameter\.openSpaceId/,
    );
    await refused(
      create(createBody({ imGroupOpenDeliverModel: { robotCode: OTHER.clientId } })),
      /robotCode/,
    );
    await refused(
      create(createBody({ cardData: { cardParamMap: { n: 1 } } })),
      /^invalidParameter\.cardData/,
    );
    await refused(
      create(
        createBody({
          openSpaceId: 'dtv1.card//IM_ROBOT.nobody',
          imRobotOpenDeliverModel: { spaceType: 'IM_ROBOT' },
        }),
      ),
      /^invalidParameter\.openSpaceId/,
    );
    assert.equal((await create(createBody())).status, 200);
    await refused(create(createBody()), /^invalidParameter\.outTrackId/);

    const put = (body: Json, as: string = token) => call(app, 'PUT', '/v1.0/card/streaming', body, as);
    await refused(put(update({ guid: undefined })), /^Missingguid$/);
    await refused(put(update({ content: 5 })), /^Missingcontent$/);
    await refused(put(update({ isFinalize: 'yes' })), /^invalidParameter\.isFinalize/);
    await refused(put(update({ outTrackId: 'unknown' })), /^invalidParameter\.outTrackId/);
    // Another app cannot stream into this app's card.
    await refused(put(update(), otherToken), /^invalidParameter\.outTrackId/);
  });
});
