import { createHmac } from 'node:crypto';
import { MSGTYPES, mentionsOf, missingField } from '../message.js';
import type { ResolvedApp } from './config.js';
import { appDefaults } from './defaults.js';
import type { AppsHub } from './hub.js';
import type { ChatRecord, DeliveryRecord } from './types.js';

/** The `sign` header of an HTTP callback: `base64(HmacSHA256(key = appSecret, timestamp + "\n" + appSecret))`, not URL-encoded. */
export function callbackSign(appSecret: string, timestamp: string): string {
  return createHmac('sha256', appSecret).update(`${timestamp}\n${appSecret}`).digest('base64');
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * POSTs a chat's message JSON to the robot's callback URL with `timestamp` and `sign` headers,
 * records the answer, and posts a message returned in the body to the group (the older outgoing
 * robots' reply path; `{"msgtype":"empty"}` answers nothing).
 */
export async function deliverOverHttp(
  hub: AppsHub,
  app: ResolvedApp,
  chat: ChatRecord,
  reason: DeliveryRecord['reason'],
): Promise<void> {
  const timestamp = String(hub.now());
  const delivery: DeliveryRecord = { at: hub.now(), transport: 'http', reason };
  chat.deliveries.push(delivery);
  let text: string | undefined;
  try {
    const res = await fetch(app.callbackUrl as string, {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        timestamp,
        sign: callbackSign(app.clientSecret, timestamp),
      },
      body: JSON.stringify(chat.message),
      redirect: 'manual',
      signal: AbortSignal.timeout(hub.settings.callbackTimeoutMs),
    });
    delivery.status = res.status;
    text = await res.text();
    delivery.body = text.slice(0, appDefaults.callbackBodyChars);
    if (!res.ok) text = undefined;
  } catch (error) {
    delivery.status = 0;
    delivery.error = error instanceof Error ? error.message : String(error);
    hub.log(`callback to ${app.name} failed: ${delivery.error}`);
  }
  hub.chatChanged(chat);
  if (text !== undefined) replyFromBody(hub, app, chat, text);
}

function replyFromBody(hub: AppsHub, app: ResolvedApp, chat: ChatRecord, text: string): void {
  if (text.trim() === '') return;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return;
  }
  if (!isObject(body) || typeof body['msgtype'] !== 'string' || body['msgtype'] === 'empty') return;
  const msgtype = body['msgtype'];
  const now = hub.now();
  const problem = !MSGTYPES.has(msgtype)
    ? `msgtype "${msgtype}" is not one a robot can post: use text, link, markdown, actionCard, feedCard or empty`
    : missingField(body, msgtype);
  if (problem !== undefined) {
    hub.recorder.recordAppAttempt({
      robot: app.name,
      receivedAt: now,
      errcode: MSGTYPES.has(msgtype) ? 400403 : 400105,
      errmsg: MSGTYPES.has(msgtype) ? `miss param : ${problem.split('.').join('->')}` : '不支持的消息类型',
      explanation: `The callback answer is not a message DingTalk can post (${problem}); nothing was posted.`,
      msgtype,
      payload: body,
    });
    return;
  }
  hub.recordReply(app, now, msgtype, body, Buffer.byteLength(text), mentionsOf(body, msgtype), {
    via: 'callbackResponse',
    inReplyTo: chat.msgId,
    conversationId: chat.conversationId,
  });
}
