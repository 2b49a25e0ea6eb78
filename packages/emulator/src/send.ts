import { createHash } from 'node:crypto';
import type { Context } from 'hono';
import { headerOf, readBody, remoteAddress } from './bindings.js';
import { defaults } from './defaults.js';
import {
  containsKeyword,
  MSGTYPES,
  malformedAt,
  mentionsOf,
  missingField,
  nestedDeeperThan,
} from './message.js';
import { type Refusal, refusals } from './refusals.js';
import type { Robot } from './robots.js';
import { ipAllowed, signMatches, timestampValid } from './security.js';
import type { EmulatorState } from './state.js';

// A fresh object per response: hono keeps the object it is given and later requests would share it.
const jsonHeaders = () => ({ 'content-type': 'application/json; charset=utf-8' });
const OK_BODY = '{"errcode":0,"errmsg":"ok"}';

/** Media type `application/json`, any parameters (charset) allowed, case-insensitive. */
function isJson(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const semicolon = contentType.indexOf(';');
  const type = (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
  return type === 'application/json';
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * `/robot/send`: answers exactly like DingTalk, HTTP 200 and `{errcode, errmsg}`, checking in
 * DingTalk's order: method, content type, token, robot state, security, size, shape, rate.
 */
export function sendHandler(state: EmulatorState) {
  const { settings } = state;

  const refuse = (
    c: Context,
    robot: Robot | undefined,
    now: number,
    refusal: Refusal,
    msgtype?: string,
    payload?: unknown,
  ): Response => {
    state.recordAttempt(robot, now, refusal, msgtype, payload);
    return c.body(
      `{"errcode":${refusal.errcode},"errmsg":${JSON.stringify(refusal.errmsg)}}`,
      200,
      jsonHeaders(),
    );
  };

  return async (c: Context): Promise<Response> => {
    const now = state.now();
    if (c.req.method !== 'POST') return refuse(c, undefined, now, refusals.method());
    const contentType = headerOf(c, 'content-type');
    if (!isJson(contentType)) return refuse(c, undefined, now, refusals.contentType(contentType));
    const token = c.req.query('access_token');
    if (!token) return refuse(c, undefined, now, refusals.tokenMissing());
    const robot = state.robots.byToken(token);
    if (!robot) return refuse(c, undefined, now, refusals.tokenUnknown());
    if (robot.state !== 'active') return refuse(c, robot, now, refusals[robot.state]());

    if (robot.ipRanges.length > 0) {
      const address = remoteAddress(c);
      if (address === undefined || !ipAllowed(address, robot.ipRanges)) {
        return refuse(c, robot, now, refusals.ip(settings.wording, address ?? 'unknown'));
      }
    }
    if (robot.secret !== undefined) {
      const timestamp = c.req.query('timestamp');
      const sign = c.req.query('sign');
      // A sign without its timestamp cannot match: DingTalk answers "sign not match" (its newer
      // wording asks for both in the URL), not "invalid timestamp".
      if (sign && !timestamp) return refuse(c, robot, now, refusals.sign(settings.wording));
      if (!timestampValid(timestamp, now, settings.timestampToleranceMs)) {
        return refuse(c, robot, now, refusals.timestamp());
      }
      if (!sign || !signMatches(robot.secret, timestamp as string, sign)) {
        return refuse(c, robot, now, refusals.sign(settings.wording));
      }
    }

    const raw = await readBody(c, settings.maxBodyBytes);
    if (raw === null) {
      return c.json({ error: `request body over ${settings.maxBodyBytes} bytes` }, 413);
    }
    const bytes = raw.length;
    // A UTF-8 byte-order mark (PowerShell 5, .NET and Windows editors write one) is skipped, as
    // lenient Java JSON parsers do; see the README: a judgement call.
    const start = raw[0] === 0xef && raw[1] === 0xbb && raw[2] === 0xbf ? 3 : 0;
    if (nestedDeeperThan(raw, start, defaults.maxJsonDepth)) {
      return refuse(c, robot, now, refusals.tooDeep(defaults.maxJsonDepth));
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8', start));
    } catch {
      body = undefined;
    }
    if (!isObject(body)) return refuse(c, robot, now, refusals.invalidJson());
    const msgtype = typeof body['msgtype'] === 'string' ? body['msgtype'] : undefined;
    // Oversized payloads are not kept in attempts: a thousand of them would hold a gigabyte.
    const keep = bytes <= defaults.maxMessageBytes ? body : undefined;

    if (robot.keywords.length > 0 && !containsKeyword(body, robot.keywords)) {
      return refuse(c, robot, now, refusals.keywords(settings.wording), msgtype, keep);
    }
    if (bytes > defaults.maxMessageBytes)
      return refuse(c, robot, now, refusals.tooLong(settings.wording, bytes), msgtype);
    if (!msgtype) return refuse(c, robot, now, refusals.missingMsgtype(), undefined, body);
    if (!MSGTYPES.has(msgtype)) return refuse(c, robot, now, refusals.unknownMsgtype(msgtype), msgtype, body);
    const missing = missingField(body, msgtype) ?? malformedAt(body, msgtype);
    if (missing)
      return refuse(c, robot, now, refusals.missingField(settings.wording, missing), msgtype, body);

    const msgUuid =
      typeof body['msgUuid'] === 'string' && body['msgUuid'] ? uuidKey(body['msgUuid']) : undefined;
    if (msgUuid !== undefined && seenRecently(robot, msgUuid, now)) {
      // DingTalk's idempotency: the message was already delivered, so answer ok and post nothing.
      return c.body(OK_BODY, 200, jsonHeaders());
    }
    const limiter = robot.limiter;
    if (limiter && !limiter.tryAcquire(now)) {
      return refuse(c, robot, now, refusals.rateLimited(limiter.penaltyLeft(now)), msgtype, body);
    }
    if (msgUuid !== undefined) remember(robot, msgUuid, now);
    state.recordMessage(robot, now, msgtype, body, bytes, mentionsOf(body, msgtype));
    return c.body(OK_BODY, 200, jsonHeaders());
  };
}

/**
 * The fixed-size key a `msgUuid` is remembered by: its SHA-256. DingTalk documents no length limit,
 * so none is invented; stored as given, a 16 KiB id cost 16 KiB per remembered send, and V8 hashes
 * strings over 16383 characters by their length alone, so such ids all collided in the map.
 */
export function uuidKey(msgUuid: string): string {
  return createHash('sha256').update(msgUuid).digest('base64');
}

function expire(robot: Robot, now: number): void {
  // Insertion order is acceptance order, so expired keys are all at the front: O(1) amortised.
  for (const [uuid, at] of robot.msgUuids) {
    if (now - at < defaults.msgUuidTtlMs && robot.msgUuids.size <= defaults.maxMsgUuids) break;
    robot.msgUuids.delete(uuid);
  }
}

function seenRecently(robot: Robot, msgUuid: string, now: number): boolean {
  expire(robot, now);
  const at = robot.msgUuids.get(msgUuid);
  return at !== undefined && now - at < defaults.msgUuidTtlMs;
}

function remember(robot: Robot, msgUuid: string, now: number): void {
  robot.msgUuids.delete(msgUuid);
  robot.msgUuids.set(msgUuid, now);
  if (robot.msgUuids.size > defaults.maxMsgUuids) expire(robot, now);
}
