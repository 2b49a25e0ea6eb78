import { defaults } from '../defaults.js';
import type { Message } from '../messages/types.js';
import { utf8Length } from '../utils/bytes.js';

/** DingTalk's body limit, in UTF-8 bytes of the JSON body. */
export const MAX_BODY_BYTES = defaults.maxBodyBytes;

/**
 * Bytes kept free in every part and digest for what is added after they are built: the `msgUuid`
 * (`"msgUuid":"<36 chars>"`) and a keyword or a mention the robot may still insert.
 */
export const DEFAULT_RESERVE_BYTES = defaults.reserveBytes;

/**
 * The size DingTalk measures: the UTF-8 bytes of the JSON body.
 * @example bodyBytes(text('钉钉')) // 46: {"msgtype":"text","text":{"content":"钉钉"}}
 */
export function bodyBytes(message: Message): number {
  return utf8Length(JSON.stringify(message));
}

/**
 * UTF-8 bytes one code unit of `value` takes inside a JSON string, as `JSON.stringify` writes it.
 * A surrogate pair costs 4 on its high half and 0 on its low half; a lone surrogate is escaped (6).
 */
export function jsonCharCost(value: string, i: number): number {
  const c = value.charCodeAt(i);
  if (c === 0x22 || c === 0x5c) return 2;
  if (c < 0x20) return c === 0x0a || c === 0x0d || c === 0x09 || c === 0x08 || c === 0x0c ? 2 : 6;
  if (c < 0x80) return 1;
  if (c < 0x800) return 2;
  if (c >= 0xd800 && c <= 0xdbff) {
    const next = value.charCodeAt(i + 1);
    return next >= 0xdc00 && next <= 0xdfff ? 4 : 6;
  }
  if (c >= 0xdc00 && c <= 0xdfff) {
    const prev = value.charCodeAt(i - 1);
    return prev >= 0xd800 && prev <= 0xdbff && i > 0 ? 0 : 6;
  }
  return 3;
}

/** UTF-8 bytes of `value` inside a JSON string, without the quotes. */
export function jsonStringBytes(value: string): number {
  let bytes = 0;
  for (let i = 0; i < value.length; i++) bytes += jsonCharCost(value, i);
  return bytes;
}
