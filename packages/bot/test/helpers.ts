import assert from 'node:assert/strict';
import { type EmulatorHandle, type EmulatorTimers, startEmulator } from '@dingbot/emulator';
import { Bot, type BotOptions, type StreamEvent } from '../src/index.js';

/** A clock and timers a test moves by hand: `advance(ms)` runs every timer that falls due, in order. */
export function manualTime(start = Date.UTC(2026, 0, 1)) {
  let now = start;
  const pending = new Set<{ due: number; ms: number; callback: () => void }>();
  const timers: EmulatorTimers = {
    setTimeout(callback, ms) {
      const timer = { due: now + ms, ms, callback };
      pending.add(timer);
      return timer;
    },
    clearTimeout(handle) {
      pending.delete(handle as { due: number; ms: number; callback: () => void });
    },
  };
  return {
    now: () => now,
    timers,
    /** The delays of the timers not yet run. */
    get pending(): number[] {
      return [...pending].map((t) => t.ms);
    },
    advance(ms: number) {
      const until = now + ms;
      for (;;) {
        const due = [...pending].filter((t) => t.due <= until).sort((a, b) => a.due - b.due)[0];
        if (!due) break;
        pending.delete(due);
        now = due.due;
        due.callback();
      }
      now = until;
    },
  };
}

/** Resolves once `condition()` holds, checking after each turn of the event loop (no deadline). */
export async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

/** A promise with its resolve function outside. */
export function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

export const APP = { clientId: 'dingbottest', clientSecret: 'bot-test-secret-not-real', name: 'bot' };
export const GROUP = {
  id: 'cidBotTest',
  title: 'Bot test',
  members: [
    { staffId: 'u1', name: 'Alice', admin: true },
    { staffId: 'u2', name: 'Bob' },
  ],
};

/** An emulator on its own manual clock (no pings, no redelivery unless the test advances it). */
export async function emulatorFor(): Promise<{
  emulator: EmulatorHandle;
  time: ReturnType<typeof manualTime>;
}> {
  const time = manualTime();
  const emulator = await startEmulator({
    apps: [APP],
    groups: [GROUP],
    now: time.now,
    timers: time.timers,
  });
  return { emulator, time };
}

/** A bot pointed at the emulator, recording its connection events. */
export function botFor(emulator: EmulatorHandle, options: Partial<BotOptions> = {}) {
  const events: StreamEvent[] = [];
  const warnings: string[] = [];
  const bot = new Bot({
    clientId: APP.clientId,
    clientSecret: APP.clientSecret,
    baseUrl: emulator.url,
    replyOptions: { retry: 'none', rateLimit: false },
    logger: { warn: (line) => warnings.push(line), error: (line) => warnings.push(line) },
    ...options,
  });
  bot.onConnection((event) => events.push(event));
  return { bot, events, warnings };
}

/** The payload DingTalk delivered for a chat, for a test that hands it to the bot itself (no Stream connection). */
export async function deliveredPayload(
  emulator: EmulatorHandle,
  input: Parameters<EmulatorHandle['chat']>[0],
) {
  const { msgId } = await emulator.chat(input);
  const chat = emulator.chats().find((c) => c.msgId === msgId);
  assert.ok(chat, `no chat record for ${msgId}`);
  return chat.message;
}
