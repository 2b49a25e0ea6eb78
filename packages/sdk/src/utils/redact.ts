/** What replaces a secret wherever dingbot prints or stores a request. */
export const REDACTED = '[REDACTED]';

const SECRET_PARAMS = new Set(['access_token', 'timestamp', 'sign', 'session', 'secret']);

/**
 * Replaces the access token, timestamp, sign and session of a webhook URL with `[REDACTED]`.
 * Works on strings that are not valid URLs too, so a half-pasted webhook never leaks.
 * @example redactUrl('https://oapi.dingtalk.com/robot/send?access_token=abc&sign=x')
 * // 'https://oapi.dingtalk.com/robot/send?access_token=[REDACTED]&sign=[REDACTED]'
 */
export function redactUrl(url: string): string {
  return url.replace(/([?&])([^=&#]+)=([^&#]*)/g, (whole, sep: string, key: string) =>
    SECRET_PARAMS.has(decodeSafely(key).toLowerCase()) ? `${sep}${key}=${REDACTED}` : whole,
  );
}

function decodeSafely(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * Removes every occurrence of the given secrets (and their URL-encoded forms) from a text.
 * Secrets shorter than 4 characters are ignored: they would shred ordinary words.
 */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret || secret.length < 4) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) {
      out = out.split(form).join(REDACTED);
    }
  }
  return out;
}
