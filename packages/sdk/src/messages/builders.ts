import { shown } from '../errors/checks.js';
import {
  type Builder,
  checkKeys,
  checkMentionOptions,
  fail,
  inputObject,
  LINK_SCHEMES,
  PICTURE_SCHEMES,
  requireString,
  requireUrl,
} from './input.js';
import type {
  ActionCardMessage,
  AtPayload,
  ButtonOrientation,
  FeedCardMessage,
  LinkMessage,
  MarkdownMessage,
  Mentions,
  TextMessage,
} from './types.js';

/** Options of {@link text} and {@link markdown}. */
export interface MentionOptions {
  /**
   * Who to @-mention. dingbot also writes `@<mobile>` / `@<userId>` into the text unless the robot's
   * `insertMentions` is `false`, because DingTalk only pings a mention that appears in the text.
   * @example { mobiles: ['13800000000'], all: false }
   */
  at?: Mentions;
}

/** Turns the friendly {@link Mentions} into DingTalk's `at` object, or `undefined` when it mentions nobody. */
function toAtPayload(at: Mentions | undefined): AtPayload | undefined {
  if (!at) return undefined;
  const payload: AtPayload = {};
  if (at.mobiles && at.mobiles.length > 0) payload.atMobiles = [...at.mobiles];
  if (at.userIds && at.userIds.length > 0) payload.atUserIds = [...at.userIds];
  if (at.all) payload.isAtAll = true;
  return Object.keys(payload).length > 0 ? payload : undefined;
}

/**
 * Builds a `text` message. Checks its input at run time: a wrong `at` (a list, DingTalk's
 * `atMobiles`) is a `ValidationError` naming the field meant, never a mention silently dropped.
 * @example text('Build #42 failed', { at: { mobiles: ['13800000000'] } })
 */
export function text(content: string, options?: MentionOptions): TextMessage {
  const where = 'text()';
  const checked = requireString(where, 'content', content);
  const message: TextMessage = { msgtype: 'text', text: { content: checked } };
  const at = toAtPayload(checkMentionOptions(where, options));
  if (at) message.at = at;
  return message;
}

/**
 * Builds a `markdown` message. The title appears in the notification and the chat list only.
 * @example markdown('Deploy done', '### Deploy done\n\n- service: **api**\n- version: 1.4.2')
 */
export function markdown(title: string, body: string, options?: MentionOptions): MarkdownMessage {
  const where = 'markdown()';
  const message: MarkdownMessage = {
    msgtype: 'markdown',
    markdown: {
      title: requireString(where, 'title', title, 'It shows in the notification and the chat list.'),
      text: requireString(where, 'text', body),
    },
  };
  const at = toAtPayload(checkMentionOptions(where, options));
  if (at) message.at = at;
  return message;
}

/** Input of {@link link}. */
export interface LinkInput {
  /** Card title. */
  title: string;
  /** Card text; DingTalk shows only its beginning when long. */
  text: string;
  /** Where a click goes (`http(s)://`, `dingtalk://`). */
  url: string;
  /** Picture shown on the card. */
  picUrl?: string;
}

/**
 * Builds a `link` card.
 * @example link({ title: 'Release 1.4', text: 'What changed', url: 'https://example.com/r/1.4' })
 */
export function link(input: LinkInput): LinkMessage {
  const where = 'link()';
  const given = inputObject(where, 'input', input, '{ title, text, url, picUrl }');
  checkKeys(where, given, ['title', 'text', 'url', 'picUrl'], '', URL_ALIASES);
  const message: LinkMessage = {
    msgtype: 'link',
    link: {
      title: requireString(where, 'title', given.title),
      text: requireString(where, 'text', given.text),
      messageUrl: requireUrl(where, 'url', given.url, LINK_SCHEMES),
    },
  };
  if (given.picUrl !== undefined && given.picUrl !== '') {
    message.link.picUrl = requireUrl(where, 'picUrl', given.picUrl, PICTURE_SCHEMES);
  }
  return message;
}

/** DingTalk's names (and a few common ones) for the builders' `url` and `picUrl`. */
const URL_ALIASES: Readonly<Record<string, string>> = {
  messageUrl: 'url',
  messageURL: 'url',
  href: 'url',
  link: 'url',
  picURL: 'picUrl',
  pictureUrl: 'picUrl',
  image: 'picUrl',
  imageUrl: 'picUrl',
};

/** One button of an action card, in friendly form. */
export interface ButtonInput {
  /** Button label. */
  title: string;
  /** Where the button goes. */
  url: string;
}

/** Input of {@link actionCard}: either one `button` or several `buttons`. */
export interface ActionCardInput {
  /** Shown in the notification and chat list. */
  title: string;
  /** Card body, markdown. */
  text: string;
  /** A single button covering the card (the "整体跳转" form). */
  button?: ButtonInput;
  /** Several buttons (the "独立跳转" form). */
  buttons?: readonly ButtonInput[];
  /** How buttons are laid out. @default 'vertical' */
  orientation?: 'vertical' | 'horizontal';
  /** Legacy flag that hides the robot's avatar. @default false */
  hideAvatar?: boolean;
}

