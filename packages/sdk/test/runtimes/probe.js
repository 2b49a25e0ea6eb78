// The same checks in every runtime: the built SDK as users install it (`@dingbot/sdk`, resolved
// through package.json with the runtime's own conditions), a signed message, then a burst of 50
// through a rate limit. Plain JavaScript, so each runtime runs it as is.
import { Robot } from '@dingbot/sdk';

/**
 * Sends a signed message and a burst of `burst` messages; counts the calls that reached the
 * global `fetch`, which tells which transport the runtime's default is.
 * @param {{ webhook: string, secret: string, runId: string, burst: number, limit: number, windowMs: number }} params
 */
export async function runProbe(params) {
  const realFetch = globalThis.fetch;
  let fetchCalls = 0;
  // The default transport off Node looks the global fetch up at each call, so this sees it.
  globalThis.fetch = (...args) => {
    fetchCalls++;
    return realFetch(...args);
  };
  try {
    const single = new Robot({ webhook: params.webhook, secret: params.secret, retry: 'none' });
    const first = await single.text(`${params.runId} signed`);
    await single.close();

    const burst = new Robot({
      webhook: params.webhook,
      secret: params.secret,
      rateLimit: { limit: params.limit, windowMs: params.windowMs },
      // If the emulator ever throttles, fail fast instead of waiting out a long penalty.
      penalty: 'fail',
    });
    const results = await Promise.allSettled(
      Array.from({ length: params.burst }, (_, i) => burst.text(`${params.runId} burst #${i};`)),
    );
    await burst.close();
    return {
      firstAttempts: first.attempts,
      fulfilled: results.filter((r) => r.status === 'fulfilled').length,
      rejected: results
        .filter((r) => r.status === 'rejected')
        .map((r) => String(r.reason?.message ?? r.reason)),
      fetchCalls,
    };
  } finally {
    globalThis.fetch = realFetch;
  }
}
