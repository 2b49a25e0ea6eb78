/**
 * `@dingbot/redis`: share a DingTalk robot's rate limit and penalty between processes through Redis,
 * and let the replicas of a `@dingbot/bot` robot drop duplicate messages together.
 * @packageDocumentation
 */
export { RedisDedupeStore, type RedisDedupeStoreOptions } from './dedupe.js';
export { RedisStore, RedisStoreError, type RedisStoreOptions } from './store.js';
