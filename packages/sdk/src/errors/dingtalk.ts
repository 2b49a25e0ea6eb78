import { defaults } from '../defaults.js';
import { DingbotError, type DingbotErrorInit } from './base.js';
import { MessageTooLongError } from './client.js';

/**
 * DingTalk answered, with an `errcode` other than 0. The base of every refusal below.
 * @example catch (error) { if (error instanceof DingTalkError) console.error(error.errcode, error.errmsg); }
 */
export class DingTalkError extends DingbotError {
  override name = 'DingTalkError';
  declare readonly errcode: number;
  declare readonly errmsg: string;
}

/**
 * 130101 / 410100: more than 20 messages a minute; DingTalk throttles the robot for about 10 minutes.
 * @example catch (error) { if (error instanceof RateLimitedError) await setTimeout(10 * 60_000); }
 */
export class RateLimitedError extends DingTalkError {
  override name = 'RateLimitedError';
  constructor(init: DingbotErrorInit) {
    super(
      'RATE_LIMITED',
      'DingTalk throttled the robot',
      'It allows 20 messages a minute per robot, then pauses it for about 10 minutes; let the delivery engine queue and digest (on by default) or spread sends over a RobotPool.',
      true,
      init,
    );
  }
}

/**
 * 310000: one of the robot's security settings refused the message. Subclasses say which.
 * @example catch (error) { if (error instanceof SecurityError) console.error(`check the robot's security settings: ${error.hint}`); }
 */
export class SecurityError extends DingTalkError {
  override name = 'SecurityError';
}

/**
 * 310000 "sign not match".
 * @example catch (error) { if (error instanceof SignatureError) console.error('wrong DINGTALK_SECRET?', error.hint); }
 */
export class SignatureError extends SecurityError {
  override name = 'SignatureError';
  constructor(init: DingbotErrorInit) {
    super(
      'SIGN_MISMATCH',
      'DingTalk refused the signature',
      "Check `secret` is the robot's SEC… string in full, that the sign is URL-encoded exactly once (pass the secret to dingbot and let it sign), and that this machine's clock is right.",
      false,
      init,
    );
  }
}

/**
 * 310000 "invalid timestamp": the signing timestamp is over an hour away from DingTalk's clock.
 * @example catch (error) { if (error instanceof TimestampError) console.error('clock skew: sync NTP'); }
 */
export class TimestampError extends SecurityError {
  override name = 'TimestampError';
  constructor(init: DingbotErrorInit) {
    super(
      'INVALID_TIMESTAMP',
      'DingTalk refused the signing timestamp',
      "The timestamp must be within 1 hour of DingTalk's clock, in milliseconds: fix this machine's clock (NTP).",
      false,
      init,
    );
  }
}

/**
 * 310000 "keywords not in content".
 * @example catch (error) { if (error instanceof KeywordError) console.error('configured keywords:', error.keywords); }
 */
export class KeywordError extends SecurityError {
  override name = 'KeywordError';
  /** The keywords this robot was configured with in dingbot (DingTalk never says which it expects). */
  readonly keywords: readonly string[];
  constructor(keywords: readonly string[], init: DingbotErrorInit) {
    super(
      'KEYWORD_MISSING',
      "DingTalk found none of the robot's keywords in the message",
      keywords.length > 0
        ? `dingbot added one of ${keywords.map((k) => JSON.stringify(k)).join(', ')}; the robot in DingTalk must expect other ones: compare its security settings with \`keywords\`.`
        : "Set `keywords` to the robot's keywords (from its security settings) and dingbot will make sure each message contains one.",
      false,
      init,
    );
    this.keywords = keywords;
  }
}

/**
 * 310000 "ip X not in whitelist".
 * @example catch (error) { if (error instanceof IpNotAllowedError) console.error(`allow ${error.ip} in the robot's settings`); }
 */
export class IpNotAllowedError extends SecurityError {
  override name = 'IpNotAllowedError';
  /** The address DingTalk saw, when it said it. */
  readonly ip: string | undefined;
  constructor(ip: string | undefined, init: DingbotErrorInit) {
    super(
      'IP_NOT_ALLOWED',
      `DingTalk refused the sender's IP address${ip ? ` ${ip}` : ''}`,
      `Add ${ip ?? 'the address your requests leave from (mind NAT and proxies)'} to the robot's IP allow-list, or send from an allowed host.`,
      false,
      init,
    );
    this.ip = ip;
  }
}

