import { randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** A fresh request id in DingTalk's shape (`30EE8654-1AA2-7D88-8248-9518547248AA`). */
export const requestId = (): string => randomUUID().toUpperCase();

/**
 * An error in the style of DingTalk's `api.dingtalk.com`: an HTTP 4xx status with
 * `{ code, message, requestid }`.
 */
export function openApiError(
  c: Context,
  status: ContentfulStatusCode,
  code: string,
  message: string,
): Response {
  return c.json({ code, message, requestid: requestId() }, status);
}

/** Alibaba's gateway answer for a missing parameter (observed: `Missingbody`, "body is mandatory for this action."). */
export function missingParameter(c: Context, name: string): Response {
  return openApiError(c, 400, `Missing${name}`, `${name} is mandatory for this action.`);
}

/** Parses a JSON object body, or `undefined` when it is not one. */
export async function jsonObject(c: Context): Promise<Record<string, unknown> | undefined> {
  try {
    const body: unknown = await c.req.json();
    return typeof body === 'object' && body !== null && !Array.isArray(body)
      ? (body as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
