/**
 * The JSON bodies DingTalk's group-robot webhook accepts, typed field for field.
 * Casing follows DingTalk exactly: `messageUrl`/`picUrl` in `link`, `messageURL`/`picURL` in `feedCard`.
 */

/** Who a `text` or `markdown` message mentions, as DingTalk expects it on the wire. */
export interface AtPayload {
  /** Mobile numbers to @-mention; each pings only if `@<mobile>` also appears in the text. */
  atMobiles?: string[];
  /** DingTalk user ids to @-mention (internal groups only); each pings only if `@<userId>` is in the text. */
  atUserIds?: string[];
  /** Mention everyone in the group. */
  isAtAll?: boolean;
}

/** Fields every message may carry. */
export interface MessageCommon {
  /** Idempotency key: DingTalk will not post two messages with the same value. dingbot fills it in. */
  msgUuid?: string;
}

/** A plain text message. The only type whose mentions are highlighted in the chat. */
export interface TextMessage extends MessageCommon {
  msgtype: 'text';
  text: { content: string };
  at?: AtPayload;
}

/** A markdown message. `title` shows in the notification and chat list only, never in the bubble. */
export interface MarkdownMessage extends MessageCommon {
  msgtype: 'markdown';
  markdown: { title: string; text: string };
  at?: AtPayload;
}

/** A link card: title, a short text (truncated by DingTalk when long), a picture, and the target URL. */
export interface LinkMessage extends MessageCommon {
  msgtype: 'link';
  link: { title: string; text: string; messageUrl: string; picUrl?: string };
}

/** `"0"`: buttons stacked vertically; `"1"`: side by side. */
export type ButtonOrientation = '0' | '1';

/** Fields both action-card forms share. */
export interface ActionCardBase {
  title: string;
  /** Markdown. */
  text: string;
  btnOrientation?: ButtonOrientation;
  /** Legacy: `"1"` hides the robot's avatar. */
  hideAvatar?: '0' | '1';
}

/** An action card with one button that opens `singleURL`. */
export interface SingleActionCard extends ActionCardBase {
  singleTitle: string;
  singleURL: string;
}

/** One button of a multi-button action card. */
export interface ActionCardButton {
  title: string;
  actionURL: string;
}

/** An action card with several buttons. */
export interface MultiActionCard extends ActionCardBase {
  btns: ActionCardButton[];
}

/** An action card, in either form. */
export interface ActionCardMessage extends MessageCommon {
  msgtype: 'actionCard';
  actionCard: SingleActionCard | MultiActionCard;
}

/** One row of a feed card. */
export interface FeedCardLink {
  title: string;
  messageURL: string;
  picURL: string;
}

/** A feed card: a list of linked rows with pictures. */
export interface FeedCardMessage extends MessageCommon {
  msgtype: 'feedCard';
  feedCard: { links: FeedCardLink[] };
}

/** Any message a DingTalk group robot can send, discriminated on `msgtype`. */
export type Message = TextMessage | MarkdownMessage | LinkMessage | ActionCardMessage | FeedCardMessage;

/** The `msgtype` values webhook robots accept. */
export type MessageType = Message['msgtype'];

/** The five webhook message types, in DingTalk's order. */
export const MESSAGE_TYPES: readonly MessageType[] = ['text', 'link', 'markdown', 'actionCard', 'feedCard'];

/** Messages that may carry `at` mentions. */
export type MentionableMessage = TextMessage | MarkdownMessage;

/** Friendly form of mentions used by the builders and `Robot` methods. */
export interface Mentions {
  /** Mobile numbers to mention, e.g. `['13800000000']`. */
  mobiles?: readonly string[];
  /** DingTalk user ids to mention (internal groups only). */
  userIds?: readonly string[];
  /** Mention everyone. @default false */
  all?: boolean;
}
