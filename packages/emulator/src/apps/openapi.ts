import { randomBytes } from 'node:crypto';
import type { Context } from 'hono';
import { mentionsOf } from '../message.js';
import type { ResolvedApp } from './config.js';
import { appDefaults } from './defaults.js';
import type { AppsHub } from './hub.js';
import { jsonObject, missingParameter, openApiError } from './openapi-errors.js';

type Json = Record<string, unknown>;

/** `title`, `text` and `actionTitle<i>`/`actionURL<i>` for each of `n` buttons (sampleActionCard2–5). */
function actionCardKeys(n: number): readonly string[] {
  const keys = ['title', 'text'];
  for (let i = 1; i <= n; i++) keys.push(`actionTitle${i}`, `actionURL${i}`);
  return keys;
}

/** Required msgParam fields of each msgKey (DingTalk's robot message templates). */
const MSG_KEYS: Record<string, readonly string[]> = {
  sampleText: ['content'],
  sampleMarkdown: ['title', 'text'],
  sampleImageMsg: ['photoURL'],
  sampleLink: ['text', 'title', 'messageUrl'],
  sampleActionCard: ['title', 'text', 'singleTitle', 'singleURL'],
  sampleActionCard2: actionCardKeys(2),
  sampleActionCard3: actionCardKeys(3),
  sampleActionCard4: actionCardKeys(4),
  sampleActionCard5: actionCardKeys(5),
  sampleActionCard6: ['title', 'text', 'buttonTitle1', 'buttonUrl1', 'buttonTitle2', 'buttonUrl2'],
  sampleAudio: ['mediaId', 'duration'],
  sampleFile: ['mediaId', 'fileName', 'fileType'],
  sampleVideo: ['duration', 'videoMediaId', 'videoType', 'picMediaId'],
};

/** The msgKeys the emulator knows, for error messages and the README. */
export const msgKeys = Object.keys(MSG_KEYS);

const str = (param: Json, key: string): string => String(param[key]);

/** The webhook-shaped message equivalent to an OpenAPI msgKey/msgParam, for records and the preview. */
export function webhookEquivalent(msgKey: string, param: Json): { msgtype: string; body: Json } {
  const buttons = (count: number, title: string, url: string) =>
    Array.from({ length: count }, (_, i) => ({
      title: str(param, `${title}${i + 1}`),
      actionURL: str(param, `${url}${i + 1}`),
    }));
  switch (msgKey) {
    case 'sampleText':
      return { msgtype: 'text', body: { msgtype: 'text', text: { content: str(param, 'content') } } };
    case 'sampleMarkdown':
      return {
        msgtype: 'markdown',
        body: { msgtype: 'markdown', markdown: { title: str(param, 'title'), text: str(param, 'text') } },
      };
    case 'sampleImageMsg':
      return {
        msgtype: 'markdown',
        body: { msgtype: 'markdown', markdown: { title: '[图片]', text: `![](${str(param, 'photoURL')})` } },
      };
    case 'sampleLink': {
      const link: Json = {
        title: str(param, 'title'),
        text: str(param, 'text'),
        messageUrl: str(param, 'messageUrl'),
      };
      if (typeof param['picUrl'] === 'string') link['picUrl'] = param['picUrl'];
      return { msgtype: 'link', body: { msgtype: 'link', link } };
    }
    case 'sampleActionCard':
      return {
        msgtype: 'actionCard',
        body: {
          msgtype: 'actionCard',
          actionCard: {
            title: str(param, 'title'),
            text: str(param, 'text'),
            singleTitle: str(param, 'singleTitle'),
            singleURL: str(param, 'singleURL'),
          },
        },
      };
    case 'sampleActionCard6':
      return {
        msgtype: 'actionCard',
        body: {
          msgtype: 'actionCard',
          actionCard: {
            title: str(param, 'title'),
            text: str(param, 'text'),
            btnOrientation: '1',
            btns: buttons(2, 'buttonTitle', 'buttonUrl'),
          },
        },
      };
    case 'sampleAudio':
    case 'sampleFile':
    case 'sampleVideo': {
      const label = {
        sampleAudio: '[语音]',
        sampleFile: `[文件] ${str(param, 'fileName')}`,
        sampleVideo: '[视频]',
      }[msgKey];
      return { msgtype: 'text', body: { msgtype: 'text', text: { content: label } } };
    }
    default: {
      const count = Number(msgKey.slice('sampleActionCard'.length));
      return {
        msgtype: 'actionCard',
        body: {
          msgtype: 'actionCard',
          actionCard: {
            title: str(param, 'title'),
            text: str(param, 'text'),
            btnOrientation: '0',
            btns: buttons(count, 'actionTitle', 'actionURL'),
          },
        },
      };
    }
  }
}

interface CheckedSend {
  app: ResolvedApp;
  msgKey: string;
  msgParam: Json;
  bytes: number;
  body: Json;
}

/**
 * The checks both sends share, in order: token header, token validity, body, robotCode (of the
 * token's app), msgKey, msgParam (JSON, size, fields), rate limit. A Response is a refusal.
 */
