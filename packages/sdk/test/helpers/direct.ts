import type { RobotOptions } from '../../src/index.js';

/**
 * Delivery options that make a Robot post each message at once and fail fast on a throttle, so the
 * SDK-core tests see the transport's behaviour (the delivery engine has its own tests).
 */
export const DIRECT = {
  rateLimit: false,
  penalty: 'fail',
  penaltyMs: 0,
} as const satisfies Partial<RobotOptions>;