/**
 * 300001 / 300005 / 400101 / 40035: the access token is missing or unknown.
 * @example catch (error) { if (error instanceof TokenError) console.error('copy the webhook again:', error.hint); }
 */
export class TokenError extends DingTalkError {
  override name = 'TokenError';
  constructor(missing: boolean, init: DingbotErrorInit) {
    super(
      missing ? 'MISSING_TOKEN' : 'UNKNOWN_TOKEN',
      missing ? 'The request carried no access_token' : 'DingTalk does not know this access token',
      missing
        ? 'Pass `webhook` (the whole URL DingTalk shows) or `accessToken`.'
        : "Copy the webhook again from the robot's settings: the token may be mistyped, cut short, or the robot was deleted.",
      false,
      init,
    );
  }
}

/**
 * 300001 "session 不存在": a callback's sessionWebhook expired (they last about 90 minutes).
 * @example catch (error) { if (error instanceof SessionExpiredError) await robot.text(reply); }
 */
export class SessionExpiredError extends DingTalkError {
  override name = 'SessionExpiredError';
  constructor(init: DingbotErrorInit) {
    super(
      'SESSION_EXPIRED',
      'The session webhook has expired',
      "Reply through a sessionWebhook within about 90 minutes of the message, or send through the robot's own webhook.",
      false,
      init,
    );
  }
}

/** Why a robot cannot post any more. */
export type RobotUnavailableReason = 'disabled' | 'dissolved' | 'gone';

/**
 * 400102 / 400013 / 400106: the robot was disabled, its group dissolved, or it is no longer in the group.
 * @example catch (error) { if (error instanceof RobotUnavailableError && error.reason === 'disabled') alertAdmins(); }
 */
export class RobotUnavailableError extends DingTalkError {
  override name = 'RobotUnavailableError';
  /** What happened to the robot. */
  readonly reason: RobotUnavailableReason;
  constructor(reason: RobotUnavailableReason, init: DingbotErrorInit) {
    const text = (
      {
        disabled: [
          'ROBOT_DISABLED',
          'The robot is disabled',
          "A group admin must enable it again in the group's robot settings.",
        ],
        dissolved: [
          'GROUP_DISSOLVED',
          'The group was dissolved',
          'Create a robot in another group and use its webhook.',
        ],
        gone: [
          'ROBOT_GONE',
          'The robot is no longer in the group',
          'Add the robot to the group again and use its new webhook.',
        ],
      } as const
    )[reason];
    super(text[0], text[1], text[2], false, init);
    this.reason = reason;
  }
}

/**
 * 400105: the `msgtype` is not one webhook robots accept.
 * @example catch (error) { if (error instanceof UnsupportedMessageTypeError) await robot.markdown('Chart', '![](https://example.com/chart.png)'); }
 */
export class UnsupportedMessageTypeError extends DingTalkError {
  override name = 'UnsupportedMessageTypeError';
  constructor(init: DingbotErrorInit) {
    super(
      'UNSUPPORTED_MSGTYPE',
      'DingTalk does not accept this message type from a webhook robot',
      'Use text, markdown, link, actionCard or feedCard; images go into markdown as ![](url).',
      false,
      init,
    );
  }
}

/**
 * 430101–430104: DingTalk's content filter refused a link, text, image or the content.
 * @example catch (error) { if (error instanceof ContentRejectedError) console.error('DingTalk refused the content:', error.errmsg); }
 */
export class ContentRejectedError extends DingTalkError {
  override name = 'ContentRejectedError';
  constructor(init: DingbotErrorInit) {
    super(
      'CONTENT_REJECTED',
      "DingTalk's content filter refused the message",
      'Remove the flagged link, image or wording; sending it again unchanged will fail again.',
      false,
      init,
    );
  }
}

/**
 * -1: DingTalk is busy. Retried with backoff.
 * @example catch (error) { if (error instanceof BusyError) queue.retryLater(message); }
 */
export class BusyError extends DingTalkError {
  override name = 'BusyError';
  constructor(init: DingbotErrorInit) {
    super(
      'DINGTALK_BUSY',
      'DingTalk is busy',
      'dingbot retries these with backoff; if it lasts, try again later.',
      true,
      init,
    );
  }
}

/**
 * 43002 / 43004 and other answers that mean the request itself is malformed.
 * @example catch (error) { if (error instanceof BadRequestError) console.error('check the custom fetch:', error.hint); }
 */