async function checkSend(c: Context, hub: AppsHub): Promise<CheckedSend | Response> {
  const token = c.req.header('x-acs-dingtalk-access-token');
  if (!token)
    return openApiError(
      c,
      400,
      'AuthenticationFailed.MissingParameter',
      'x-acs-dingtalk-access-token is mandatory for this action.',
    );
  const tokenApp = hub.tokens.verify(token, hub.now());
  if (!tokenApp) return openApiError(c, 400, 'InvalidAuthentication', '不合法的access_token');
  const body = await jsonObject(c);
  if (!body) return missingParameter(c, 'body');
  const robotCode = body['robotCode'];
  if (typeof robotCode !== 'string' || robotCode === '') return missingParameter(c, 'robotCode');
  const app = hub.byRobotCode(robotCode);
  if (!app || app !== tokenApp)
    return openApiError(
      c,
      400,
      'invalidParameter.robotCode.invalid',
      `robotCode ${robotCode} 不存在或不属于当前应用 (the access token is the app ${tokenApp.clientId}'s)`,
    );
  const msgKey = body['msgKey'];
  if (typeof msgKey !== 'string' || msgKey === '') return missingParameter(c, 'msgKey');
  const required = MSG_KEYS[msgKey];
  if (!required)
    return openApiError(
      c,
      400,
      'invalidParameter.msgKey.invalid',
      `msgKey ${msgKey} 不合法; use one of ${msgKeys.join(', ')}`,
    );
  const raw = body['msgParam'];
  if (typeof raw !== 'string' || raw === '') return missingParameter(c, 'msgParam');
  const bytes = Buffer.byteLength(raw);
  if (bytes > appDefaults.maxMsgParamBytes)
    return openApiError(
      c,
      400,
      'invalidParameter.msgParam.invalid',
      `msgParam is ${bytes} bytes, over ${appDefaults.maxMsgParamBytes}`,
    );
  let msgParam: unknown;
  try {
    msgParam = JSON.parse(raw);
  } catch {
    msgParam = undefined;
  }
  if (typeof msgParam !== 'object' || msgParam === null || Array.isArray(msgParam))
    return openApiError(
      c,
      400,
      'invalidParameter.msgParam.invalid',
      'msgParam must be a JSON object serialised as a string, e.g. "{\\"content\\":\\"hi\\"}"',
    );
  const param = msgParam as Json;
  const missing = required.find((field) => {
    const value = param[field];
    return !(typeof value === 'string' ? value.length > 0 : typeof value === 'number');
  });
  if (missing !== undefined)
    return openApiError(
      c,
      400,
      'invalidParameter.msgParam.invalid',
      `msgParam.${missing} is missing: ${msgKey} needs ${required.join(', ')}`,
    );
  const limiter = hub.openApiLimiter(app);
  if (limiter && !limiter.tryAcquire(hub.now()))
    return openApiError(c, 400, 'send.too.fast', '发送速度太快，请稍后重试');
  return { app, msgKey, msgParam: param, bytes, body };
}

const processQueryKey = (): string => randomBytes(24).toString('base64');

/** `POST /v1.0/robot/groupMessages/send`: a robot posts to a group it is in. */
export function groupSendHandler(hub: AppsHub) {
  return async (c: Context): Promise<Response> => {
    const checked = await checkSend(c, hub);
    if (checked instanceof Response) return checked;
    const { app, msgKey, msgParam, bytes, body } = checked;
    const conversationId = body['openConversationId'];
    if (typeof conversationId !== 'string' || conversationId === '')
      return missingParameter(c, 'openConversationId');
    const group = hub.groups.find((g) => g.id === conversationId);
    if (!group?.robots.includes(app))
      return openApiError(
        c,
        400,
        'invalidParameter.openConversationId.invalid',
        `openConversationId ${conversationId}: ${group ? `${app.name} is not in this group` : 'no such group'}`,
      );
    const { msgtype, body: payload } = webhookEquivalent(msgKey, msgParam);
    hub.recordReply(app, hub.now(), msgtype, payload, bytes, mentionsOf(payload, msgtype), {
      via: 'groupMessages/send',
      conversationId,
      openApi: { msgKey, msgParam },
    });
    return c.json({ processQueryKey: processQueryKey() });
  };
}

/** `POST /v1.0/robot/oToMessages/batchSend`: a robot writes to members 1:1. */
export function batchSendHandler(hub: AppsHub) {
  return async (c: Context): Promise<Response> => {
    const checked = await checkSend(c, hub);
    if (checked instanceof Response) return checked;
    const { app, msgKey, msgParam, bytes, body } = checked;
    const userIds = body['userIds'];
    if (!Array.isArray(userIds) || userIds.length === 0) return missingParameter(c, 'userIds');
    if (
      userIds.length > appDefaults.maxBatchUserIds ||
      !userIds.every((id) => typeof id === 'string' && id !== '')
    )
      return openApiError(
        c,
        400,
        'invalidParameter.userIds.invalid',
        `userIds must be 1 to ${appDefaults.maxBatchUserIds} staffIds`,
      );
    const members = new Set(hub.groups.flatMap((g) => g.members.map((m) => m.staffId)));
    const valid = (userIds as string[]).filter((id) => members.has(id));
    const invalid = (userIds as string[]).filter((id) => !members.has(id));
    const { msgtype, body: payload } = webhookEquivalent(msgKey, msgParam);
    if (valid.length > 0) {
      hub.recordReply(app, hub.now(), msgtype, payload, bytes, mentionsOf(payload, msgtype), {
        via: 'oToMessages/batchSend',
        userIds: valid,
        openApi: { msgKey, msgParam },
      });
    }
    return c.json({
      processQueryKey: processQueryKey(),
      invalidStaffIdList: invalid,
      flowControlledStaffIdList: [],
    });
  };
}
