import { insertMentions } from './prepare.js';
import type { Message } from './types.js';
import { validateMessage } from './validate.js';

/**
 * A message as it enters a robot's queue: validated (the only time), without its `msgUuid` (the
 * engine keeps that apart), and with missing `@mentions` written into the text when `mentions` is on.
 * Returns a new object; the caller's message is never changed.
 * @example acceptMessage(text('disk full', { at: { mobiles: ['13800000000'] } }), true).text.content // 'disk full @13800000000'
 */
export function acceptMessage(input: unknown, mentions: boolean): Message {
  validateMessage(input);
  const { msgUuid: _uuid, ...content } = input;
  const message = content as Message;
  return mentions ? insertMentions(message) : message;
}
