/**
 * `@dingbot/redis`: share a DingTalk robot's rate limit and penalty between processes through Redis.
 * @packageDocumentation
 */
export { RedisStore, RedisStoreError, type RedisStoreOptions } from './store.js';
