import type { AtPayload, MarkdownMessage, Message } from '../messages/types.js';
import { type Locale, TEXTS } from './locale.js';
import { bodyBytes, DEFAULT_RESERVE_BYTES, jsonStringBytes, MAX_BODY_BYTES } from './size.js';

/** Options of digests: how queued messages are merged into markdown summaries. */
export interface DigestOptions {
  /**
   * The most messages one digest may hold; by default as many as fit in the body limit, since
   * fewer sends leave more of the rate limit for what comes next.
   * @default Infinity
   * @example 50
   */
  maxItems?: number;
  /**
   * The largest digest body, in UTF-8 bytes of its JSON.
   * @default 20000
   */
  maxBytes?: number;
  /**
   * Bytes kept free for the `msgUuid` and a keyword or mention the robot may still add.
   * @default 256
   */
  reserveBytes?: number;
  /**
   * The digest's title (notification and chat list), given the number of messages and the first one.
   * @default (count, first) => `${count} messages: ${snippet of first}` (「共 12 条消息：…」 in `'zh-CN'`)
   * @example (count) => `[prod] ${count} alerts`
   */
  title?: (count: number, first: Message) => string;
  /**
   * Makes the one message a digest sends, instead of the default list: given the queued messages it
   * merges (head first, each as it waited: validated, mentions written into the text, no keyword) and
   * a {@link DigestContext} saying which queued message each one is. Return `undefined` to send the
   * default list for these messages.
   *
   * What it returns goes through the robot's checks like any `send()` (a `ValidationError` if it is
   * not a valid message), then gets the keyword. When it is over the size limit, the digest is made
   * again from fewer messages (the rest follow in the next digest), as the default one is. When it
   * throws or returns an invalid message, nothing is lost: the default list goes instead and a
   * `buildFailed` event reports the error.
   * @default undefined: the default list ("12 messages", then each item)
   * @example (messages, { maxBytes }) => markdown(`${messages.length} alerts`, summarise(messages, maxBytes))
   */
  build?: (messages: readonly Message[], context: DigestContext) => Message | undefined;
}

/** One queued message in a send (a message alone, or an item of a digest). */
export interface SendItem {
  /** The `msgUuid` the message was given to `send()` with, or `undefined` when it had none. */
  msgUuid: string | undefined;
  /** For a part of a split message, which part (0-based); 0 otherwise. */
  part: number;
  /** How many parts its message was split into; 1 when it was not split. */
  parts: number;
}

/** What a digest builder ({@link DigestOptions.build}) is told besides the messages. */
export interface DigestContext {
  /** For each message, in the same order: which queued message (or part of one) it is. */
  items: readonly SendItem[];
  /**
   * The most UTF-8 bytes the built message's JSON may take (the digest's `maxBytes` less its
   * `reserveBytes`); a longer one is made again from fewer messages.
   */
  maxBytes: number;
  /** The robot's `locale`. */
  locale: Locale;
}

/** A digest built from the head of a queue. */
export interface BuiltDigest {
  /** The markdown summary to send. */
  message: MarkdownMessage;
  /** How many messages from the head it holds. */
  count: number;
}

