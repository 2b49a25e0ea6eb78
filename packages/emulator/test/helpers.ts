import { createHmac } from 'node:crypto';
import type { Hono } from 'hono';

/** The documented DingTalk signature, computed independently of the emulator: base64, not yet URL-encoded. */
export function dingSign(secret: string, timestamp: number | string): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${secret}`, 'utf8').digest('base64');
}

/** A signed path, the sign URL-encoded exactly once as DingTalk documents. */
export function signedPath(token: string, secret: string, timestamp: number): string {
  const sign = encodeURIComponent(dingSign(secret, timestamp));
  return `/robot/send?access_token=${token}&timestamp=${timestamp}&sign=${sign}`;
}

export const text = (content: string, extra: Record<string, unknown> = {}) => ({
  msgtype: 'text',
  text: { content },
  ...extra,
});

export interface SendOptions {
  headers?: Record<string, string>;
  env?: Record<string, unknown>;
  method?: string;
}

/** POSTs a JSON body (or a raw string) to the app the way a DingTalk client would. */
export async function send(
  app: Hono,
  path: string,
  body: unknown,
  options: SendOptions = {},
): Promise<{ status: number; json: { errcode: number; errmsg: string } }> {
  const res = await app.request(
    path,
    {
      method: options.method ?? 'POST',
      headers: { 'content-type': 'application/json', ...options.headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    },
    options.env,
  );
  return { status: res.status, json: (await res.json()) as { errcode: number; errmsg: string } };
}

/** A clock a test moves by hand. */
export function fakeClock(start = Date.UTC(2026, 0, 1)) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

/**
 * CPU milliseconds one call of `work()` takes, over a batch of at least `minMs`. CPU time, not wall
 * time: on a loaded machine a long call is preempted in proportion to its length while a short
 * batch may run whole, which once made a linear parse look 50× slower at 10× the size.
 */
function perCall(work: () => void, minMs = 10): number {
  const started = process.cpuUsage();
  let calls = 0;
  let elapsed = 0;
  do {
    work();
    calls++;
    const used = process.cpuUsage(started);
    elapsed = (used.user + used.system) / 1000;
  } while (elapsed < minMs);
  return elapsed / calls;
}

/**
 * How much slower `work(large)` runs than `work(small)`, both measured in this run (no wall-clock
 * budget; CPU time, see `perCall`): about `large / small` when the work is linear, its square when it is quadratic. Batches
 * of both sizes alternate, so a change of load hits both, and each side keeps its fastest batch.
 */
export function growthRatio(work: (size: number) => void, small: number, large: number, runs = 7): number {
  // Warm up first, alternating sizes: code V8 optimised for one input can run another size in a
  // slower tier until it settles (a linear parse once measured 58× at 10× the size, then 12×).
  perCall(() => {
    work(small);
    work(large);
  }, 100);
  let smallMs = Number.POSITIVE_INFINITY;
  let largeMs = Number.POSITIVE_INFINITY;
  for (let run = 0; run < runs; run++) {
    smallMs = Math.min(
      smallMs,
      perCall(() => work(small)),
    );
    largeMs = Math.min(
      largeMs,
      perCall(() => work(large)),
    );
  }
  return largeMs / smallMs;
}

/**
 * Asserts that `work` grows about linearly from `small` to `large = 10 × small`: under 50× the time
 * (linear is about 10×, quadratic 100×). A busy machine can stall a measurement (a linear parse was
 * once measured at 55× on a loaded 2-core machine), so a ratio over the bound is measured again, up to
 * five times; a quadratic algorithm fails all five.
 */
export function assertLinear(work: (size: number) => void, small: number, label: string): void {
  let ratio = Number.POSITIVE_INFINITY;
  for (let attempt = 0; attempt < 5 && ratio >= 50; attempt++) {
    ratio = Math.min(ratio, growthRatio(work, small, small * 10));
  }
  if (ratio >= 50) throw new Error(`${label}: 10× the input took ${ratio.toFixed(1)}× the time`);
}
