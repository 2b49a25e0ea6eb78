import { randomBytes } from 'node:crypto';
import type { Context, Hono } from 'hono';
import { mentionsOf } from '../message.js';
import type { EmulatorState } from '../state.js';
import type { MessageRecord } from '../types.js';
import type { ResolvedApp } from './config.js';
import { appDefaults } from './defaults.js';
import type { AppsHub } from './hub.js';
import { jsonObject, missingParameter, openApiError } from './openapi-errors.js';
import type { CardSummary } from './types.js';

/** Where an interactive/AI card was delivered: a group, or a member's 1:1 chat with the robot. */
export type CardSpace = { type: 'IM_GROUP'; conversationId: string } | { type: 'IM_ROBOT'; userId: string };

/** A `PUT /v1.0/card/streaming` the emulator accepted. */
export interface CardStreamingUpdate {
  /** ms epoch, from the emulator's clock. */
  at: number;
  guid: string;
  key: string;
  /** The content as sent (the whole text when `isFull`, a piece to append otherwise). */
  content: string;
  isFull: boolean;
  isFinalize: boolean;
  isError: boolean;
}

/** An AI card an app robot created and delivered, with every streaming update it received. */
export interface CardRecord {
  outTrackId: string;
  /** The app robot's name. */
  robot: string;
  cardTemplateId: string;
  openSpaceId: string;
  space: CardSpace;
  callbackType: string | undefined;
  /** The card's variables now: `cardData.cardParamMap` with the streamed keys applied. */
  params: Record<string, string>;
  /** The variable the last streaming update wrote: what the preview shows. */
  contentKey: string | undefined;
  /** `processing` until the first update, `inputing` while streaming, then `finished` or `failed`. */
  status: CardSummary['status'];
  createdAt: number;
  /** Every accepted update, oldest first (at most 1000 kept; `updateCount` counts them all). */
  updates: CardStreamingUpdate[];
  updateCount: number;
  /** The timeline record (`/api/messages`) that shows the card. */
  messageId: number;
}

const MAX_UPDATES_KEPT = 1000;
const stores = new WeakMap<AppsHub, Map<string, CardRecord>>();

/** The cards of an emulator, by outTrackId, oldest first. */
function storeOf(hub: AppsHub): Map<string, CardRecord> {
  let store = stores.get(hub);
  if (store === undefined) {
    store = new Map();
    stores.set(hub, store);
  }
  return store;
}

/** The cards app robots created, oldest first. */
export function cardsOf(hub: AppsHub): CardRecord[] {
  return [...storeOf(hub).values()];
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The token's app, or the refusal (the robot OpenAPI's first two checks). */
function authenticate(c: Context, hub: AppsHub): ResolvedApp | Response {
  const token = c.req.header('x-acs-dingtalk-access-token');
  if (!token)
    return openApiError(
      c,
      400,
      'AuthenticationFailed.MissingParameter',
      'x-acs-dingtalk-access-token is mandatory for this action.',
    );
  return (
    hub.tokens.verify(token, hub.now()) ??
    openApiError(c, 400, 'InvalidAuthentication', '不合法的access_token')
  );
}

const invalid = (c: Context, field: string, message: string): Response =>
  openApiError(c, 400, `invalidParameter.${field}.invalid`, message);

/** The card's text as the preview shows it: the streamed variable, or the first non-empty one. */
function shownText(card: CardRecord): string {
  const key = card.contentKey ?? Object.keys(card.params).find((k) => card.params[k] !== '');
  const value = key === undefined ? '' : (card.params[key] ?? '');
  return value === '' ? '…' : value;
}

/** Writes the card's current text and status into its timeline record and announces the change. */
function showCard(state: EmulatorState, card: CardRecord, record: MessageRecord): void {
  record.payload = { msgtype: 'markdown', markdown: { title: 'AI card', text: shownText(card) } };
  record.card = {
    outTrackId: card.outTrackId,
    cardTemplateId: card.cardTemplateId,
    status: card.status,
    updates: card.updateCount,
  };
  state.events.publish('message', record);
}

