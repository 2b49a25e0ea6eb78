/**
 * `@dingbot/redis`: share a DingTalk robot's rate limit and penalty between processes through Redis.
 * @packageDocumentation
 */
export { RedisStore, type RedisStoreOptions } from './store.js';
