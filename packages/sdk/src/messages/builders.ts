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
export function toAtPayload(at: Mentions | undefined): AtPayload | undefined {
  if (!at) return undefined;
  const payload: AtPayload = {};
  if (at.mobiles && at.mobiles.length > 0) payload.atMobiles = [...at.mobiles];
  if (at.userIds && at.userIds.length > 0) payload.atUserIds = [...at.userIds];
  if (at.all) payload.isAtAll = true;
  return Object.keys(payload).length > 0 ? payload : undefined;
}

/**
 * Builds a `text` message.
 * @example text('Build #42 failed', { at: { mobiles: ['13800000000'] } })
 */
export function text(content: string, options: MentionOptions = {}): TextMessage {
  const message: TextMessage = { msgtype: 'text', text: { content } };
  const at = toAtPayload(options.at);
  if (at) message.at = at;
  return message;
}

/**
 * Builds a `markdown` message. The title appears in the notification and the chat list only.
 * @example markdown('Deploy done', '### Deploy done\n\n- service: **api**\n- version: 1.4.2')
 */
export function markdown(title: string, body: string, options: MentionOptions = {}): MarkdownMessage {
  const message: MarkdownMessage = { msgtype: 'markdown', markdown: { title, text: body } };
  const at = toAtPayload(options.at);
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
  const message: LinkMessage = {
    msgtype: 'link',
    link: { title: input.title, text: input.text, messageUrl: input.url },
  };
  if (input.picUrl !== undefined) message.link.picUrl = input.picUrl;
  return message;
}

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
  const btnOrientation: ButtonOrientation = input.orientation === 'horizontal' ? '1' : '0';
  const base = { title: input.title, text: input.text, btnOrientation };
  const extra = input.hideAvatar ? { hideAvatar: '1' as const } : {};
  if (input.button) {
    return {
      msgtype: 'actionCard',
      actionCard: { ...base, singleTitle: input.button.title, singleURL: input.button.url, ...extra },
    };
  }
  return {
    msgtype: 'actionCard',
    actionCard: {
      ...base,
      btns: (input.buttons ?? []).map((b) => ({ title: b.title, actionURL: b.url })),
      ...extra,
    },
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
  return {
    msgtype: 'feedCard',
    feedCard: { links: items.map((i) => ({ title: i.title, messageURL: i.url, picURL: i.picUrl })) },
  };
}
