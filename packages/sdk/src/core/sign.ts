import { hmacSha256 } from '../utils/hmac-sha256.js';

/**
 * Prepares signing with one secret: returns a function that gives the base64 (not yet URL-encoded)
 * HMAC-SHA256 of `timestamp + "\n" + secret` for a timestamp, synchronously.
 */
export function createSigner(secret: string): (timestamp: number | string) => string {
  const mac = hmacSha256(secret);
  return (timestamp) => bytesToBase64(mac(`${timestamp}\n${secret}`));
}

/**
 * DingTalk's signature for a robot with signing (加签) on, exactly as DingTalk's guide computes it:
 * `urlEncode(base64(HmacSHA256(key = secret, data = timestamp + "\n" + secret)))`, UTF-8, the
 * timestamp in milliseconds. Append `&timestamp=<timestamp>&sign=<result>` to the webhook URL as is:
 * the result is already URL-encoded, so do not encode it again.
 * @param secret The robot's `SEC…` secret.
 * @param timestamp Milliseconds since the epoch; must be within an hour of DingTalk's clock.
 * @example
 * const timestamp = Date.now();
 * const url = `${webhook}&timestamp=${timestamp}&sign=${sign('SEC…', timestamp)}`;
 */
export function sign(secret: string, timestamp: number | string): string {
  return encodeURIComponent(createSigner(secret)(timestamp));
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function bytesToBase64(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += BASE64[(n >> 18) & 63]! + BASE64[(n >> 12) & 63]! + BASE64[(n >> 6) & 63]! + BASE64[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += `${BASE64[(n >> 18) & 63]}${BASE64[(n >> 12) & 63]}==`;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += `${BASE64[(n >> 18) & 63]}${BASE64[(n >> 12) & 63]}${BASE64[(n >> 6) & 63]}=`;
  }
  return out;
}
