// Lua run atomically inside Redis, on Redis's own clock (TIME), so every process agrees on "now".
// KEYS[1] window (sorted set: ticket -> time), KEYS[2] penalty (string with a TTL), KEYS[3] ticket counter.

const NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/** ARGV: limit, windowMs. Returns {1, remaining, ticket} or {0, retryInMs, isPenalty}. */
export const ACQUIRE = `${NOW}
local pttl = redis.call('PTTL', KEYS[2])
if pttl > 0 then return {0, pttl, 1} end
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local used = redis.call('ZCARD', KEYS[1])
if used >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {0, math.max(1, tonumber(oldest[2]) + window - now + 1), 0}
end
local ticket = redis.call('INCR', KEYS[3])
redis.call('ZADD', KEYS[1], now, ticket)
redis.call('PEXPIRE', KEYS[1], window + 60000)
redis.call('PEXPIRE', KEYS[3], window + 60000)
return {1, limit - used - 1, ticket}
`;

/** ARGV: ticket. Moves the slot's time to now (the send is over), never earlier. */
export const SETTLE = `${NOW}
local at = redis.call('ZSCORE', KEYS[1], ARGV[1])
if at and tonumber(at) < now then redis.call('ZADD', KEYS[1], 'XX', now, ARGV[1]) end
return 1
`;

/** ARGV: ms. Starts or extends the penalty; never shortens one. */
export const PENALIZE = `
local ms = tonumber(ARGV[1])
if redis.call('PTTL', KEYS[2]) < ms then redis.call('SET', KEYS[2], '1', 'PX', ms) end
return 1
`;

/** ARGV: windowMs, then the ages (ms ago) of sends made while Redis was unreachable: counted in the window. */
export const ADOPT = `${NOW}
local window = tonumber(ARGV[1])
for i = 2, #ARGV do
  local age = tonumber(ARGV[i])
  if age < window then
    local ticket = redis.call('INCR', KEYS[3])
    redis.call('ZADD', KEYS[1], now - age, ticket)
  end
end
redis.call('PEXPIRE', KEYS[1], window + 60000)
redis.call('PEXPIRE', KEYS[3], window + 60000)
return 1
`;
