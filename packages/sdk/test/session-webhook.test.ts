import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { inspect } from 'node:util';
import { type EmulatorHandle, startEmulator } from '@dingbot/emulator';
import { OptionsError, Robot, SessionExpiredError } from '../src/index.js';
import { DIRECT } from './helpers/direct.js';

describe('a Robot on a callback sessionWebhook', () => {
  let emulator: EmulatorHandle;
  before(async () => {
    emulator = await startEmulator({ port: 0 });
  });
  after(() => emulator.close());

  test('replies land in the chat; the session is redacted; an expired session is SessionExpiredError', async () => {
    const { msgId, sessionWebhook } = await emulator.chat({ robot: 'bot', text: '@bot ping' });
    const session = new URL(sessionWebhook).searchParams.get('session') as string;
    const robot = new Robot({ webhook: sessionWebhook, retry: 'none', ...DIRECT });
    assert.equal(robot.url.includes(session), false);
    const reply = emulator.nextReply(msgId);
    await robot.text('pong');
    assert.deepEqual((await reply).payload.text, { content: 'pong' });

    emulator.chaos('bot', { action: 'expireSessions', msgId });
    const error = await robot.text('late').then(
      () => assert.fail('sent to an expired session'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof SessionExpiredError, String(error));
    assert.equal(inspect(error, { depth: 10 }).includes(session), false);
  });

  test('a session parameter on another path is not a token', () => {
    assert.throws(
      () => new Robot({ webhook: 'https://oapi.dingtalk.com/robot/send?session=abcdef' }),
      (error: unknown) => error instanceof OptionsError && /has no access_token/.test(error.message),
    );
  });
});
