const encoder = new TextEncoder();

/** Imports a robot secret as an HMAC-SHA256 key (reusable across requests). */
export function importSigningKey(secret: string): Promise<CryptoKey> {
  const raw = encoder.encode(secret);
  // WebCrypto refuses an empty HMAC key. HMAC pads short keys with zero bytes to the block size, so
  // one zero byte is the same key as none: the result stays HMAC(key = "") as the guide computes it.
  const key = raw.length === 0 ? new Uint8Array(1) : raw;
  return crypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
}

/** The base64 HMAC-SHA256 of `timestamp + "\n" + secret`, before URL encoding. */
export async function signBase64(
  key: CryptoKey,
  secret: string,
  timestamp: number | string,
): Promise<string> {
  const mac = await crypto.subtle.sign('HMAC', key, encoder.encode(`${timestamp}\n${secret}`));
  return bytesToBase64(new Uint8Array(mac));
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
 * const url = `${webhook}&timestamp=${timestamp}&sign=${await sign('SEC…', timestamp)}`;
 */
export async function sign(secret: string, timestamp: number | string): Promise<string> {
  return encodeURIComponent(await signBase64(await importSigningKey(secret), secret, timestamp));
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
