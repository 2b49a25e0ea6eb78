/**
 * What DingTalk delivers when someone writes to an app robot (Stream `CALLBACK` data or an HTTP
 * callback body), typed field for field as DingTalk documents it.
 */

/** A user @-mentioned in the message. `staffId` is there for members of the robot's organisation only. */
export interface AtUser {
  /** The encrypted DingTalk id (`$:LWCP_v1:$…`). */
  dingtalkId: string;
  /** The userId inside the organisation. */
  staffId?: string;
}

/** Fields every received message carries, whatever its `msgtype`. */
export interface MessageBase {
  /** The message's id: unique per message, the same on a redelivery. */
  msgId: string;
  /** When it was written, epoch milliseconds. */
  createAt: number;
  /** `'1'` a 1:1 chat with the robot, `'2'` a group. */
  conversationType: '1' | '2';
  /** The conversation (`cid…`): a group's openConversationId. */
  conversationId: string;
  /** The group's name (groups only). */
  conversationTitle?: string;
  /** The sender's encrypted id (`$:LWCP_v1:$…`). */
  senderId: string;
  /** The sender's display name. */
  senderNick: string;
  /** The sender's userId, for members of the robot's organisation. */
  senderStaffId?: string;
  /** The sender's organisation. */
  senderCorpId?: string;
  /** Whether the sender administers the group (once the robot is published). */
  isAdmin?: boolean;
  /** Where a reply to this message goes (valid about 90 minutes). */
  sessionWebhook: string;
  /** When `sessionWebhook` stops working, epoch milliseconds. */
  sessionWebhookExpiredTime: number;
  /** The robot's encrypted id. */
  chatbotUserId?: string;
  /** The robot's organisation. */
  chatbotCorpId?: string;
  /** The robot's robotCode. */
  robotCode?: string;
  /** Whether the robot was @-mentioned. */
  isInAtList?: boolean;
  /** Who was @-mentioned, the robot included. */
  atUsers?: AtUser[];
}

/** Text. `text.content` comes without the `@robot`, usually with a leading space (`" deploy api"`). */
export interface TextIncoming extends MessageBase {
  msgtype: 'text';
  text: { content: string };
}

/** One piece of a rich text: a run of text, or a picture. */
export type RichTextPart =
  | { text: string; type?: 'text' }
  | { type: 'picture'; downloadCode: string; pictureDownloadCode?: string };

/** Text with pictures in it. */
export interface RichTextIncoming extends MessageBase {
  msgtype: 'richText';
  content: { richText: RichTextPart[] };
}

/** A picture; fetch it with `downloadCode` (`/v1.0/robot/messageFiles/download`). */
export interface PictureIncoming extends MessageBase {
  msgtype: 'picture';
  content: { downloadCode: string; pictureDownloadCode?: string };
}

/** A voice message, with DingTalk's speech-to-text in `recognition`. */
export interface AudioIncoming extends MessageBase {
  msgtype: 'audio';
  content: { downloadCode: string; recognition?: string; duration?: string | number };
}

/** A video. */
export interface VideoIncoming extends MessageBase {
  msgtype: 'video';
  content: { downloadCode: string; duration?: string | number; videoType?: string };
}

/** A file. */
export interface FileIncoming extends MessageBase {
  msgtype: 'file';
  content: { downloadCode: string; fileName?: string; spaceId?: string; fileId?: string };
}

/**
 * A message DingTalk does not pass on (`unknownMsgType`), with its explanation. An undocumented
 * msgtype arrives as this too, its name in `content.msgtype` (the whole payload is `ctx.raw`).
 */
export interface UnknownIncoming extends MessageBase {
  msgtype: 'unknownMsgType';
  content: { unknownMsgType: string; msgtype?: string };
}

/** Every message a robot can receive, told apart by `msgtype`. */
export type IncomingMessage =
  | TextIncoming
  | RichTextIncoming
  | PictureIncoming
  | AudioIncoming
  | VideoIncoming
  | FileIncoming
  | UnknownIncoming;

/** The `msgtype`s of {@link IncomingMessage}. */
export type IncomingMsgtype = IncomingMessage['msgtype'];

/** Every documented `msgtype`, for `bot.on(msgtype, …)`. */
export const INCOMING_MSGTYPES: readonly IncomingMsgtype[] = [
  'text',
  'richText',
  'picture',
  'audio',
  'video',
  'file',
  'unknownMsgType',
];

/** A received payload that is not a robot message (its `field` is missing or of the wrong type). */
export class IncomingMessageError extends Error {
  override name = 'IncomingMessageError';
  constructor(
    /** The field, e.g. `msgId`. */
    readonly field: string,
    problem: string,
  ) {
    super(`A received robot message is malformed: ${field} ${problem}`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function requireString(payload: Record<string, unknown>, field: string): string {
  const value = payload[field];
  if (typeof value !== 'string' || value === '') {
    throw new IncomingMessageError(field, value === undefined ? 'is missing' : 'is not a non-empty string');
  }
  return value;
}

/**
 * Checks a received payload's envelope (the fields every handler relies on) and returns it typed.
 * Fields DingTalk adds later are kept; an undocumented `msgtype` becomes `unknownMsgType`.
 */
export function parseIncoming(payload: unknown): IncomingMessage {
  if (!isObject(payload)) throw new IncomingMessageError('message', 'is not a JSON object');
  for (const field of ['msgId', 'conversationId', 'sessionWebhook', 'msgtype']) requireString(payload, field);
  const type = payload['conversationType'];
  if (type !== '1' && type !== '2') {
    throw new IncomingMessageError('conversationType', `is ${JSON.stringify(type)}, not "1" or "2"`);
  }
  const message = {
    ...payload,
    createAt: Number(payload['createAt'] ?? 0),
    sessionWebhookExpiredTime: Number(payload['sessionWebhookExpiredTime'] ?? 0),
    senderId: String(payload['senderId'] ?? ''),
    senderNick: String(payload['senderNick'] ?? ''),
  } as Record<string, unknown>;
  const msgtype = payload['msgtype'] as string;
  if (msgtype === 'text') {
    const text = payload['text'];
    if (!isObject(text) || typeof text['content'] !== 'string') {
      throw new IncomingMessageError('text.content', 'is missing');
    }
    return message as unknown as TextIncoming;
  }
  if (!(INCOMING_MSGTYPES as readonly string[]).includes(msgtype)) {
    return {
      ...message,
      msgtype: 'unknownMsgType',
      content: { unknownMsgType: `msgtype "${msgtype}" is not documented`, msgtype },
    } as unknown as UnknownIncoming;
  }
  if (!isObject(payload['content'])) throw new IncomingMessageError('content', 'is missing');
  if (msgtype === 'richText' && !Array.isArray(payload['content']['richText'])) {
    throw new IncomingMessageError('content.richText', 'is not a list');
  }
  return message as unknown as IncomingMessage;
}

/**
 * The words of a message: text trimmed, the text runs of a rich text joined, a voice message's
 * recognition; `''` for pictures, videos and files.
 */
export function textOf(message: IncomingMessage): string {
  switch (message.msgtype) {
    case 'text':
      return message.text.content.trim();
    case 'richText':
      return message.content.richText
        .map((part) => ('text' in part && typeof part.text === 'string' ? part.text : ''))
        .join('')
        .trim();
    case 'audio':
      return (message.content.recognition ?? '').trim();
    default:
      return '';
  }
}
