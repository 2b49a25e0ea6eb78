import type { Mentions } from './types.js';

/** The five message types a webhook robot can send. */
export const MSGTYPES = new Set(['text', 'link', 'markdown', 'actionCard', 'feedCard']);

type Json = Record<string, unknown>;

/**
 * Whether the JSON text in `raw` (from byte `start`) opens more than `max` arrays or objects inside
 * each other. One pass over the bytes, no recursion: it runs before `JSON.parse`, so a hostile body
 * never becomes a value that `JSON.stringify` cannot serialise (5000 levels overflow its stack).
 * Brackets inside strings do not count; UTF-8 continuation bytes are all ≥ 0x80, never a bracket.
 */
export function nestedDeeperThan(raw: Uint8Array, start: number, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let index = start; index < raw.length; index++) {
    const byte = raw[index];
    if (inString) {
      if (byte === 0x5c)
        index++; // a backslash escapes the next byte
      else if (byte === 0x22) inString = false;
    } else if (byte === 0x22) {
      inString = true;
    } else if (byte === 0x5b || byte === 0x7b) {
      if (++depth > max) return true;
    } else if (byte === 0x5d || byte === 0x7d) {
      depth--;
    }
  }
  return false;
}

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A required string must hold more than whitespace (judgement call, the stricter reading: DingTalk's
 * answer to a blank text is not documented, and the SDK refuses one before sending).
 */
const isFilled = (value: unknown): boolean => typeof value === 'string' && value.trim().length > 0;

/**
 * The first required field missing from a message of a known type, as a dotted path
 * (`text.content`, `actionCard.btns[0].actionURL`), or `undefined` when the shape is complete.
 * Hand-written, not zod: this runs on every send.
 */
