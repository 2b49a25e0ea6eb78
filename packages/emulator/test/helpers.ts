import { createHmac } from 'node:crypto';
import type { Hono } from 'hono';

/** The documented DingTalk signature, computed independently of the emulator: base64, not yet URL-encoded. */
export function dingSign(secret: string, timestamp: number | string): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${secret}`, 'utf8').digest('base64');
}

/** A signed path, the sign URL-encoded exactly once as DingTalk documents. */
export function signedPath(token: string, secret: string, timestamp: number): string {
  const sign = encodeURIComponent(dingSign(secret, timestamp));
  return `/robot/send?access_token=${token}&timestamp=${timestamp}&sign=${sign}`;
}

export const text = (content: string, extra: Record<string, unknown> = {}) => ({
  msgtype: 'text',
  text: { content },
  ...extra,
});

export interface SendOptions {
  headers?: Record<string, string>;
  env?: Record<string, unknown>;
  method?: string;
}

/** POSTs a JSON body (or a raw string) to the app the way a DingTalk client would. */
export async function send(
  app: Hono,
  path: string,
  body: unknown,
  options: SendOptions = {},
): Promise<{ status: number; json: { errcode: number; errmsg: string } }> {
  const res = await app.request(
    path,
    {
      method: options.method ?? 'POST',
      headers: { 'content-type': 'application/json', ...options.headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    },
    options.env,
  );
  return { status: res.status, json: (await res.json()) as { errcode: number; errmsg: string } };
}

/** A clock a test moves by hand. */
export function fakeClock(start = Date.UTC(2026, 0, 1)) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}
