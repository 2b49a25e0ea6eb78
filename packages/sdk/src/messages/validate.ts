import { ValidationError } from '../errors/client.js';
import { closest } from '../utils/suggest.js';
import { MESSAGE_TYPES, type Message } from './types.js';

let validations = 0;

/**
 * @internal How many times {@link validateMessage} ran in this process: lets a test prove that a send
 * validates its message once. Not exported from the package.
 */
export function validationCount(): number {
  return validations;
}

const AT_FIELDS = ['atMobiles', 'atUserIds', 'isAtAll'];
const LINK_SCHEMES = ['http:', 'https:', 'dingtalk:', 'dtmd:'];
const PICTURE_SCHEMES = ['http:', 'https:'];

/**
 * Checks a message against DingTalk's documented shapes before anything is sent, and throws a
 * {@link ValidationError} naming the first wrong field and how to fix it.
 * Works on untyped input too (JavaScript callers, JSON from a file).
 * @example validateMessage({ msgtype: 'text', text: { content: '' } }) // throws: text.content is empty
 */
export function validateMessage(input: unknown): asserts input is Message {
  validations++;
  if (!isObject(input)) fail('message', 'is not an object', 'Pass a message such as text("hello").');
  const msgtype = input.msgtype;
  if (typeof msgtype !== 'string' || !(MESSAGE_TYPES as readonly string[]).includes(msgtype)) {
    fail(
      'msgtype',
      `is ${JSON.stringify(msgtype)}, which webhook robots do not accept`,
      'Use one of text, markdown, link, actionCard, feedCard (image, file and voice exist only for app robots).',
    );
  }
  if (input.msgUuid !== undefined && (typeof input.msgUuid !== 'string' || input.msgUuid.trim() === '')) {
    fail(
      'msgUuid',
      typeof input.msgUuid === 'string' ? 'is empty' : 'is not a string',
      'Leave it out: dingbot generates one per message.',
    );
  }
  if (input.at !== undefined && msgtype !== 'text' && msgtype !== 'markdown') {
    fail(
      'at',
      `is set on a ${msgtype} message, which cannot mention anyone`,
      'Mentions work on text and markdown only; drop `at` or send a text/markdown message.',
    );
  }
  if (input.at !== undefined) validateAt(input.at);
  const body = input[msgtype];
  if (!isObject(body))
    fail(
      msgtype,
      'is missing',
      `A ${msgtype} message needs a \`${msgtype}\` object; use the ${msgtype}() builder.`,
    );
  switch (msgtype) {
    case 'text':
      requireText(body, 'text', 'content');
      break;
    case 'markdown':
      requireText(body, 'markdown', 'title', 'It shows in the notification and the chat list.');
      requireText(body, 'markdown', 'text');
      break;
    case 'link':
      requireText(body, 'link', 'title');
      requireText(body, 'link', 'text');
      requireUrl(body, 'link', 'messageUrl', LINK_SCHEMES);
      if (body.picUrl !== undefined && body.picUrl !== '')
        requireUrl(body, 'link', 'picUrl', PICTURE_SCHEMES);
      break;
    case 'actionCard':
      validateActionCard(body);
      break;
    case 'feedCard':
      validateFeedCard(body);
      break;
  }
}

function validateAt(at: unknown): void {
  if (!isObject(at))
    fail('at', 'is not an object', 'Use { atMobiles: [...], atUserIds: [...], isAtAll: true }.');
  for (const key of Object.keys(at)) {
    if (AT_FIELDS.includes(key) || at[key] === undefined) continue;
    // A mention under another name would be dropped without a word: DingTalk ignores unknown fields.
    const near = closest(key, AT_FIELDS, {
      mobiles: 'atMobiles',
      userIds: 'atUserIds',
      all: 'isAtAll',
      atAll: 'isAtAll',
    });
    fail(
      `at.${key}`,
      "is not one of DingTalk's fields",
      near ? `Did you mean \`at.${near}\`?` : 'Use atMobiles, atUserIds and isAtAll.',
    );
  }
  for (const key of ['atMobiles', 'atUserIds'] as const) {
    const list = at[key];
    if (list === undefined) continue;
    if (!Array.isArray(list))
      fail(`at.${key}`, 'is not an array', `Give a list, e.g. ${key}: ['13800000000'].`);
    list.forEach((value, i) => {
      if (typeof value !== 'string' || value.trim() === '') {
        fail(
          `at.${key}[${i}]`,
          'is not a non-empty string',
          'Mobiles and user ids are strings, e.g. "13800000000".',
        );
      }
    });
  }
  if (at.isAtAll !== undefined && typeof at.isAtAll !== 'boolean') {
    fail('at.isAtAll', 'is not a boolean', 'Use true or false.');
  }
}

