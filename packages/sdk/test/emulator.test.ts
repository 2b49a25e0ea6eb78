import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type EmulatorHandle, startEmulator, type Wording } from '@dingbot/emulator';
import {
  actionCard,
  feedCard,
  IpNotAllowedError,
  KeywordError,
  link,
  type Message,
  markdown,
  RateLimitedError,
  Robot,
  type RobotOptions,
  RobotUnavailableError,
  SignatureError,
  TimestampError,
  TokenError,
  text,
} from '../src/index.js';
import { DIRECT } from './helpers/direct.js';

const PLAIN = 'plain0123456789plain0123456789';
const SIGNED = 'signed0123456789signed01234567';
const KEYWORD = 'keyword0123456789keyword012345';
const GUARDED = 'guarded0123456789guarded01234';
const SECRET = 'SECc0ffee0123456789abcdef0123456789abcdef';
const URL_A = 'https://example.com/a';
const PIC = 'https://example.com/p.png';

for (const wording of ['legacy', 'modern'] as Wording[]) {
  describe(`through the emulator (${wording} wording)`, () => {
    let emulator: EmulatorHandle;
    before(async () => {
      emulator = await startEmulator({
        port: 0,
        wording,
        rateLimit: false,
        robots: [
          { token: PLAIN, name: 'plain' },
          { token: SIGNED, name: 'signed', secret: SECRET },
          { token: KEYWORD, name: 'keyword', keywords: ['告警', 'alert'] },
          { token: GUARDED, name: 'guarded', ipAllowList: ['10.0.0.0/8'] },
          { token: 'disabled0123456789disabled0123', name: 'disabled', state: 'disabled' },
          { token: 'dissolved0123456789dissolved01', name: 'dissolved', state: 'dissolved' },
          { token: 'gone0123456789gone0123456789go', name: 'gone', state: 'gone' },
        ],
      });
    });
    after(() => emulator.close());

    const robot = (token: string, options: Partial<RobotOptions> = {}) =>
      new Robot({ webhook: emulator.webhookUrl(token), retry: 'none', ...DIRECT, ...options });

    const lastPayload = (name: string) => {
      const { msgUuid, ...rest } = emulator.messages({ robot: name }).at(-1)!.payload;
      assert.equal(typeof msgUuid, 'string');
      return rest;
    };

    test('every message type is delivered as built', async () => {
      const messages: Message[] = [
        text('build #42 passed', { at: { mobiles: ['13800000000'] } }),
        markdown('Deploy', '### Deploy done\n\n- **api** 1.4.2'),
        link({ title: 'Release', text: 'What changed', url: URL_A, picUrl: PIC }),
        actionCard({ title: 'Approve?', text: 'Deploy 1.4', button: { title: 'Open', url: URL_A } }),
        actionCard({
          title: 'Approve?',
          text: 'Deploy 1.4',
          buttons: [
            { title: 'Yes', url: URL_A },
            { title: 'No', url: 'https://example.com/no' },
          ],
          orientation: 'horizontal',
        }),
        feedCard([{ title: 'Incident 311', url: URL_A, picUrl: PIC }]),
      ];
      const r = robot(PLAIN);
      for (const message of messages) {
        const result = await r.send(message);
        const record = emulator.messages({ robot: 'plain' }).at(-1)!;
        assert.equal(record.payload.msgUuid, result.msgUuid);
        const expected =
          message.msgtype === 'text'
            ? { ...message, text: { content: 'build #42 passed @13800000000' } }
            : message;
        assert.deepEqual(lastPayload('plain'), expected);
      }
      assert.equal(emulator.messages({ robot: 'plain' }).length, messages.length);
    });

    test('a signed robot delivers; a wrong secret is a SignatureError; a skewed clock a TimestampError', async () => {
      await robot(SIGNED, { secret: SECRET }).text('signed hello');
      assert.deepEqual(lastPayload('signed'), { msgtype: 'text', text: { content: 'signed hello' } });

      const wrong = await robot(SIGNED, { secret: `${SECRET}0` })
        .text('x')
        .catch((e: unknown) => e);
      assert.ok(wrong instanceof SignatureError, String(wrong));
      assert.equal(wrong.code, 'SIGN_MISMATCH');

      const skewed = await robot(SIGNED, { secret: SECRET, now: () => Date.now() - 2 * 3_600_000 })
        .text('x')
        .catch((e: unknown) => e);
      assert.ok(skewed instanceof TimestampError, String(skewed));

      const unsigned = await robot(SIGNED)
        .text('x')
        .catch((e: unknown) => e);
      assert.ok(unsigned instanceof TimestampError || unsigned instanceof SignatureError, String(unsigned));
    });

    test('a keyword robot: dingbot adds the keyword; without it DingTalk refuses', async () => {
      await robot(KEYWORD, { keywords: ['告警', 'alert'] }).text('disk full');
      assert.equal((lastPayload('keyword').text as { content: string }).content, 'disk full\n告警');
      await robot(KEYWORD, { keywords: ['告警'], keywordPlacement: 'start' }).markdown('Disk', 'disk full');
      assert.equal((lastPayload('keyword').markdown as { text: string }).text, '告警\n\ndisk full');

      const refused = await robot(KEYWORD)
        .text('disk full')
        .catch((e: unknown) => e);
      assert.ok(refused instanceof KeywordError, String(refused));
      const misconfigured = await robot(KEYWORD, { keywords: ['warn'] })
        .text('disk full')
        .catch((e: unknown) => e);
      assert.ok(misconfigured instanceof KeywordError);
      assert.ok(misconfigured.hint.includes('"warn"'), misconfigured.hint);
    });

    test('an IP outside the allow-list', async () => {
      const error = await robot(GUARDED)
        .text('x')
        .catch((e: unknown) => e);
      assert.ok(error instanceof IpNotAllowedError, String(error));
      if (wording === 'legacy') assert.equal(error.ip, '127.0.0.1');
    });

    test('unknown token, disabled robot, dissolved group, robot gone', async () => {
      const unknown = await robot('nobody0123456789nobody0123456')
        .text('x')
        .catch((e: unknown) => e);
      assert.ok(unknown instanceof TokenError);
      assert.equal(unknown.code, 'UNKNOWN_TOKEN');
      for (const reason of ['disabled', 'dissolved', 'gone'] as const) {
        const error = await robot(`${reason}0123456789${reason}0123456789${reason}`.slice(0, 30))
          .text('x')
          .catch((e: unknown) => e);
        assert.ok(error instanceof RobotUnavailableError, `${reason}: ${String(error)}`);
        assert.equal(error.reason, reason);
      }
    });
  });
}

test('the emulator’s rate limit surfaces as RateLimitedError and is not retried', async () => {
  const emulator = await startEmulator({
    port: 0,
    rateLimit: { limit: 2, windowMs: 60_000 },
    robots: [{ token: PLAIN, name: 'plain' }],
  });
  try {
    const robot = new Robot({ webhook: emulator.webhookUrl(PLAIN), retry: 'fast', ...DIRECT });
    await robot.text('one');
    await robot.text('two');
    const error = await robot.text('three').catch((e: unknown) => e);
    assert.ok(error instanceof RateLimitedError, String(error));
    assert.equal(error.retryable, true);
    assert.equal(emulator.attempts().length, 1, 'one refused attempt: no retry');
  } finally {
    await emulator.close();
  }
});
