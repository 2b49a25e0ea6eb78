/**
 * A version-4 UUID for the `msgUuid` of the one message a `dingbot send` posts, made from
 * `Math.random` instead of `crypto.randomUUID()`.
 *
 * A msgUuid is DingTalk's idempotency key: it has to be unique, not secret (the access token is the
 * secret). V8 seeds `Math.random` afresh in every process from the operating system's entropy, so
 * two runs never share a sequence, and 122 random bits make a collision as unlikely as with the
 * crypto module. What the crypto module would cost: loading it and setting up its OpenSSL binding
 * takes about 5 ms of a one-shot process's life, a tenth of a whole `send` (bench/cli-start.ts). The
 * SDK keeps `crypto.randomUUID()` for the messages it numbers itself (digests, split parts).
 * @example messageUuid() // '3b241101-e2bb-4255-8caf-4136c566a962'
 */
export function messageUuid(random: () => number = Math.random): string {
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 16; i += 4) {
    // 32 of the 52 random bits of each draw.
    const word = Math.floor(random() * 0x1_0000_0000) >>> 0;
    bytes[i] = word >>> 24;
    bytes[i + 1] = (word >>> 16) & 0xff;
    bytes[i + 2] = (word >>> 8) & 0xff;
    bytes[i + 3] = word & 0xff;
  }
  bytes[6] = (bytes[6]! & 0x0f) | 0x40; // version 4
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // variant 10
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