export function missingField(body: Json, msgtype: string): string | undefined {
  const inner = body[msgtype];
  if (!isObject(inner)) return msgtype;
  switch (msgtype) {
    case 'text':
      return isFilled(inner['content']) ? undefined : 'text.content';
    case 'link':
      return firstMissing(inner, 'link', ['title', 'text', 'messageUrl']);
    case 'markdown':
      return firstMissing(inner, 'markdown', ['title', 'text']);
    case 'actionCard': {
      const base = firstMissing(inner, 'actionCard', ['title', 'text']);
      if (base) return base;
      // The guide: "设置此项和singleURL后btns无效": btns are ignored only once singleTitle AND
      // singleURL are set, so a complete single button suffices, and half of one does not hide btns.
      const single = isFilled(inner['singleTitle']) || isFilled(inner['singleURL']);
      if (isFilled(inner['singleTitle']) && isFilled(inner['singleURL'])) return undefined;
      const btns = inner['btns'];
      if (!Array.isArray(btns) || btns.length === 0) {
        return single
          ? firstMissing(inner, 'actionCard', ['singleTitle', 'singleURL'])
          : 'actionCard.singleTitle';
      }
      for (let i = 0; i < btns.length; i++) {
        const btn: unknown = btns[i];
        if (!isObject(btn)) return `actionCard.btns[${i}]`;
        const missing = firstMissing(btn, `actionCard.btns[${i}]`, ['title', 'actionURL']);
        if (missing) return missing;
      }
      return undefined;
    }
    case 'feedCard': {
      const links = inner['links'];
      if (!Array.isArray(links) || links.length === 0) return 'feedCard.links';
      for (let i = 0; i < links.length; i++) {
        const link: unknown = links[i];
        if (!isObject(link)) return `feedCard.links[${i}]`;
        const missing = firstMissing(link, `feedCard.links[${i}]`, ['title', 'messageURL', 'picURL']);
        if (missing) return missing;
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/**
 * The first malformed part of a text or markdown message's `at`, as a dotted path (`at.isAtAll`,
 * `at.atMobiles[1]`), or `undefined`. Stricter readings where DingTalk's answer is unknown:
 * `isAtAll` must be a boolean (the string `"true"` is refused, not taken as @all), and each entry a
 * mobile or user id (a non-blank string; a number is taken as its digits). `null` counts as absent,
 * as Go clients send it for an empty list.
 */
export function malformedAt(body: Json, msgtype: string): string | undefined {
  if (msgtype !== 'text' && msgtype !== 'markdown') return undefined;
  const at = body['at'];
  if (at === undefined || at === null) return undefined;
  if (!isObject(at)) return 'at';
  for (const key of ['atMobiles', 'atUserIds'] as const) {
    const list = at[key];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) return `at.${key}`;
    for (let i = 0; i < list.length; i++) {
      const entry: unknown = list[i];
      if (!isFilled(entry) && !(typeof entry === 'number' && Number.isFinite(entry)))
        return `at.${key}[${i}]`;
    }
  }
  const all = at['isAtAll'];
  if (all !== undefined && all !== null && typeof all !== 'boolean') return 'at.isAtAll';
  return undefined;
}

function firstMissing(object: Json, prefix: string, fields: readonly string[]): string | undefined {
  for (const field of fields) if (!isFilled(object[field])) return `${prefix}.${field}`;
  return undefined;
}

/**
 * Whether any keyword appears (case-sensitive) in the message's titles and texts, button titles
 * and feed titles. Tolerates any shape: the keyword check runs before the shape check.
 */
export function containsKeyword(body: Json, keywords: readonly string[]): boolean {
  const texts: string[] = [];
  collectTexts(body, texts);
  for (const text of texts) for (const keyword of keywords) if (text.includes(keyword)) return true;
  return false;
}

function pushString(texts: string[], value: unknown): void {
  if (typeof value === 'string') texts.push(value);
}

function collectTexts(body: Json, texts: string[]): void {
  const text = body['text'];
  if (isObject(text)) pushString(texts, text['content']);
  for (const key of ['link', 'markdown', 'actionCard'] as const) {
    const inner = body[key];
    if (!isObject(inner)) continue;
    pushString(texts, inner['title']);
    pushString(texts, inner['text']);
    if (key === 'actionCard') {
      pushString(texts, inner['singleTitle']);
      const btns = inner['btns'];
      if (Array.isArray(btns)) for (const btn of btns) if (isObject(btn)) pushString(texts, btn['title']);
    }
  }
  const feed = body['feedCard'];
  if (isObject(feed) && Array.isArray(feed['links'])) {
    for (const link of feed['links']) if (isObject(link)) pushString(texts, link['title']);
  }
}

const toStrings = (value: unknown): string[] =>
  Array.isArray(value)
    ? value
        .filter((v) => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)))
        .map((v) => String(v))
    : [];

/**
 * Whether `@<value>` stands in the content as a whole mention: the character after it must not be
 * an ASCII letter, digit, `_` or `-` (or the text ends there), so `@138000000001` does not ping
 * `13800000000` and `@user1` does not ping `user1` inside `@user1-ops`. The rule the SDK follows too.
 */
export function mentioned(content: string, value: string): boolean {
  const needle = `@${value}`;
  for (let at = content.indexOf(needle); at !== -1; at = content.indexOf(needle, at + 1)) {
    if (!/[A-Za-z0-9_-]/.test(content.charAt(at + needle.length))) return true;
  }
  return false;
}

/**
 * Who a message really pings. DingTalk's rule: an `atMobiles`/`atUserIds` entry pings only when
 * `@<value>` also appears in the content as a whole mention ({@link mentioned}); `isAtAll: true`
 * pings everyone (any other value is refused first, see {@link malformedAt}); only text and markdown
 * support `at`.
 */
export function mentionsOf(body: Json, msgtype: string): Mentions {
  const at = body['at'];
  const mentions: Mentions = { mobiles: [], userIds: [], all: false, missing: { mobiles: [], userIds: [] } };
  if (!isObject(at)) return mentions;
  const mobiles = toStrings(at['atMobiles']);
  const userIds = toStrings(at['atUserIds']);
  let content: string | undefined;
  if (msgtype === 'text') {
    const text = body['text'];
    if (isObject(text) && typeof text['content'] === 'string') content = text['content'];
  } else if (msgtype === 'markdown') {
    const markdown = body['markdown'];
    if (isObject(markdown) && typeof markdown['text'] === 'string') content = markdown['text'];
  }
  if (content === undefined) {
    mentions.missing.mobiles = mobiles;
    mentions.missing.userIds = userIds;
    return mentions;
  }
  mentions.all = at['isAtAll'] === true;
  for (const mobile of mobiles) {
    (mentioned(content, mobile) ? mentions.mobiles : mentions.missing.mobiles).push(mobile);
  }
  for (const userId of userIds) {
    (mentioned(content, userId) ? mentions.userIds : mentions.missing.userIds).push(userId);
  }
  return mentions;
}
