/**
 * The ChatOps robot (`chatops.ts`) in the `npm start` demo and in a conversation printed by the example
 * when it runs alone. Kept apart from `demo.ts` so the demo only calls {@link startChatOps}.
 */
import { Bot } from '@dingbot/bot';
import { type EmulatorHandle, type MessageRecord, startEmulator } from '@dingbot/emulator';

/** The emulator's default app robot, as its README documents it (obviously fake credentials). */
export const EMULATOR_APP = { clientId: 'dingemulatorappkey', clientSecret: 'emulator-app-secret-not-real' };

/** The ChatOps robot running against an emulator. */
export interface RunningChatOps {
  bot: Bot;
  /** What the demo prints about it. */
  line: string;
  /** Stops the robot (its socket and handlers); the emulator is the caller's. */
  stop(): Promise<void>;
}

/**
 * Starts the ChatOps robot against the demo's emulator in Stream mode, as the emulator's default app
 * robot `bot`, so the preview's chat box can talk to it.
 */
export async function startChatOps(emulator: EmulatorHandle): Promise<RunningChatOps> {
  const { chatOps } = await import('./chatops.js');
  const bot = chatOps(new Bot({ ...EMULATOR_APP, baseUrl: emulator.url }));
  bot.catch((error, ctx) => console.error(`chatops: "${ctx.text}" failed:`, error));
  await bot.start();
  return {
    bot,
    line: [
      '  chat box:        at the bottom of the preview; the ChatOps robot (examples/chatops.ts) answers',
      '                   there: try "@bot help", "@bot deploy api", "@bot oncall"',
    ].join('\n'),
    stop: () => bot.stop(),
  };
}

/** What a reply says, as a person reads it. */
function words(reply: MessageRecord): string {
  const payload = reply.payload as { text?: { content?: string }; markdown?: { text?: string } };
  return payload.text?.content ?? payload.markdown?.text ?? JSON.stringify(payload);
}

/** One thing said to the robot, by a member of the emulator's default group (its admin by default). */
export type Line = string | { text: string; sender: string };

/**
 * Starts an emulator and the robot `setup` builds, says each line to it in the default group, prints
 * each exchange, then closes both.
 */
export async function converse(lines: Line[], setup: (bot: Bot) => Bot): Promise<void> {
  const emulator = await startEmulator();
  const bot = setup(new Bot({ ...EMULATOR_APP, baseUrl: emulator.url }));
  await bot.start();
  console.log('talking to the ChatOps robot in an emulator embedded in this example:\n');
  try {
    for (const line of lines) {
      const { text, sender } = typeof line === 'string' ? { text: line, sender: 'manager001' } : line;
      const { msgId } = await emulator.chat({ robot: 'bot', text, sender });
      // The robot acks at once and then answers: wait for the ack, then for its handlers to finish.
      const acked = () => emulator.chats('bot').find((c) => c.msgId === msgId)?.ackedAt !== undefined;
      while (!acked() || bot.resources.handlers > 0) await new Promise((resolve) => setTimeout(resolve, 10));
      const chat = emulator.chats('bot').find((c) => c.msgId === msgId);
      console.log(`  ${(chat?.message['senderNick'] as string | undefined) ?? sender}: ${text}`);
      for (const reply of emulator.messages().filter((m) => m.inReplyTo === msgId)) {
        console.log(`  bot: ${words(reply).replaceAll('\n', '\n       ')}`);
      }
      console.log('');
    }
  } finally {
    await bot.stop();
    await emulator.close();
  }
  console.log(
    '(That emulator is closed now. To talk to the robot yourself: run `npm start` and use the chat box of its preview.)',
  );
}