/**
 * Builds an `actionCard`, with one button or several.
 * @example actionCard({ title: 'Approve?', text: '## Deploy 1.4 to prod', buttons: [
 *   { title: 'Approve', url: 'https://ci.example.com/approve' },
 *   { title: 'Reject', url: 'https://ci.example.com/reject' } ], orientation: 'horizontal' })
 */
export function actionCard(input: ActionCardInput): ActionCardMessage {
  const where = 'actionCard()';
  const given = inputObject(where, 'input', input, '{ title, text, button } or { title, text, buttons }');
  checkKeys(where, given, ['title', 'text', 'button', 'buttons', 'orientation', 'hideAvatar'], '', {
    singleURL: 'button',
    singleTitle: 'button',
    btns: 'buttons',
    btnOrientation: 'orientation',
  });
  const title = requireString(where, 'title', given.title, 'It shows in the notification and the chat list.');
  const body = requireString(where, 'text', given.text);
  const orientation = given.orientation ?? 'vertical';
  if (orientation !== 'vertical' && orientation !== 'horizontal') {
    fail(where, 'orientation', `is ${shown(orientation)}`, "Use 'vertical' (the default) or 'horizontal'.");
  }
  if (given.hideAvatar !== undefined && typeof given.hideAvatar !== 'boolean') {
    fail(where, 'hideAvatar', `is ${shown(given.hideAvatar)}`, 'Use true or false.');
  }
  const btnOrientation: ButtonOrientation = orientation === 'horizontal' ? '1' : '0';
  const base = { title, text: body, btnOrientation };
  const extra = given.hideAvatar ? { hideAvatar: '1' as const } : {};
  const shape = 'Give one `button: { title, url }` or a list `buttons: [{ title, url }, …]`.';
  if (given.button !== undefined && given.buttons !== undefined)
    fail(where, 'button', 'and `buttons` are both set', shape);
  if (given.button !== undefined) {
    const button = checkButton(where, 'button', given.button);
    return {
      msgtype: 'actionCard',
      actionCard: { ...base, singleTitle: button.title, singleURL: button.url, ...extra },
    };
  }
  if (given.buttons === undefined) fail(where, 'buttons', 'is missing', shape);
  if (!Array.isArray(given.buttons) || given.buttons.length === 0) {
    fail(
      where,
      'buttons',
      Array.isArray(given.buttons) ? 'is empty' : `is ${shown(given.buttons)}, not a list`,
      shape,
    );
  }
  const btns = given.buttons.map((b: unknown, i) => {
    const button = checkButton(where, `buttons[${i}]`, b);
    return { title: button.title, actionURL: button.url };
  });
  return { msgtype: 'actionCard', actionCard: { ...base, btns, ...extra } };
}

function checkButton(where: Builder, field: string, value: unknown): ButtonInput {
  const button = inputObject(where, field, value, '{ title, url }');
  checkKeys(where, button, ['title', 'url'], `${field}.`, {
    [`${field}.actionURL`]: `${field}.url`,
    [`${field}.singleURL`]: `${field}.url`,
    [`${field}.singleTitle`]: `${field}.title`,
    [`${field}.href`]: `${field}.url`,
  });
  return {
    title: requireString(where, `${field}.title`, button.title),
    url: requireUrl(where, `${field}.url`, button.url, LINK_SCHEMES),
  };
}

/** One row of a feed card, in friendly form. */
export interface FeedItemInput {
  /** Row title. */
  title: string;
  /** Where the row goes. */
  url: string;
  /** The row's picture. */
  picUrl: string;
}

/**
 * Builds a `feedCard`.
 * @example feedCard([{ title: 'Incident 311 resolved', url: 'https://status.example.com/311', picUrl: 'https://status.example.com/ok.png' }])
 */
export function feedCard(items: readonly FeedItemInput[]): FeedCardMessage {
  const where = 'feedCard()';
  const shape = '[{ title, url, picUrl }, …]';
  if (!Array.isArray(items)) {
    inputObject(where, 'items', items, `a list ${shape}`);
    fail(where, 'items', 'is an object, not a list', `Give a list ${shape}, even for one row.`);
  }
  if (items.length === 0) fail(where, 'items', 'is empty', `Give at least one row: ${shape}.`);
  const links = items.map((item: unknown, i) => {
    const field = `items[${i}]`;
    const row = inputObject(where, field, item, '{ title, url, picUrl }');
    checkKeys(
      where,
      row,
      ['title', 'url', 'picUrl'],
      `${field}.`,
      Object.fromEntries(Object.entries(URL_ALIASES).map(([k, v]) => [`${field}.${k}`, `${field}.${v}`])),
    );
    return {
      title: requireString(where, `${field}.title`, row.title),
      messageURL: requireUrl(where, `${field}.url`, row.url, LINK_SCHEMES),
      picURL: requireUrl(where, `${field}.picUrl`, row.picUrl, PICTURE_SCHEMES),
    };
  });
  return { msgtype: 'feedCard', feedCard: { links } };
}
