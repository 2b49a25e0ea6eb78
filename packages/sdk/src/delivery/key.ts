/**
 * The key a robot's window and penalty are stored under: `dingbot:` and a 64-bit FNV-1a hash of
 * the access token, so the same robot shares one window everywhere while the token never reaches the store.
 * @example robotKey('6a1c…') // 'dingbot:9c0f1e2d3b4a5968'
 */
export function robotKey(token: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0;
    h2 ^= h2 >>> 15;
  }
  return `dingbot:${h1.toString(16).padStart(8, '0')}${(h2 >>> 0).toString(16).padStart(8, '0')}`;
}