export class BadRequestError extends DingTalkError {
  override name = 'BadRequestError';
  constructor(init: DingbotErrorInit) {
    super(
      'BAD_REQUEST',
      'DingTalk refused the request as malformed',
      'Send a POST with Content-Type: application/json and a UTF-8 JSON body with every required field (the errmsg names a missing one); if you use a custom `fetch`, check it keeps method, headers and body.',
      false,
      init,
    );
  }
}

/**
 * Any other `errcode`.
 * @example catch (error) { if (error instanceof UnknownDingTalkError) console.error('unknown errcode', error.errcode); }
 */
export class UnknownDingTalkError extends DingTalkError {
  override name = 'UnknownDingTalkError';
  constructor(init: DingbotErrorInit) {
    super(
      'DINGTALK_ERROR',
      'DingTalk refused the message',
      "Look the errcode up in DingTalk's error code list; dingbot does not know this one.",
      false,
      init,
    );
  }
}

/** Context the classifier needs to write a precise hint. */
export interface ClassifyContext extends DingbotErrorInit {
  /** Keywords configured on the Robot. */
  keywords?: readonly string[];
  /** The message type sent (for the 460101 hint). */
  msgtype?: string;
  /** The body size in bytes (for the 460101 hint). */
  bytes?: number;
}

/**
 * Turns a DingTalk answer with a non-zero `errcode` into the matching error class, recognising both
 * the older English and the newer Chinese `errmsg` wordings.
 * @example classifyDingTalkError(310000, 'sign not match').code // 'SIGN_MISMATCH'
 */
export function classifyDingTalkError(
  errcode: number,
  errmsg: string,
  context: ClassifyContext = {},
): DingbotError {
  const init: DingbotErrorInit = { ...context, errcode, errmsg };
  switch (errcode) {
    case 130101:
    case 410100:
      return new RateLimitedError(init);
    case 310000:
      return classifySecurity(errmsg, context.keywords ?? [], init);
    case 40035:
      // "缺少参数 access_token" is a missing token; DingTalk also answers 40035 for a body that is
      // not JSON ("缺少参数 json") or lacks msgtype.
      return /access_token|token/i.test(errmsg) || errmsg === ''
        ? new TokenError(true, init)
        : new BadRequestError(init);
    case 300001:
      return /session/i.test(errmsg) ? new SessionExpiredError(init) : new TokenError(false, init);
    case 300005:
    case 400101:
      return new TokenError(false, init);
    case 400102:
      return new RobotUnavailableError('disabled', init);
    case 400013:
      return new RobotUnavailableError('dissolved', init);
    case 400106:
      return new RobotUnavailableError('gone', init);
    case 400105:
      return new UnsupportedMessageTypeError(init);
    case 460101:
      return new MessageTooLongError(
        context.bytes,
        defaults.maxBodyBytes,
        context.msgtype ?? 'message',
        init,
      );
    case -1:
      return new BusyError(init);
    case 43002:
    case 43004:
    case 400402: // "参数 markdown --》 title 缺失" (newer wording of a missing field)
    case 400403: // "miss param : markdown->text"
      return new BadRequestError(init);
    default:
      if (errcode >= 430101 && errcode <= 430104) return new ContentRejectedError(init);
      return new UnknownDingTalkError(init);
  }
}

function classifySecurity(errmsg: string, keywords: readonly string[], init: DingbotErrorInit): DingbotError {
  if (/keyword|关键词/i.test(errmsg)) return new KeywordError(keywords, init);
  if (/sign|签名/i.test(errmsg)) return new SignatureError(init);
  if (/timestamp|时间戳/i.test(errmsg)) return new TimestampError(init);
  if (/\bip\b|白名单|whitelist/i.test(errmsg)) {
    // IPv4, or IPv6 (at least two colons, hex groups) so `description:`/`solution:` never count.
    const ip = /(?<![\w.:])(\d{1,3}(?:\.\d{1,3}){3}|(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4})(?![\w.:])/i.exec(
      errmsg,
    )?.[1];
    return new IpNotAllowedError(ip, init);
  }
  return new SecurityError(
    'SECURITY_REJECTED',
    "DingTalk's security settings refused the message",
    "Compare the robot's security settings (keywords, signing, IP allow-list) with dingbot's `keywords` and `secret`.",
    false,
    init,
  );
}
