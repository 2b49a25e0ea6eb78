import type { RetryPolicy } from '../defaults.js';
import { isDingbotError } from '../errors/base.js';
import { AbortedError } from '../errors/client.js';
import { ERROR_CODES } from '../errors/codes.js';

export type { RetryPolicy } from '../defaults.js';

/** The delay before retry number `retry` (1-based). */
export function retryDelay(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const base = Math.min(policy.maxDelayMs, policy.minDelayMs * policy.factor ** (retry - 1));
  return policy.jitter ? base / 2 + random() * (base / 2) : base;
}

/**
 * Whether the transport may try again: the codes whose `transportRetries` trait is set (network
 * errors, timeouts, HTTP 5xx/429, errcode -1), when the error itself is `retryable`. Throttling is not
 * retried here: the delivery engine waits out the penalty instead.
 */
export function shouldRetry(error: unknown): boolean {
  return isDingbotError(error) && ERROR_CODES[error.code]?.transportRetries === true && error.retryable;
}

/** Resolves after `ms` milliseconds, or rejects with an `AbortedError` as soon as `signal` aborts. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(new AbortedError(signal.reason));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortedError(signal?.reason));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A signal that aborts when either does (`AbortSignal.any` where the runtime has it). */
export function anySignal(a: AbortSignal, b: AbortSignal): AbortSignal {
  const any = (AbortSignal as { any?: (signals: AbortSignal[]) => AbortSignal }).any;
  if (any) return any([a, b]);
  const controller = new AbortController();
  for (const signal of [a, b]) {
    if (signal.aborted) {
      controller.abort(signal.reason);
      break;
    }
    signal.addEventListener('abort', () => controller.abort(signal.reason), { once: true });
  }
  return controller.signal;
}
