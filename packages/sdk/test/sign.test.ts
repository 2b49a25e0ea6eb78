import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { sign } from '../src/index.js';

/**
 * The signing snippet of DingTalk's guide (seeds/000, "python 3.8"), unchanged except that the
 * secret and timestamp come from JSON lines on stdin instead of constants, and one sign is printed per line.
 */
const SEED_SNIPPET = `
import sys, json
import time
import hmac
import hashlib
import base64
import urllib.parse

for line in sys.stdin:
    case = json.loads(line)
    timestamp = case['timestamp']
    secret = case['secret']
    secret_enc = secret.encode('utf-8')
    string_to_sign = '{}\\n{}'.format(timestamp, secret)
    string_to_sign_enc = string_to_sign.encode('utf-8')
    hmac_code = hmac.new(secret_enc, string_to_sign_enc, digestmod=hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(hmac_code))
    print(json.dumps(sign))
`;

interface Case {
  secret: string;
  timestamp: string;
}

/** Runs every case through ONE python3 process and returns its signs, in order. */
function pythonSigns(cases: readonly Case[]): string[] {
  const input = `${cases.map((c) => JSON.stringify(c)).join('\n')}\n`;
  const output = execFileSync('python3', ['-c', SEED_SNIPPET], { input, encoding: 'utf8' });
  return output
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as string);
}

const hex = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 1, maxLength: 80 });
const secrets = fc.oneof(
  hex.map((h) => `SEC${h}`),
  // Any well-formed Unicode: the guide says UTF-8 for both key and data.
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
);
// Realistic millisecond timestamps and the edges (0, far future).
const timestamps = fc.oneof(
  fc.integer({ min: 1_500_000_000_000, max: 2_100_000_000_000 }),
  fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
);

test('sign() equals the Python snippet of DingTalk’s guide for many random secrets and timestamps', async () => {
  const samples = fc.sample(fc.tuple(secrets, timestamps), { numRuns: 600, seed: 20240607 });
  samples.push(['this is secret', 1_700_000_000_000], ['SEC', 0], ['', 1], ['SEC+/=&%中文😀', 1]);
  const cases = samples.map(([secret, timestamp]) => ({ secret, timestamp: String(timestamp) }));
  const expected = pythonSigns(cases);
  assert.equal(expected.length, cases.length);
  for (const [i, c] of cases.entries()) {
    assert.equal(sign(c.secret, Number(c.timestamp)), expected[i], `secret ${JSON.stringify(c.secret)}`);
    // A timestamp given as a string signs the same.
    assert.equal(sign(c.secret, c.timestamp), expected[i]);
  }
});

test('sign() is URL-encoded exactly once: no raw +, / or =, and decoding gives the base64 HMAC', async () => {
  await fc.assert(
    fc.asyncProperty(secrets, timestamps, async (secret, timestamp) => {
      const result = sign(secret, timestamp);
      assert.doesNotMatch(result, /[+/=]/);
      assert.doesNotMatch(result, /%25/, 'double encoding');
      const mac = createHmac('sha256', Buffer.from(secret, 'utf8'))
        .update(Buffer.from(`${timestamp}\n${secret}`, 'utf8'))
        .digest('base64');
      assert.equal(decodeURIComponent(result), mac);
    }),
    { numRuns: 300 },
  );
});

test('the guide’s known answer: a fixed secret and timestamp', async () => {
  // Computed independently with node:crypto, so a wrong recipe (data or key swapped, seconds) fails.
  const mac = createHmac('sha256', 'SECabc').update('1700000000000\nSECabc').digest('base64');
  assert.equal(sign('SECabc', 1_700_000_000_000), encodeURIComponent(mac));
  assert.notEqual(sign('SECabc', 1_700_000_000), sign('SECabc', 1_700_000_000_000));
});
