import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { createEmulatorApp } from '../src/index.js';
import { dingSign, fakeClock, send, text } from './helpers.js';

describe('properties', () => {
  test('460101 exactly when the body is over 20000 UTF-8 bytes, for any unicode content', async () => {
    const { app } = createEmulatorApp({ rateLimit: false, maxRecords: 10 });
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'binary', maxLength: 5000 }),
        fc.integer({ min: -40, max: 40 }),
        async (content, delta) => {
          const target = 20_000 + delta;
          const envelope = Buffer.byteLength(JSON.stringify(text(content)));
          fc.pre(envelope <= target);
          const body = JSON.stringify(text(content + 'a'.repeat(target - envelope)));
          assert.equal(Buffer.byteLength(body), target);
          const { json } = await send(app, '/robot/send?access_token=prop', body);
          assert.equal(json.errcode, target > 20_000 ? 460101 : 0);
        },
      ),
      { numRuns: 150 },
    );
  });

  test('a mention pings exactly when @<mobile> is written in the text', async () => {
    const { app, state } = createEmulatorApp({ rateLimit: false, maxRecords: 1 });
    const mobile = fc.stringMatching(/^1[3-9]\d{9}$/);
    const filler = fc.string({ unit: 'grapheme', maxLength: 20 }).map((s) => s.replace(/[@\d]/g, ''));
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.tuple(mobile, fc.boolean()), { maxLength: 6, selector: ([m]) => m }),
        filler,
        fc.boolean(),
        async (entries, pad, isAtAll) => {
          const written = entries.filter(([, w]) => w).map(([m]) => m);
          const unwritten = entries.filter(([, w]) => !w).map(([m]) => m);
          const content = `${pad}${written.map((m) => ` @${m} `).join(pad)}${pad}` || 'x';
          const body = text(content, { at: { atMobiles: entries.map(([m]) => m), isAtAll } });
          assert.equal((await send(app, '/robot/send?access_token=prop', body)).json.errcode, 0);
          const mentions = state.messages().at(-1)?.mentions;
          assert.deepEqual(mentions?.mobiles, written);
          assert.deepEqual(mentions?.missing.mobiles, unwritten);
          assert.equal(mentions?.all, isAtAll);
        },
      ),
      { numRuns: 150 },
    );
  });

  test('any secret: the documented sign passes; a changed or double-encoded sign fails', async () => {
    const clock = fakeClock();
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 64 }),
        fc.integer({ min: -3_500_000, max: 3_500_000 }),
        fc.integer({ min: 0, max: 43 }),
        async (secret, skew, flipAt) => {
          const { app } = createEmulatorApp({
            robots: [{ token: 't', secret }],
            now: clock.now,
            rateLimit: false,
          });
          const ts = clock.now() + skew;
          const sign = dingSign(secret, ts);
          const url = (s: string) => `/robot/send?access_token=t&timestamp=${ts}&sign=${s}`;
          assert.equal((await send(app, url(encodeURIComponent(sign)), text('x'))).json.errcode, 0);

          const index = flipAt % sign.length;
          const flipped = sign.slice(0, index) + (sign[index] === 'A' ? 'B' : 'A') + sign.slice(index + 1);
          assert.equal(
            (await send(app, url(encodeURIComponent(flipped)), text('x'))).json.errmsg,
            'sign not match',
          );

          const once = encodeURIComponent(sign);
          if (once !== sign) {
            const twice = encodeURIComponent(once);
            assert.equal((await send(app, url(twice), text('x'))).json.errmsg, 'sign not match');
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
