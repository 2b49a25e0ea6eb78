import { createHash, randomBytes } from 'node:crypto';
import type { ResolvedApp, ResolvedGroup, ResolvedMember } from './config.js';
import { appDefaults } from './defaults.js';

/** DingTalk's opaque user ids look like `$:LWCP_v1:$<base64>`; the emulator derives a stable one. */
export function dingtalkId(seed: string): string {
  return `$:LWCP_v1:$${createHash('sha256').update(seed).digest('base64').slice(0, 32)}`;
}

/** The conversation id of a member's 1:1 chat with a robot: stable, opaque like DingTalk's `cid…`. */
export function directConversationId(robotCode: string, staffId: string): string {
  return `cid${createHash('sha256').update(`direct:${robotCode}:${staffId}`).digest('base64url').slice(0, 22)}`;
}

/** A fresh message id (`msgId`), opaque like DingTalk's. */
export const newMsgId = (): string => `msg${randomBytes(16).toString('base64url')}`;

/** What {@link botMessage} needs. */
export interface BotMessageInput {
  app: ResolvedApp;
  /** The group, or for a 1:1 chat `{ direct: id }`. */
  group: ResolvedGroup | { direct: string };
  sender: ResolvedMember;
  text: string;
  msgId: string;
  createAt: number;
  sessionWebhook: string;
  sessionWebhookExpiredTime: number;
}

/**
 * The text DingTalk delivers: the robot's `@name` is cut out and the rest kept as is, so
 * `"@bot deploy api"` arrives as `" deploy api"` (the official sample's `" 你好"`).
 */
export function strippedContent(text: string, robotName: string): string {
  const mention = `@${robotName}`;
  const at = text.indexOf(mention);
  return at === -1 ? text : text.slice(0, at) + text.slice(at + mention.length);
}

/**
 * The JSON of a group text message as DingTalk delivers it to a robot (Stream `data`, HTTP callback
 * body), field for field as the receive-message documentation shows it.
 */
export function botMessage(input: BotMessageInput): Record<string, unknown> {
  const { app, group, sender, text } = input;
  const chatbotUserId = dingtalkId(`robot:${app.robotCode}`);
  // What every delivered message carries, 1:1 or group.
  const common = {
    chatbotCorpId: appDefaults.corpId,
    chatbotUserId,
    msgId: input.msgId,
    senderNick: sender.name,
    isAdmin: sender.admin,
    senderStaffId: sender.staffId,
    sessionWebhookExpiredTime: input.sessionWebhookExpiredTime,
    createAt: input.createAt,
    senderCorpId: appDefaults.corpId,
    senderId: dingtalkId(`user:${sender.staffId}`),
    sessionWebhook: input.sessionWebhook,
    robotCode: app.robotCode,
    msgtype: 'text',
  };
  if ('direct' in group) {
    // 1:1: every message reaches the robot, nobody is @-ed, the text arrives whole.
    return {
      ...common,
      conversationId: group.direct,
      atUsers: [],
      conversationType: '1',
      isInAtList: false,
      text: { content: text },
    };
  }
  const atUsers: { dingtalkId: string; staffId?: string }[] = [{ dingtalkId: chatbotUserId }];
  for (const member of group.members) {
    if (text.includes(`@${member.name}`))
      atUsers.push({ dingtalkId: dingtalkId(`user:${member.staffId}`), staffId: member.staffId });
  }
  return {
    ...common,
    conversationId: group.id,
    atUsers,
    conversationType: '2',
    conversationTitle: group.title,
    isInAtList: true,
    text: { content: strippedContent(text, app.name) },
  };
}
