import { DingbotError, type DingbotErrorCode, type DingbotErrorInit } from '@dingbot/sdk';

/**
 * DingTalk's OpenAPI (`api.dingtalk.com`) refused a call: it answers with an HTTP 4xx/5xx status and
 * `{ code, message, requestid }` instead of the webhook's `errcode`. `code` is the SDK's stable code
 * (`UNKNOWN_TOKEN`, `RATE_LIMITED`, `BAD_REQUEST`, `ROBOT_DISABLED`, `HTTP_ERROR`, …), so the delivery
 * engine pauses on throttling as it does for webhooks; `apiCode` is DingTalk's own.
 * @example catch (error) { if (error instanceof OpenApiError) console.error(error.apiCode, error.status); }
 */
export class OpenApiError extends DingbotError {
  override name = 'OpenApiError';
  /** The HTTP status DingTalk answered with. */
  readonly status: number;
  /** DingTalk's `code`, e.g. `InvalidAuthentication`, `send.too.fast`, `invalidParameter.msgKey.invalid`. */
  readonly apiCode: string;
  /** DingTalk's `requestid`, for a support ticket. */
  readonly requestId: string | undefined;

  constructor(
    code: DingbotErrorCode,
    answer: { status: number; apiCode: string; message: string; requestId: string | undefined },
    hint: string,
    init: DingbotErrorInit,
  ) {
    const retryable = code === 'RATE_LIMITED' || answer.status >= 500 || answer.status === 429;
    super(
      code,
      `DingTalk's OpenAPI refused the call (HTTP ${answer.status} ${answer.apiCode}: ${answer.message})`,
      hint,
      retryable,
      init,
    );
    this.status = answer.status;
    this.apiCode = answer.apiCode;
    this.requestId = answer.requestId;
  }
}

/** Whether an answer says the access token is not (or no longer) valid: worth one fresh token. */
export function isAuthFailure(status: number, apiCode: string): boolean {
  return (
    status === 401 ||
    /^(InvalidAuthentication|InvalidAccessToken|Forbidden\.AccessDenied\.AccessTokenInvalid)/i.test(
      apiCode,
    ) ||
    /accessToken(Expired|Invalid)|invalid.?access.?token/i.test(apiCode)
  );
}

/** The SDK code and the hint for an OpenAPI refusal. */
function classify(status: number, apiCode: string): { code: DingbotErrorCode; hint: string } {
  if (apiCode === 'invalidClientIdOrSecret' || /clientid|appkey|appsecret/i.test(apiCode)) {
    return {
      code: 'UNKNOWN_TOKEN',
      hint: "Check clientId and clientSecret: copy the app's AppKey and AppSecret again from the DingTalk developer console.",
    };
  }
  if (isAuthFailure(status, apiCode) || /^AuthenticationFailed/i.test(apiCode)) {
    return {
      code: 'UNKNOWN_TOKEN',
      hint: 'The app access token was refused even after a fresh one was fetched: check that the app may call this API (its permissions in the developer console).',
    };
  }
  if (status === 429 || /too\.?fast|tooMany|too\.many|QpsLimit|flowControl|throttl/i.test(apiCode)) {
    return {
      code: 'RATE_LIMITED',
      hint: 'DingTalk throttles robots and card updates; the delivery engine waits and sends again (replyOptions.penaltyMs says how long).',
    };
  }
  if (/bot\.stopped|robot.*(stop|disable)/i.test(apiCode)) {
    return { code: 'ROBOT_DISABLED', hint: 'Enable the robot again in the developer console.' };
  }
  if (/^Forbidden|AccessDenied|permission/i.test(apiCode) || status === 403) {
    return {
      code: 'DINGTALK_ERROR',
      hint: 'Give the app the permission this API needs in the developer console (robot sends: qyapi_robot_sendmsg; AI cards: Card.Instance.Write and Card.Streaming.Write).',
    };
  }
  if (status >= 500) {
    return {
      code: 'HTTP_ERROR',
      hint: 'DingTalk failed; dingbot retries these. If it lasts, check DingTalk status.',
    };
  }
  return {
    code: 'BAD_REQUEST',
    hint: "DingTalk's message names the parameter: check robotCode, the conversation or user ids, and the message.",
  };
}

/** The typed error of an OpenAPI answer that is not a success; never carries the token or the secret. */
export function openApiError(
  status: number,
  body: string,
  request: { method: string; url: string },
  secrets: readonly string[],
): DingbotError {
  let json: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      json = parsed as Record<string, unknown>;
    }
  } catch {}
  const apiCode = typeof json['code'] === 'string' ? json['code'] : `HTTP${status}`;
  const message = typeof json['message'] === 'string' ? json['message'] : body.slice(0, 200);
  const requestId = typeof json['requestid'] === 'string' ? json['requestid'] : undefined;
  const { code, hint } = classify(status, apiCode);
  return new OpenApiError(code, { status, apiCode, message, requestId }, hint, { request, secrets });
}