function validateActionCard(card: Record<string, unknown>): void {
  requireText(card, 'actionCard', 'title', 'It shows in the notification and the chat list.');
  requireText(card, 'actionCard', 'text');
  const orientation = card.btnOrientation;
  if (orientation !== undefined && orientation !== '0' && orientation !== '1') {
    fail(
      'actionCard.btnOrientation',
      `is ${JSON.stringify(orientation)}`,
      'DingTalk documents the strings "0" (vertical) and "1" (horizontal).',
    );
  }
  if (card.hideAvatar !== undefined && card.hideAvatar !== '0' && card.hideAvatar !== '1') {
    fail('actionCard.hideAvatar', `is ${JSON.stringify(card.hideAvatar)}`, 'Use the string "0" or "1".');
  }
  if (card.singleTitle !== undefined || card.singleURL !== undefined) {
    requireText(card, 'actionCard', 'singleTitle', 'The single-button form needs singleTitle and singleURL.');
    requireUrl(card, 'actionCard', 'singleURL', LINK_SCHEMES);
    return;
  }
  const btns = card.btns;
  if (!Array.isArray(btns) || btns.length === 0) {
    fail(
      'actionCard.btns',
      'is missing or empty',
      'Give one button (singleTitle + singleURL) or a list of buttons [{ title, actionURL }].',
    );
  }
  btns.forEach((btn, i) => {
    const path = `actionCard.btns[${i}]`;
    if (!isObject(btn)) fail(path, 'is not an object', 'Each button is { title, actionURL }.');
    requireText(btn, path, 'title');
    requireUrl(btn, path, 'actionURL', LINK_SCHEMES);
  });
}

function validateFeedCard(card: Record<string, unknown>): void {
  const links = card.links;
  if (!Array.isArray(links) || links.length === 0) {
    fail('feedCard.links', 'is missing or empty', 'Give at least one row { title, messageURL, picURL }.');
  }
  links.forEach((row, i) => {
    const path = `feedCard.links[${i}]`;
    if (!isObject(row)) fail(path, 'is not an object', 'Each row is { title, messageURL, picURL }.');
    requireText(row, path, 'title');
    requireUrl(row, path, 'messageURL', LINK_SCHEMES);
    requireUrl(row, path, 'picURL', PICTURE_SCHEMES);
  });
}

function requireText(object: Record<string, unknown>, path: string, key: string, why = ''): void {
  const value = object[key];
  const field = `${path}.${key}`;
  if (value === undefined || value === null)
    fail(field, 'is missing', `It is required.${why ? ` ${why}` : ''}`);
  if (typeof value !== 'string') fail(field, `is a ${typeof value}, not a string`, 'Pass a string.');
  if (value.trim() === '') fail(field, 'is empty', `Give it some text.${why ? ` ${why}` : ''}`);
}

function requireUrl(
  object: Record<string, unknown>,
  path: string,
  key: string,
  schemes: readonly string[],
): void {
  requireText(object, path, key);
  const value = (object[key] as string).trim();
  const field = `${path}.${key}`;
  let protocol: string;
  try {
    protocol = new URL(value).protocol;
  } catch {
    fail(
      field,
      `is not a URL: ${JSON.stringify(value.slice(0, 80))}`,
      `Give an absolute URL starting with ${schemes.map((s) => `${s}//`).join(', ')}.`,
    );
  }
  if (!schemes.includes(protocol)) {
    fail(
      field,
      `uses ${protocol}//, which DingTalk will not open`,
      `Use ${schemes.map((s) => `${s}//`).join(', ')}.`,
    );
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(field: string, problem: string, fix: string): never {
  throw new ValidationError(field, problem, fix);
}
