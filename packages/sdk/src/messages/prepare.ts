import type { Message } from './types.js';

/** Where dingbot puts a keyword it had to add. */
export type KeywordPlacement = 'start' | 'end';

/**
 * Makes every `atMobiles`/`atUserIds` entry of a text or markdown message also appear as `@<value>` in
 * the text, because DingTalk only pings mentions it finds in the text. Returns a new message.
 * @example insertMentions(text('deploy failed', { at: { mobiles: ['13800000000'] } }))
 * // text.content === 'deploy failed @13800000000'
 */
export function insertMentions<M extends Message>(message: M): M {
  if (message.msgtype !== 'text' && message.msgtype !== 'markdown') return message;
  const at = message.at;
  if (!at) return message;
  const body = message.msgtype === 'text' ? message.text.content : message.markdown.text;
  const missing = [...(at.atMobiles ?? []), ...(at.atUserIds ?? [])]
    .filter((id) => !mentionsId(body, id))
    .map((id) => `@${id}`);
  if (missing.length === 0) return message;
  if (message.msgtype === 'text') {
    return { ...message, text: { content: `${body} ${missing.join(' ')}` } };
  }
  return { ...message, markdown: { ...message.markdown, text: `${body}\n\n${missing.join(' ')}` } };
}

/**
 * Whether `@<id>` stands in the text as a whole mention: followed by the end of the text or by a
 * character that cannot continue an id, i.e. anything but an ASCII letter, digit, `_` or `-`. So
 * `@138000000001` and `@13800000000-2` do not mention 13800000000, while `@13800000000,` and
 * `@13800000000你好` do. The emulator applies the same rule to decide who is pinged.
 */
export function mentionsId(body: string, id: string): boolean {
  const needle = `@${id}`;
  for (let at = body.indexOf(needle); at !== -1; at = body.indexOf(needle, at + 1)) {
    if (!ID_CONTINUES.test(body.charAt(at + needle.length))) return true;
  }
  return false;
}

/** A character that continues an id after `@<id>`. */
const ID_CONTINUES = /[A-Za-z0-9_-]/;

/** Every piece of text of a message in which DingTalk may look for a keyword. */
export function messageTexts(message: Message): string[] {
  switch (message.msgtype) {
    case 'text':
      return [message.text.content];
    case 'markdown':
      return [message.markdown.title, message.markdown.text];
    case 'link':
      return [message.link.title, message.link.text];
    case 'actionCard': {
      const card = message.actionCard;
      const buttons = 'btns' in card ? card.btns.map((b) => b.title) : [card.singleTitle];
      return [card.title, card.text, ...buttons];
    }
    case 'feedCard':
      return message.feedCard.links.map((l) => l.title);
  }
}

/**
 * Makes sure a message contains at least one of the robot's keywords, adding the first one to the
 * message body when none is present. Returns a new message (or the same one when nothing was needed).
 * @example ensureKeyword(text('disk full'), ['alert'])  // text.content === 'disk full\nalert'
 */
export function ensureKeyword<M extends Message>(
  message: M,
  keywords: readonly string[],
  placement: KeywordPlacement = 'end',
): M {
  const keyword = keywords[0];
  if (keyword === undefined) return message;
  const texts = messageTexts(message);
  if (keywords.some((k) => texts.some((t) => t.includes(k)))) return message;
  const put = (value: string, separator: string) =>
    placement === 'start' ? `${keyword}${separator}${value}` : `${value}${separator}${keyword}`;
  const m = message as Message;
  switch (m.msgtype) {
    case 'text':
      return { ...m, text: { content: put(m.text.content, '\n') } } as M;
    case 'markdown':
      return { ...m, markdown: { ...m.markdown, text: put(m.markdown.text, '\n\n') } } as M;
    case 'link':
      return { ...m, link: { ...m.link, text: put(m.link.text, ' ') } } as M;
    case 'actionCard':
      return { ...m, actionCard: { ...m.actionCard, text: put(m.actionCard.text, '\n\n') } } as M;
    case 'feedCard': {
      const [first, ...rest] = m.feedCard.links;
      if (!first) return message;
      return { ...m, feedCard: { links: [{ ...first, title: put(first.title, ' ') }, ...rest] } } as M;
    }
  }
}
