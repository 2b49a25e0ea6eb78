import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AuthConfig } from '../config/schema.js';

/** Compares two strings in constant time (for tokens and signatures). */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Checks an `Authorization` header against an input's `auth:`; true when it passes. */
export function checkAuth(auth: AuthConfig | undefined, header: string | undefined): boolean {
  if (!auth) return true;
  if (!header) return false;
  if ('bearer' in auth) {
    const match = /^Bearer\s+(.+)$/i.exec(header);
    return match !== null && safeEqual(match[1]!.trim(), auth.bearer);
  }
  const match = /^Basic\s+(.+)$/i.exec(header);
  if (!match) return false;
  const decoded = Buffer.from(match[1]!.trim(), 'base64').toString('utf8');
  return safeEqual(decoded, `${auth.basic.username}:${auth.basic.password}`);
}

const hmacHex = (secret: string, data: string) => createHmac('sha256', secret).update(data).digest('hex');

/** GitHub's `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`. */
export function checkGithubSignature(secret: string, body: string, header: string | undefined): boolean {
  if (!header?.startsWith('sha256=')) return false;
  return safeEqual(header.slice(7).toLowerCase(), hmacHex(secret, body));
}

/**
 * Grafana's `X-Grafana-Alerting-Signature`: hex HMAC-SHA256 of the body, or of `<timestamp>:<body>` when
 * the contact point sends a timestamp header (then it must be within `toleranceMs` of now).
 */
export function checkGrafanaSignature(
  secret: string,
  body: string,
  signature: string | undefined,
  timestamp: string | undefined,
  options: { timestampRequired: boolean; now: number; toleranceMs?: number },
): { ok: true } | { ok: false; reason: string } {
  if (!signature) return { ok: false, reason: 'the X-Grafana-Alerting-Signature header is missing' };
  let data = body;
  if (options.timestampRequired) {
    if (!timestamp || !/^\d+$/.test(timestamp))
      return { ok: false, reason: 'the timestamp header is missing' };
    const skew = Math.abs(options.now - Number(timestamp) * 1000);
    if (skew > (options.toleranceMs ?? 300_000)) {
      return {
        ok: false,
        reason: 'the signature timestamp is more than 5 minutes away from the relay clock',
      };
    }
    data = `${timestamp}:${body}`;
  }
  return safeEqual(signature.toLowerCase(), hmacHex(secret, data))
    ? { ok: true }
    : { ok: false, reason: 'the signature does not match: check the HMAC secret on both sides' };
}
