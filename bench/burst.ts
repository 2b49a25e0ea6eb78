/**
 * Burst delivery: the same burst of messages, fired at once, through dingbot and through a naive loop
 * of plain `fetch` calls (what most robot libraries amount to), against the emulator with DingTalk's
 * limit scaled down. Reports messages lost, sends refused as throttled, sends made, and the time until
 * the content of the last message arrived.
 *
 * Run directly: `node --conditions=development --import tsx bench/burst.ts` prints JSON.
 */
import { performance } from 'node:perf_hooks';
import { type MessageRecord, startEmulator } from '@dingbot/emulator';
import { Robot } from '@dingbot/sdk';

/** What one contender achieved. */
export interface BurstSide {
  /** Messages whose content never reached the group. */
  lost: number;
  /** Sends refused with 130101 / 410100. */
  throttled: number;
  /** Sends the group accepted. */
  sends: number;
  /** Messages the sender reported as sent (promise fulfilled / HTTP 200). */
  reportedSent: number;
  /** Messages whose content arrived. */
  delivered: number;
  /** From the first send to the arrival of the last message's content that arrived, in ms. */
  timeToLastContentMs: number;
  /** Wall time until the sender was done (all promises settled / loop over), in ms. */
  senderDoneMs: number;
}

/** The result of {@link benchBurst}. */
export interface BurstResult {
  messages: number;
  limit: number;
  windowMs: number;
  penaltyMs: number;
  dingbot: BurstSide;
  naive: BurstSide;
}

const content = (i: number) => `alert <${i}>: CPU 97% on web-${i % 13} (burst test)`;

function bodyOf(record: MessageRecord): string {
  const p = record.payload as { text?: { content?: string }; markdown?: { text?: string } };
  return p.text?.content ?? p.markdown?.text ?? '';
}

/** First arrival time of each message's content, by index (undefined: never arrived). */
function arrivals(records: MessageRecord[], messages: number): (number | undefined)[] {
  const seen: (number | undefined)[] = new Array(messages).fill(undefined);
  for (const record of records) {
    for (const m of bodyOf(record).matchAll(/<(\d+)>/g)) {
      const i = Number(m[1]);
      if (i < messages && seen[i] === undefined) seen[i] = record.receivedAt;
    }
  }
  return seen;
}

function summarize(
  records: MessageRecord[],
  throttled: number,
  messages: number,
  reportedSent: number,
  startedAt: number,
  senderDoneMs: number,
): BurstSide {
  const seen = arrivals(records, messages);
  const times = seen.filter((t): t is number => t !== undefined);
  return {
    lost: messages - times.length,
    throttled,
    sends: records.length,
    reportedSent,
    delivered: times.length,
    timeToLastContentMs: times.length ? Math.max(0, Math.max(...times) - startedAt) : 0,
    senderDoneMs: Math.round(senderDoneMs),
  };
}

/**
 * Fires `messages` messages at once through dingbot and through a naive `fetch` loop.
 * @example await benchBurst({ messages: 1000, limit: 20, windowMs: 2000, penaltyMs: 3000 })
 */
export async function benchBurst({
  messages = 1000,
  limit = 20,
  windowMs = 2000,
  penaltyMs = 3000,
} = {}): Promise<BurstResult> {
  const emulator = await startEmulator({
    port: 0,
    rateLimit: { limit, windowMs },
    penaltyMs,
    maxRecords: messages * 2 + 100,
    robots: [
      { token: 'bench-dingbot', name: 'dingbot' },
      { token: 'bench-naive', name: 'naive' },
    ],
  });
  try {
    const throttledOf = (robot: string) =>
      emulator.attempts({ robot }).filter((a) => a.errcode === 130101 || a.errcode === 410100).length;

    // dingbot: fire everything, await every promise.
    const robot = new Robot({
      accessToken: 'bench-dingbot',
      baseUrl: emulator.url,
      rateLimit: { limit, windowMs },
      penaltyMs,
      retry: 'fast',
    });
    let startedAt = Date.now();
    let t0 = performance.now();
    const settled = await Promise.allSettled(
      Array.from({ length: messages }, (_, i) => robot.text(content(i))),
    );
    const dingbotDone = performance.now() - t0;
    await robot.close();
    const dingbot = summarize(
      emulator.messages({ robot: 'dingbot' }),
      throttledOf('dingbot'),
      messages,
      settled.filter((s) => s.status === 'fulfilled').length,
      startedAt,
      dingbotDone,
    );

    // Naive: a loop of plain fetch calls, success judged by the HTTP status, as many libraries do.
    const url = emulator.webhookUrl('bench-naive');
    startedAt = Date.now();
    t0 = performance.now();
    let reported = 0;
    for (let i = 0; i < messages; i++) {
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ msgtype: 'text', text: { content: content(i) } }),
        });
        await response.text();
        if (response.ok) reported++;
      } catch {
        // a naive client logs and moves on
      }
    }
    const naiveDone = performance.now() - t0;
    const naive = summarize(
      emulator.messages({ robot: 'naive' }),
      throttledOf('naive'),
      messages,
      reported,
      startedAt,
      naiveDone,
    );
    return { messages, limit, windowMs, penaltyMs, dingbot, naive };
  } finally {
    await emulator.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await benchBurst();
  console.log(JSON.stringify(result, null, 2));
}
