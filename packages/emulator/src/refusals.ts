import type { Wording } from './types.js';

/** A refused send: DingTalk's errcode and errmsg plus a sentence for people. */
export interface Refusal {
  errcode: number;
  errmsg: string;
  explanation: string;
}

const refusal = (errcode: number, errmsg: string, explanation: string): Refusal => ({
  errcode,
  errmsg,
  explanation,
});

const missingExplanation = (field: string) =>
  field === 'at' || field.startsWith('at.')
    ? `The message's ${field} is malformed: at is an object whose isAtAll is true or false and whose atMobiles and atUserIds are lists of mobiles or user ids.`
    : `The message lacks the required field ${field}: add it as a string with more than whitespace.`;

/** The tail DingTalk has appended to its newer errmsg forms since about 2024 (observed on sign errors). */
const MODERN_LINK =
  'link:请参考本接口对应文档获得具体要求，或者在https://open.dingtalk.com/document/  搜索相关文档;';

// The wording tables come from API.md §2 and §4. Where no newer form is known the older one is used
// in both wordings, as DingTalk still answers with it.
export const refusals = {
  method: () =>
    refusal(43002, '需要POST请求', 'The webhook only accepts POST: send the message as a POST request.'),
  contentType: (got: string | undefined) =>
    refusal(
      43004,
      '无效的HTTP HEADER Content-Type',
      `The Content-Type header was ${got ? `"${got}"` : 'missing'}: send the body as JSON with "Content-Type: application/json".`,
    ),
  tokenMissing: () =>
    refusal(
      40035,
      '缺少参数 access_token',
      'The URL has no access_token: use the full webhook URL, including "?access_token=…".',
    ),
  tokenUnknown: () =>
    refusal(
      300005,
      'token is not exist',
      'No robot has this access_token: copy the token again from the robot settings, and do not paste the whole URL as the token.',
    ),
  disabled: () =>
    refusal(400102, '机器人已停用', 'The robot is disabled: a group admin has to enable it again.'),
  dissolved: () =>
    refusal(
      400013,
      '群已被解散',
      'The group of this robot was dissolved: no message can be sent to it any more.',
    ),
  gone: () =>
    refusal(
      400106,
      '机器人不存在',
      'The robot was removed from its group: create a new robot and use its webhook.',
    ),
  ip: (wording: Wording, ip: string) =>
    refusal(
      310000,
      wording === 'modern'
        ? 'description:ip 不在白名单中;solution:请联系对应群的管理员，设置机器人安全ip地址段'
        : `ip ${ip} not in whitelist`,
      `The sender's address ${ip} is not in the robot's IP allow-list: send from an allowed address or ask an admin to add this one.`,
    ),
  timestamp: () =>
    refusal(
      310000,
      'invalid timestamp',
      "The timestamp in the URL is missing or more than an hour away from DingTalk's clock: compute it in milliseconds for every request and check the clock.",
    ),
  sign: (wording: Wording) =>
    refusal(
      310000,
      wording === 'modern'
        ? `description:机器人发送签名不匹配;solution:请确认签名和生成签名的时间戳必须都放在调用的网址中，请确认机器人的密钥加密和填写正确;${MODERN_LINK}`
        : 'sign not match',
      'The signature does not match: check the secret, sign timestamp + "\\n" + secret, encode the sign once, and put both timestamp and sign in the URL.',
    ),
  keywords: (wording: Wording) =>
    refusal(
      310000,
      wording === 'modern'
        ? 'description:关键词不匹配;solution:请联系群管理员查看此机器人的关键词，并在发送的信息中包含此关键词;'
        : 'keywords not in content',
      "The message contains none of the robot's keywords: put one of them (case-sensitive) in a title or the text.",
    ),
  invalidJson: () =>
    refusal(
      40035,
      '缺少参数 json',
      'The body is not a JSON object: send a UTF-8 JSON object such as {"msgtype":"text","text":{"content":"…"}}.',
    ),
  tooDeep: (limit: number) =>
    refusal(
      40035,
      '缺少参数 json',
      `The body nests arrays or objects more than ${limit} levels deep, which no robot message needs: send a flat JSON object such as {"msgtype":"text","text":{"content":"…"}}.`,
    ),
  tooLong: (wording: Wording, bytes: number) =>
    refusal(
      460101,
      wording === 'modern'
        ? 'description: body 大小不合法;solution:请保持大小在 20000bytes 以内;'
        : 'message too long, exceed 20000 bytes',
      `The body is ${bytes} UTF-8 bytes, over DingTalk's 20000-byte limit: split the message (Chinese text takes 3 bytes a character).`,
    ),
  unknownMsgtype: (msgtype: string) =>
    refusal(
      400105,
      '不支持的消息类型',
      `The msgtype "${msgtype}" is not one a webhook robot can send: use text, link, markdown, actionCard or feedCard.`,
    ),
  missingMsgtype: () =>
    refusal(
      40035,
      '缺少参数 msgtype',
      'The body has no msgtype: add "msgtype": "text" (or link, markdown, actionCard, feedCard).',
    ),
  /** A required field of a known message type, as a dotted path (`actionCard.btns[1].actionURL`). */
  missingField: (wording: Wording, field: string) =>
    wording === 'modern'
      ? refusal(
          400402,
          `错误描述:参数 ${field.split('.').join(' --》 ')} 缺失，或者参数格式不正确; 解决方案:请填充上对应参数;参考链接:请参考本接口对应文档查看参数获取方式，或者在https://open.dingtalk.com/document/  搜索对应文档;`,
          missingExplanation(field),
        )
      : refusal(400403, `miss param : ${field.split('.').join('->')}`, missingExplanation(field)),
  rateLimited: (remainingMs: number) =>
    refusal(
      130101,
      'send too fast, exceed 20 times per minute',
      `The robot sent too many messages too fast and is throttled for another ${Math.ceil(remainingMs / 1000)} s: wait, then merge bursts into one summary message.`,
    ),
} as const;