/**
 * Mounts DingTalk's AI card API, as much as a robot that streams answers uses:
 * `POST /v1.0/card/instances/createAndDeliver` and `PUT /v1.0/card/streaming`, checked like the other
 * OpenAPI routes and recorded; `GET /api/cards` lists the cards. Each card shows in the timeline as one
 * message whose text follows the updates.
 */
export function mountCards(app: Hono, state: EmulatorState): void {
  const hub = state.apps;
  const records = new Map<string, MessageRecord>();

  app.post('/v1.0/card/instances/createAndDeliver', async (c) => {
    const robot = authenticate(c, hub);
    if (robot instanceof Response) return robot;
    const body = await jsonObject(c);
    if (!body) return missingParameter(c, 'body');
    const templateId = body['cardTemplateId'];
    if (typeof templateId !== 'string' || templateId === '') return missingParameter(c, 'cardTemplateId');
    const outTrackId = body['outTrackId'];
    if (typeof outTrackId !== 'string' || outTrackId === '') return missingParameter(c, 'outTrackId');
    const store = storeOf(hub);
    if (store.has(outTrackId))
      return invalid(c, 'outTrackId', `outTrackId ${outTrackId} is taken: give each card a new one`);
    const openSpaceId = body['openSpaceId'];
    if (typeof openSpaceId !== 'string' || openSpaceId === '') return missingParameter(c, 'openSpaceId');
    const match = /^dtv1\.card\/\/(IM_GROUP|IM_ROBOT)\.([^;]+)$/.exec(openSpaceId);
    if (!match)
      return invalid(
        c,
        'openSpaceId',
        `openSpaceId ${JSON.stringify(openSpaceId)}: use dtv1.card//IM_GROUP.<openConversationId> or dtv1.card//IM_ROBOT.<userId> (the emulator takes one space per card)`,
      );
    const [, spaceType, spaceId] = match as unknown as [string, 'IM_GROUP' | 'IM_ROBOT', string];
    let space: CardSpace;
    if (spaceType === 'IM_GROUP') {
      const deliver = body['imGroupOpenDeliverModel'];
      if (!isObject(deliver)) return missingParameter(c, 'imGroupOpenDeliverModel');
      if (deliver['robotCode'] !== robot.robotCode)
        return invalid(
          c,
          'robotCode',
          `imGroupOpenDeliverModel.robotCode must be the robotCode of the token's app (${robot.robotCode})`,
        );
      const group = hub.groups.find((g) => g.id === spaceId);
      if (!group?.robots.includes(robot))
        return invalid(
          c,
          'openSpaceId',
          `openSpaceId ${openSpaceId}: ${group ? `${robot.name} is not in this group` : 'no such group'}`,
        );
      space = { type: 'IM_GROUP', conversationId: spaceId };
    } else {
      const deliver = body['imRobotOpenDeliverModel'];
      if (!isObject(deliver)) return missingParameter(c, 'imRobotOpenDeliverModel');
      if (deliver['spaceType'] !== undefined && deliver['spaceType'] !== 'IM_ROBOT')
        return invalid(c, 'spaceType', 'imRobotOpenDeliverModel.spaceType must be "IM_ROBOT"');
      if (deliver['robotCode'] !== undefined && deliver['robotCode'] !== robot.robotCode)
        return invalid(
          c,
          'robotCode',
          `imRobotOpenDeliverModel.robotCode must be the robotCode of the token's app (${robot.robotCode})`,
        );
      if (!hub.groups.some((g) => g.members.some((m) => m.staffId === spaceId)))
        return invalid(c, 'openSpaceId', `openSpaceId ${openSpaceId}: no member has the userId ${spaceId}`);
      space = { type: 'IM_ROBOT', userId: spaceId };
    }
    const params: Record<string, string> = {};
    const cardData = body['cardData'];
    if (cardData !== undefined) {
      const map = isObject(cardData) ? cardData['cardParamMap'] : undefined;
      if (!isObject(map) || !Object.values(map).every((value) => typeof value === 'string'))
        return invalid(
          c,
          'cardData',
          'cardData.cardParamMap must be an object of strings (serialise other values as JSON strings)',
        );
      Object.assign(params, map);
    }
    const callbackType = body['callbackType'];
    if (callbackType !== undefined && callbackType !== 'STREAM' && callbackType !== 'HTTP')
      return invalid(c, 'callbackType', 'callbackType must be "STREAM" or "HTTP"');
    const now = hub.now();
    const card: CardRecord = {
      outTrackId,
      robot: robot.name,
      cardTemplateId: templateId,
      openSpaceId,
      space,
      callbackType: callbackType as string | undefined,
      params,
      contentKey: undefined,
      status: 'processing',
      createdAt: now,
      updates: [],
      updateCount: 0,
      messageId: 0,
    };
    const payload = { msgtype: 'markdown', markdown: { title: 'AI card', text: shownText(card) } };
    const record = hub.recordReply(robot, now, 'markdown', payload, 0, mentionsOf(payload, 'markdown'), {
      via: 'card',
      ...(space.type === 'IM_GROUP' ? { conversationId: space.conversationId } : { userIds: [space.userId] }),
      card: { outTrackId, cardTemplateId: templateId, status: 'processing', updates: 0 },
    });
    card.messageId = record.id;
    store.set(outTrackId, card);
    records.set(outTrackId, record);
    if (store.size > appDefaults.maxChats) {
      const oldest = store.keys().next().value;
      if (oldest !== undefined) {
        store.delete(oldest);
        records.delete(oldest);
      }
    }
    hub.log(`card ${outTrackId} delivered by ${robot.name} to ${openSpaceId}`);
    return c.json({
      success: true,
      result: {
        outTrackId,
        deliverResults: [
          { spaceType, spaceId, success: true, carrierId: randomBytes(12).toString('base64url') },
        ],
      },
    });
  });

  app.put('/v1.0/card/streaming', async (c) => {
    const robot = authenticate(c, hub);
    if (robot instanceof Response) return robot;
    const body = await jsonObject(c);
    if (!body) return missingParameter(c, 'body');
    for (const field of ['outTrackId', 'guid', 'key']) {
      const value = body[field];
      if (typeof value !== 'string' || value === '') return missingParameter(c, field);
    }
    if (typeof body['content'] !== 'string') return missingParameter(c, 'content');
    for (const flag of ['isFull', 'isFinalize', 'isError']) {
      if (body[flag] !== undefined && typeof body[flag] !== 'boolean')
        return invalid(c, flag, `${flag} must be true or false`);
    }
    const outTrackId = body['outTrackId'] as string;
    const card = storeOf(hub).get(outTrackId);
    if (!card || card.robot !== robot.name)
      return invalid(
        c,
        'outTrackId',
        `no card with outTrackId ${outTrackId} was delivered by this app: create it with createAndDeliver first`,
      );
    const guid = body['guid'] as string;
    // A repeated guid is the same update sent again (a retry): applied once.
    if (card.updates.some((update) => update.guid === guid)) return c.json({ success: true, result: true });
    const update: CardStreamingUpdate = {
      at: hub.now(),
      guid,
      key: body['key'] as string,
      content: body['content'] as string,
      isFull: body['isFull'] === true,
      isFinalize: body['isFinalize'] === true,
      isError: body['isError'] === true,
    };
    card.params[update.key] = update.isFull
      ? update.content
      : (card.params[update.key] ?? '') + update.content;
    card.contentKey = update.key;
    card.status = update.isError ? 'failed' : update.isFinalize ? 'finished' : 'inputing';
    card.updates.push(update);
    if (card.updates.length > MAX_UPDATES_KEPT) card.updates.shift();
    card.updateCount++;
    const record = records.get(outTrackId);
    if (record) showCard(state, card, record);
    if (update.isFinalize || update.isError) hub.log(`card ${outTrackId} ${card.status}`);
    return c.json({ success: true, result: true });
  });

  app.get('/api/cards', (c) => c.json({ cards: cardsOf(hub) }));
}
