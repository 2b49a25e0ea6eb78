import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * DingTalk's signature before URL encoding: `base64(HmacSHA256(key = secret, data = timestamp + "\n" + secret))`.
 */
export function expectedSign(secret: string, timestamp: string): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
}

/**
 * Compares the `sign` query parameter, already URL-decoded once by the query parser, with the expected
 * base64 in constant time. A sign encoded twice stays percent-encoded here and fails, as on DingTalk.
 */
export function signMatches(secret: string, timestamp: string, sign: string): boolean {
  const expected = Buffer.from(expectedSign(secret, timestamp), 'utf8');
  const given = Buffer.from(sign, 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Whether a timestamp (ms, decimal digits) lies within `toleranceMs` of `now`, either way. */
export function timestampValid(timestamp: string | undefined, now: number, toleranceMs: number): boolean {
  if (timestamp === undefined || !/^\d{1,16}$/.test(timestamp)) return false;
  return Math.abs(now - Number(timestamp)) <= toleranceMs;
}

/** A compiled IPv4 allow-list entry: `address & mask === network`. */
export interface Ipv4Range {
  network: number;
  mask: number;
}

/** Parses a dotted IPv4 address to an unsigned 32-bit number, or `undefined`. */
export function parseIpv4(address: string): number | undefined {
  const parts = address.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value >>> 0;
}

/** Parses `a.b.c.d` or `a.b.c.d/n` (0 ≤ n ≤ 32), or `undefined` when it is neither. */
export function parseIpv4Range(entry: string): Ipv4Range | undefined {
  const [address, bits, extra] = entry.trim().split('/');
  if (extra !== undefined || address === undefined) return undefined;
  const ip = parseIpv4(address);
  if (ip === undefined) return undefined;
  let prefix = 32;
  if (bits !== undefined) {
    if (!/^\d{1,2}$/.test(bits) || Number(bits) > 32) return undefined;
    prefix = Number(bits);
  }
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { network: (ip & mask) >>> 0, mask };
}

/** Strips the IPv4-mapped IPv6 prefix node reports for IPv4 clients on a dual-stack socket. */
export function normalizeAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/** Whether the address falls in any range. IPv6 addresses never match (DingTalk has no IPv6 allow-list). */
export function ipAllowed(address: string, ranges: readonly Ipv4Range[]): boolean {
  const ip = parseIpv4(normalizeAddress(address));
  if (ip === undefined) return false;
  for (const range of ranges) if ((ip & range.mask) >>> 0 === range.network) return true;
  return false;
}