const SEPARATOR = '\n\n';
const BLOCK_START = /^(?:#{1,6}\s|>|[-*+]\s|\d+\.\s)/;

/** A one-line hint of a message's content, for the digest's title. */
export function snippet(message: Message, max = 40): string {
  const raw = (() => {
    switch (message.msgtype) {
      case 'text':
        return message.text.content;
      case 'markdown':
        return message.markdown.title;
      case 'link':
        return message.link.title;
      case 'actionCard':
        return message.actionCard.title;
      case 'feedCard':
        return message.feedCard.links[0]?.title ?? 'feed';
    }
  })();
  const flat = raw.replace(/\s+/g, ' ').trim();
  const chars = Array.from(flat);
  return chars.length <= max ? flat : `${chars.slice(0, max - 1).join('')}…`;
}

/** The default title in `locale`. */
function defaultTitle(locale: Locale): (count: number, first: Message) => string {
  return (count, first) => TEXTS[locale].digestTitle(count, snippet(first));
}

/** `[label](url)` with the characters that would end the label escaped. */
function mdLink(label: string, url: string): string {
  return `[${label.replace(/[[\]]/g, '\\$&')}](${url})`;
}

/**
 * One message as a compact digest item: a bold number, then its content in full, so nothing is
 * lost (text verbatim, markdown verbatim, cards as links and their text).
 * @example renderItem(text('disk full on db-1'), 3) // '**3.** disk full on db-1'
 */
export function renderItem(message: Message, index: number): string {
  const n = `**${index}.**`;
  switch (message.msgtype) {
    case 'text':
      return `${n} ${message.text.content}`;
    case 'markdown': {
      const body = message.markdown.text;
      return BLOCK_START.test(body) ? `${n}${SEPARATOR}${body}` : `${n} ${body}`;
    }
    case 'link': {
      const { title, text, messageUrl } = message.link;
      return `${n} ${mdLink(title, messageUrl)}${text ? ` ${text}` : ''}`;
    }
    case 'actionCard': {
      const card = message.actionCard;
      const buttons =
        'singleURL' in card && card.singleURL
          ? [mdLink(card.singleTitle, card.singleURL)]
          : 'btns' in card
            ? card.btns.map((b) => mdLink(b.title, b.actionURL))
            : [];
      return `${n} **${card.title}**${SEPARATOR}${card.text}${buttons.length ? `${SEPARATOR}${buttons.join(' · ')}` : ''}`;
    }
    case 'feedCard':
      return `${n} ${message.feedCard.links.map((l) => mdLink(l.title, l.messageURL)).join(' · ')}`;
  }
}

/** The union of several messages' mentions, or `undefined` when none mentions anyone. */
export function mergeMentions(messages: Iterable<Message>): AtPayload | undefined {
  const mobiles = new Set<string>();
  const userIds = new Set<string>();
  let all = false;
  for (const m of messages) {
    if ((m.msgtype !== 'text' && m.msgtype !== 'markdown') || !m.at) continue;
    for (const v of m.at.atMobiles ?? []) mobiles.add(v);
    for (const v of m.at.atUserIds ?? []) userIds.add(v);
    if (m.at.isAtAll) all = true;
  }
  const at: AtPayload = {};
  if (mobiles.size) at.atMobiles = [...mobiles];
  if (userIds.size) at.atUserIds = [...userIds];
  if (all) at.isAtAll = true;
  return Object.keys(at).length ? at : undefined;
}

/**
 * Builds one markdown digest from `messages`: the title says how many, the text holds each item.
 * Does not check the size; see {@link takeDigest}.
 * @example buildDigest([text('a'), text('b')]).markdown.text // '#### 2 messages\n\n**1.** a\n\n**2.** b'
 */
export function buildDigest(
  messages: readonly Message[],
  options: DigestOptions = {},
  locale: Locale = 'en',
): MarkdownMessage {
  const first = messages[0];
  if (!first) throw new RangeError('dingbot: a digest needs at least one message');
  const items = messages.map((m, i) => renderItem(m, i + 1));
  const title = (options.title ?? defaultTitle(locale))(messages.length, first);
  const heading = TEXTS[locale].digestHeading(messages.length);
  const digest: MarkdownMessage = {
    msgtype: 'markdown',
    markdown: { title, text: `#### ${heading}${SEPARATOR}${items.join(SEPARATOR)}` },
  };
  const at = mergeMentions(messages);
  if (at) digest.at = at;
  return digest;
}

/**
 * Takes as many messages as fit from the head of `queue` (in order) into one digest within the limits.
 * Returns `undefined` when not even two fit: the head then goes alone.
 * @param queue The messages waiting, head first; read lazily, so a long queue costs nothing extra.
 * @example const d = takeDigest(queued); if (d) send(d.message), drop(d.count)
 */
export function takeDigest(
  queue: Iterable<Message>,
  options: DigestOptions = {},
  locale: Locale = 'en',
): BuiltDigest | undefined {
  const title = options.title ?? defaultTitle(locale);
  const maxBytes = options.maxBytes ?? MAX_BODY_BYTES;
  const budget = maxBytes - (options.reserveBytes ?? DEFAULT_RESERVE_BYTES);
  const maxItems = options.maxItems ?? Number.POSITIVE_INFINITY;
  const taken: Message[] = [];
  // Envelope, heading and title are estimated generously; the exact size is checked at the end.
  let estimate = 200;
  let mentions = 0;
  for (const message of queue) {
    if (taken.length >= maxItems) break;
    const itemBytes = jsonStringBytes(renderItem(message, taken.length + 1)) + 4;
    const mentionBytes =
      (message.msgtype === 'text' || message.msgtype === 'markdown') && message.at
        ? jsonStringBytes(JSON.stringify(message.at))
        : 0;
    if (taken.length === 0) estimate += jsonStringBytes(title(1, message)) + 16;
    if (estimate + itemBytes + mentions + mentionBytes > budget) break;
    estimate += itemBytes;
    mentions += mentionBytes;
    taken.push(message);
  }
  while (taken.length >= 2) {
    const message = buildDigest(taken, options, locale);
    if (bodyBytes(message) <= budget) return { message, count: taken.length };
    taken.pop();
  }
  return undefined;
}
