import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startEmulator } from '@dingbot/emulator';
import { markdown } from '@dingbot/sdk';
import { createTestBot } from '../src/index.js';

test('createTestBot: a bot against the emulator in three lines', async () => {
  const emulator = await startEmulator();
  try {
    const t = await createTestBot(emulator, (bot) => {
      bot.hears('ping', (ctx) => ctx.reply('pong'));
      bot.command('help', (ctx) => ctx.reply(markdown('Help', '- deploy\n- oncall')));
    });
    // The default group's first member is manager001: the reply @-mentions them first.
    assert.equal((await t.say('@bot ping')).text, '@manager001 pong');
    assert.equal((await t.say('ping', { direct: true, sender: 'dev002' })).text, 'pong');
    const help = await t.say('@bot help');
    assert.equal(help.text, '- deploy\n- oncall');
    assert.equal(help.payload['msgtype'], 'markdown');
    await t.stop();
    assert.deepEqual(t.bot.resources, { sockets: 0, timers: 0, handlers: 0 });
  } finally {
    await emulator.close();
  }
});
