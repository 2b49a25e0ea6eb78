import { Bot } from './bot.js';
import type { BotOptions } from './options.js';

/**
 * The part of a running `@dingbot/emulator` (`startEmulator()`'s handle) a test bot needs; written out
 * here so this package does not depend on the emulator.
 */
export interface EmulatorLike {
  /** The emulator's base URL. */
  readonly url: string;
  /** A member writes to a robot. */
  chat(input: {
    robot: string;
    text: string;
    sender?: string;
    direct?: boolean;
    conversation?: string;
  }): Promise<{ msgId: string }>;
  /** The next reply to a message. */
  nextReply(msgId: string): Promise<{ payload: Record<string, unknown> }>;
}

/** A reply the robot posted, as the emulator recorded it. */
export interface TestReply {
  /** The message answered. */
  msgId: string;
  /** What a person reads: a text's content, a markdown's text, else `''`. */
  text: string;
  /** The posted body. */
  payload: Record<string, unknown>;
}

/** Options of {@link createTestBot}: the bot's, plus which emulator robot it is. */
export type TestBotOptions = Partial<BotOptions> & {
  /**
   * The robot people write to (its name, clientId or robotCode in the emulator).
   * @default 'bot'
   */
  robot?: string;
};

/** A bot running against an emulator, and a way to talk to it. */
export interface TestBot {
  /** The running bot. */
  readonly bot: Bot;
  /**
   * Writes `text` to the robot (as the group's first member unless `sender` says otherwise) and
   * resolves with its first reply. It has no deadline of its own: a bot that never answers hangs the
   * test, which the test runner's timeout reports.
   * @example const reply = await t.say('@bot ping'); // reply.text === 'pong'
   */
  say(text: string, from?: { sender?: string; direct?: boolean; conversation?: string }): Promise<TestReply>;
  /** Stops the bot (the emulator is the caller's to close). */
  stop(): Promise<void>;
}

/** The emulator's default app robot, as its README documents it (obviously fake credentials). */
const EMULATOR_APP = { clientId: 'dingemulatorappkey', clientSecret: 'emulator-app-secret-not-real' };

/**
 * Starts a bot against a running emulator, with handlers added by `setup`, so a test is three lines.
 * Uses the emulator's default app robot unless `clientId`/`clientSecret` say otherwise.
 * @example
 * const emulator = await startEmulator();
 * const t = await createTestBot(emulator, (bot) => bot.hears('ping', (ctx) => ctx.reply('pong')));
 * assert.equal((await t.say('@bot ping')).text, 'pong');
 */
export async function createTestBot(
  emulator: EmulatorLike,
  setup: (bot: Bot) => unknown,
  options: TestBotOptions = {},
): Promise<TestBot> {
  const { robot = 'bot', ...botOptions } = options;
  const bot = new Bot({ ...EMULATOR_APP, baseUrl: emulator.url, ...botOptions });
  await setup(bot);
  await bot.start();
  return {
    bot,
    async say(text, from = {}) {
      const { msgId } = await emulator.chat({ robot, text, ...from });
      const { payload } = await emulator.nextReply(msgId);
      const words =
        (payload['text'] as { content?: unknown } | undefined)?.content ??
        (payload['markdown'] as { text?: unknown } | undefined)?.text;
      return { msgId, text: typeof words === 'string' ? words : '', payload };
    },
    stop: () => bot.stop(),
  };
}
