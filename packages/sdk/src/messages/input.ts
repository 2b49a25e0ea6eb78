/**
 * Run-time checks of the builders' input, in the builders' own words: `link({ messageUrl })` hears
 * that `url` is missing, `text('hi', { at: { atMobiles } })` that `at.atMobiles` should be `at.mobiles`.
 * Plain JavaScript callers get the same guarantees as TypeScript ones.
 */
import { isPlainObject, shown } from '../errors/checks.js';
import { ValidationError } from '../errors/client.js';
import { closest } from '../utils/suggest.js';
import type { Mentions } from './types.js';

/** The URL schemes DingTalk opens from a link or a button. */
export const LINK_SCHEMES: readonly string[] = ['http:', 'https:', 'dingtalk:', 'dtmd:'];
/** The URL schemes of pictures. */
export const PICTURE_SCHEMES: readonly string[] = ['http:', 'https:'];

/** Where the input went: `'link()'`, used in every error. */
export type Builder = 'text()' | 'markdown()' | 'link()' | 'actionCard()' | 'feedCard()';

/** Throws the {@link ValidationError} of a builder's input. */
export function fail(where: Builder, field: string, problem: string, fix: string): never {
  throw new ValidationError(field, problem, fix, where);
}

/** A whole message given where a builder's input was expected: say so, and point at `send()`. */
function refuseMessage(where: Builder, field: string, value: unknown): void {
  if (isPlainObject(value) && typeof value.msgtype === 'string') {
    fail(
      where,
      field,
      `is a whole ${value.msgtype} message`,
      `${where} builds a message from its parts; send a message you already have with robot.send(message).`,
    );
  }
}

/** Refuses keys that are not in `allowed`, naming the one meant (`at.atMobiles` → `at.mobiles`). */
export function checkKeys(
  where: Builder,
  object: Record<string, unknown>,
  allowed: readonly string[],
  prefix: string,
  aliases: Readonly<Record<string, string>> = {},
): void {
  for (const key of Object.keys(object)) {
    if (allowed.includes(key) || object[key] === undefined) continue;
    const path = `${prefix}${key}`;
    const near = closest(
      path,
      allowed.map((a) => `${prefix}${a}`),
      aliases,
    );
    fail(
      where,
      path,
      `is not a field of ${where}`,
      near ? `Did you mean \`${near}\`?` : `Use ${allowed.map((a) => `\`${prefix}${a}\``).join(', ')}.`,
    );
  }
}

/** The input object of a builder, refusing anything else. */
export function inputObject(
  where: Builder,
  field: string,
  value: unknown,
  shape: string,
): Record<string, unknown> {
  refuseMessage(where, field, value);
  if (!isPlainObject(value)) fail(where, field, `is ${shown(value)}`, `Give ${shape}.`);
  return value;
}

/** A required, non-empty string. */
export function requireString(where: Builder, field: string, value: unknown, why = ''): string {
  refuseMessage(where, field, value);
  if (value === undefined || value === null)
    fail(where, field, 'is missing', `It is required.${why ? ` ${why}` : ''}`);
  if (typeof value !== 'string')
    fail(
      where,
      field,
      `is ${typeof value === 'object' ? shown(value) : `a ${typeof value}`}, not a string`,
      'Pass a string.',
    );
  if (value.trim() === '') fail(where, field, 'is empty', `Give it some text.${why ? ` ${why}` : ''}`);
  return value;
}

/** A required absolute URL with one of `schemes`. */
export function requireUrl(
  where: Builder,
  field: string,
  value: unknown,
  schemes: readonly string[],
): string {
  const url = requireString(where, field, value);
  let protocol: string;
  try {
    protocol = new URL(url.trim()).protocol;
  } catch {
    fail(
      where,
      field,
      `is not a URL: ${shown(url)}`,
      `Give an absolute URL starting with ${schemes.map((s) => `${s}//`).join(', ')}.`,
    );
  }
  if (!schemes.includes(protocol)) {
    fail(
      where,
      field,
      `uses ${protocol}//, which DingTalk will not open`,
      `Use ${schemes.map((s) => `${s}//`).join(', ')}.`,
    );
  }
  return url;
}

const MENTION_ALIASES: Readonly<Record<string, string>> = {
  atMobiles: 'at.mobiles',
  atUserIds: 'at.userIds',
  isAtAll: 'at.all',
  mobiles: 'at.mobiles',
  userIds: 'at.userIds',
  all: 'at.all',
  'at.atMobiles': 'at.mobiles',
  'at.atUserIds': 'at.userIds',
  'at.isAtAll': 'at.all',
  'at.atAll': 'at.all',
  'at.phones': 'at.mobiles',
  'at.users': 'at.userIds',
  'at.userId': 'at.userIds',
  'at.mobile': 'at.mobiles',
};

/** The `{ at }` options of `text()` and `markdown()`, checked; `undefined` when nobody is mentioned. */
export function checkMentionOptions(where: Builder, options: unknown): Mentions | undefined {
  if (options === undefined) return undefined;
  if (!isPlainObject(options)) {
    fail(where, 'options', `are ${shown(options)}`, "Give { at: { mobiles: ['13800000000'] } }, or nothing.");
  }
  checkKeys(where, options, ['at'], '', MENTION_ALIASES);
  const at = options.at;
  if (at === undefined) return undefined;
  if (Array.isArray(at)) {
    fail(
      where,
      'at',
      'is a list',
      "Say what the list holds: at: { mobiles: ['13800000000'] } for mobile numbers, or at: { userIds: ['manager01'] } for user ids.",
    );
  }
  if (!isPlainObject(at))
    fail(
      where,
      'at',
      `is ${shown(at)}`,
      "Give { mobiles: ['13800000000'] }, { userIds: ['manager01'] } or { all: true }.",
    );
  checkKeys(where, at, ['mobiles', 'userIds', 'all'], 'at.', MENTION_ALIASES);
  const mentions: { mobiles?: readonly string[]; userIds?: readonly string[]; all?: boolean } = {};
  for (const key of ['mobiles', 'userIds'] as const) {
    const list = at[key];
    if (list === undefined) continue;
    const example = key === 'mobiles' ? "['13800000000']" : "['manager01']";
    if (!Array.isArray(list)) {
      fail(
        where,
        `at.${key}`,
        `is ${typeof list === 'string' ? 'one string' : shown(list)}, not a list`,
        `Give a list, e.g. ${key}: ${example}.`,
      );
    }
    list.forEach((value: unknown, i) => {
      if (typeof value === 'number') {
        fail(
          where,
          `at.${key}[${i}]`,
          'is a number',
          `Write it as a string, e.g. ${example}: a number loses leading zeros and +86.`,
        );
      }
      if (typeof value !== 'string' || value.trim() === '') {
        fail(
          where,
          `at.${key}[${i}]`,
          `is ${shown(value)}`,
          `Give non-empty strings, e.g. ${key}: ${example}.`,
        );
      }
    });
    mentions[key] = list as string[];
  }
  if (at.all !== undefined && typeof at.all !== 'boolean') {
    fail(where, 'at.all', `is ${shown(at.all)}`, 'Use true (mention everyone) or false.');
  }
  if (at.all !== undefined) mentions.all = at.all as boolean;
  return mentions;
}
