// The core's own HMAC-SHA256 must agree with OpenSSL (node:crypto) on every key and message shape:
// empty, shorter and longer than a block, keys over 64 bytes (hashed first), multi-byte UTF-8.
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { hmacSha256, sha256 } from '../src/utils/hmac-sha256.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

test('sha256 matches node:crypto for byte strings of every length around the block boundaries', () => {
  for (let length = 0; length <= 200; length++) {
    const data = new Uint8Array(length).map((_, i) => (i * 31 + length) & 0xff);
    assert.equal(hex(sha256(data)), createHash('sha256').update(data).digest('hex'), `length ${length}`);
  }
});

test('sha256 of the FIPS 180-2 test vector "abc"', () => {
  assert.equal(
    hex(sha256(new TextEncoder().encode('abc'))),
    'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
  );
});

test('HMAC-SHA256 of RFC 4231 test case 2', () => {
  assert.equal(
    hex(hmacSha256('Jefe')('what do ya want for nothing?')),
    '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
  );
});

test('hmacSha256 matches node:crypto for random keys and messages (property)', () => {
  fc.assert(
    fc.property(
      fc.string({ unit: 'binary', maxLength: 150 }),
      fc.string({ unit: 'binary', maxLength: 300 }),
      (key, message) => {
        const mac = hmacSha256(key);
        const expected = createHmac('sha256', key).update(message).digest('hex');
        assert.equal(hex(mac(message)), expected);
        // the prepared key state is reused: a second message through the same function is right too
        assert.equal(hex(mac(`${message}!`)), createHmac('sha256', key).update(`${message}!`).digest('hex'));
      },
    ),
    { numRuns: 400 },
  );
});
