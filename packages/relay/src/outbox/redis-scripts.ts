/**
 * The Lua scripts of {@link RedisOutbox}: every multi-step change of the shared outbox runs as one script,
 * so no replica ever sees (or leaves behind) a half-made change. Every script takes the key base
 * (`<keyPrefix>{relay}:`) as `ARGV[1]` and names its keys from it, so it needs one Redis primary (not a
 * Redis Cluster, whose scripts must declare their keys).
 *
 * Keys under the base:
 * - `seq`: the last row id (INCR).
 * - `rows`: hash, row id → the row as JSON (the message itself a JSON string inside it).
 * - `robots`: set of robot names that have a stream.
 * - `stream:<robot>`: the robot's stream, one entry `id <row id>` per row, consumer group `relay`.
 *   Entries leave the stream (XACK + XDEL) when their row is delivered or dead.
 * - `again:<robot>`: sorted set (score = row id) of rows queued again (a retry, a reset, a replay):
 *   claimed before the stream's new entries.
 * - `count:<robot>`: hash of the robot's `queued`, `sending` and `dead` counts; `sending:<robot>`: sorted
 *   set of its rows being sent (what a reset puts back).
 * - `dead`: sorted set of dead row ids; `recent`: list of delivered rows (JSON), newest first, capped.
 * - `send:<msgUuid>`: hash of a recorded send (`robot`, `body`, `state`); `posting:<member>`:
 *   sorted set of the member robot's sends recorded and not yet confirmed or failed, in order.
 * - `dedupe:<key>`: `SET NX PX` marks of the inbound dedupe window.
 * - `lease:<robot>`: which replica sends for the robot (see lease.ts); `wake`: pub/sub channel.
 */

/** Shared helpers, prepended to every script that changes rows. */
const HELPERS = `
local base = ARGV[1]
local function row(id)
  local raw = redis.call('HGET', base .. 'rows', id)
  if not raw then return nil end
  return cjson.decode(raw)
end
local function save(id, r)
  redis.call('HSET', base .. 'rows', id, cjson.encode(r))
end
local function count(robot, state, by)
  if state == 'queued' or state == 'sending' or state == 'dead' then
    redis.call('HINCRBY', base .. 'count:' .. robot, state, by)
  end
end
-- Every state change goes through here: the counts, and the set of the robot's sending rows (a row
-- replayed from the dead letters is sending without a stream entry, so the pending list alone misses it).
local function move(r, to, id)
  count(r.robot, r.state, -1)
  count(r.robot, to, 1)
  if to == 'sending' then
    redis.call('ZADD', base .. 'sending:' .. r.robot, tonumber(id), id)
  elseif r.state == 'sending' then
    redis.call('ZREM', base .. 'sending:' .. r.robot, id)
  end
  r.state = to
end
local function unstream(r, group)
  if r.entry and r.entry ~= '' then
    local stream = base .. 'stream:' .. r.robot
    redis.call('XACK', stream, group, r.entry)
    redis.call('XDEL', stream, r.entry)
    r.entry = ''
  end
end
-- The fence: with a holder given, only the replica holding the robot's lease may go on.
local function fenced(robot, holder)
  if holder == '' then return false end
  return redis.call('GET', base .. 'lease:' .. robot) ~= holder
end
`;

/**
 * ARGV: base, now, dedupeKey ('' = none), dedupeWindowMs, source, group, then per message:
 * robot, route ('' = none), message JSON, msgUuid, alert summary JSON ('' = none). Returns the new
 * row ids, or `{-1}` for a duplicate.
 */
export const APPEND = `${HELPERS}
local now = tonumber(ARGV[2])
if ARGV[3] ~= '' then
  if not redis.call('SET', base .. 'dedupe:' .. ARGV[3], '1', 'NX', 'PX', ARGV[4]) then return {-1} end
end
local source, group = ARGV[5], ARGV[6]
local ids, woken = {}, {}
for i = 7, #ARGV, 5 do
  local robot = ARGV[i]
  local stream = base .. 'stream:' .. robot
  if redis.call('SADD', base .. 'robots', robot) == 1 or redis.call('EXISTS', stream) == 0 then
    redis.pcall('XGROUP', 'CREATE', stream, group, '0', 'MKSTREAM')
  end
  local id = redis.call('INCR', base .. 'seq')
  local entry = redis.call('XADD', stream, '*', 'id', id)
  save(id, { robot = robot, route = ARGV[i + 1], source = source, message = ARGV[i + 2],
    msgUuid = ARGV[i + 3], summary = ARGV[i + 4], state = 'queued', attempts = 0, notBefore = 0,
    createdAt = now, updatedAt = now, entry = entry })
  count(robot, 'queued', 1)
  ids[#ids + 1] = id
  woken[robot] = true
end
for robot in pairs(woken) do redis.call('PUBLISH', base .. 'wake', robot) end
return ids
`;

/**
 * ARGV: base, robot, n, now, group, consumer, holder ('' = no fence). Takes up to n queued rows, due
 * now: first those queued again (oldest first), then new stream entries (XREADGROUP, so they sit in this
 * replica's pending entries list until delivered or dead). Returns the rows as JSON, each with its `id`.
 */
export const CLAIM = `${HELPERS}
local robot, n, now, group, consumer = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5], ARGV[6]
if fenced(robot, ARGV[7]) then return {} end
local out = {}
local function take(id, r)
  move(r, 'sending', id)
  r.attempts = r.attempts + 1
  r.updatedAt = now
  save(id, r)
  r.id = tonumber(id)
  out[#out + 1] = cjson.encode(r)
end
local again = base .. 'again:' .. robot
for _, id in ipairs(redis.call('ZRANGE', again, 0, 999)) do
  if #out >= n then break end
  local r = row(id)
  if not r or r.state ~= 'queued' then
    redis.call('ZREM', again, id)
  elseif r.notBefore <= now then
    redis.call('ZREM', again, id)
    take(id, r)
  end
end
local stream = base .. 'stream:' .. robot
if #out < n and redis.call('EXISTS', stream) == 1 then
  local read = redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', n - #out, 'STREAMS', stream, '>')
  if read then
    for _, e in ipairs(read[1][2]) do
      local id = e[2][2]
      local r = row(id)
      if r and r.state == 'queued' then
        take(id, r)
      else
        -- A row no longer queued (gone, or dead before it was read): its entry is done.
        redis.call('XACK', stream, group, e[1])
        redis.call('XDEL', stream, e[1])
      end
    end
  end
end
return out
`;

/**
 * ARGV: base, now, to ('delivered' | 'dead' | 'queued'), reason, errcode ('' = none), delayMs,
 * group, keepRecent, then the row ids. Returns how many rows changed.
 */
export const MARK = `${HELPERS}
local now, to, reason, errcode, delay, group, keep =
  tonumber(ARGV[2]), ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6]), ARGV[7], tonumber(ARGV[8])
local changed = 0
for i = 9, #ARGV do
  local id = ARGV[i]
  local r = row(id)
  if r then
    changed = changed + 1
    r.updatedAt = now
    if to == 'delivered' then
      move(r, 'delivered', id)
      unstream(r, group)
      redis.call('ZREM', base .. 'again:' .. r.robot, id)
      redis.call('ZREM', base .. 'dead', id)
      redis.call('HDEL', base .. 'rows', id)
      r.reason = nil
      r.errcode = nil
      r.id = tonumber(id)
      redis.call('LPUSH', base .. 'recent', cjson.encode(r))
      redis.call('LTRIM', base .. 'recent', 0, keep - 1)
    elseif to == 'dead' then
      move(r, 'dead', id)
      unstream(r, group)
      redis.call('ZREM', base .. 'again:' .. r.robot, id)
      r.reason = reason
      if errcode ~= '' then r.errcode = tonumber(errcode) else r.errcode = nil end
      save(id, r)
      redis.call('ZADD', base .. 'dead', tonumber(id), id)
    else
      move(r, 'queued', id)
      r.reason = reason
      r.notBefore = now + delay
      save(id, r)
      redis.call('ZADD', base .. 'again:' .. r.robot, tonumber(id), id)
    end
  end
end
return changed
`;

/**
 * ARGV: base, robot, now, group, consumer, holder ('' = no fence). Takes over every pending entry of
 * the robot's stream (XAUTOCLAIM: also those a dead replica had claimed) and puts the rows still
 * `sending` back to `queued`. Returns how many rows it put back.
 */
export const RESET = `${HELPERS}
local robot, now, group, consumer = ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5]
if fenced(robot, ARGV[6]) then return 0 end
local stream = base .. 'stream:' .. robot
-- Take over every pending entry of the group (also those of a dead replica), so they are this replica's.
if redis.call('EXISTS', stream) == 1 then
  local cursor = '0-0'
  repeat
    cursor = redis.call('XAUTOCLAIM', stream, group, consumer, 0, cursor, 'COUNT', 1000, 'JUSTID')[1]
  until cursor == '0-0'
end
-- Then every row still sending goes back to the queue, first in line.
local moved = 0
for _, id in ipairs(redis.call('ZRANGE', base .. 'sending:' .. robot, 0, -1)) do
  local r = row(id)
  if r and r.state == 'sending' then
    move(r, 'queued', id)
    r.updatedAt = now
    save(id, r)
    redis.call('ZADD', base .. 'again:' .. robot, tonumber(id), id)
    moved = moved + 1
  else
    redis.call('ZREM', base .. 'sending:' .. robot, id)
  end
end
return moved
`;

/** ARGV: base, now, id ('' = every dead row). Returns how many rows went back to `queued`. */
export const REPLAY = `${HELPERS}
local now = tonumber(ARGV[2])
local ids
if ARGV[3] == '' then ids = redis.call('ZRANGE', base .. 'dead', 0, -1) else ids = { ARGV[3] } end
local moved, woken = 0, {}
for _, id in ipairs(ids) do
  local r = row(id)
  if r and r.state == 'dead' then
    move(r, 'queued', id)
    r.attempts = 0
    r.notBefore = 0
    r.reason = nil
    r.errcode = nil
    r.updatedAt = now
    save(id, r)
    redis.call('ZREM', base .. 'dead', id)
    redis.call('ZADD', base .. 'again:' .. r.robot, tonumber(id), id)
    moved = moved + 1
    woken[r.robot] = true
  end
end
for robot in pairs(woken) do redis.call('PUBLISH', base .. 'wake', robot) end
return moved
`;

/**
 * ARGV: base, msgUuid, member robot, body (the PendingSend as JSON), holder ('' = no fence), lease
 * robot names (the member's own, and its pool's). The first record of a msgUuid wins. Fenced: a
 * replica that no longer holds the lease cannot record, so it cannot post.
 */
export const RECORD = `${HELPERS}
local uuid, robot, body, holder = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
if holder ~= '' then
  local held = false
  for i = 6, #ARGV do
    if not fenced(ARGV[i], holder) then held = true end
  end
  if not held then return redis.error_reply('LEASE_LOST this replica no longer holds the lease of ' .. robot) end
end
local key = base .. 'send:' .. uuid
if redis.call('EXISTS', key) == 1 then return 0 end
redis.call('HSET', key, 'robot', robot, 'body', body, 'state', 'posting')
redis.call('ZADD', base .. 'posting:' .. robot, redis.call('INCR', base .. 'sendseq'), uuid)
return 1
`;

/**
 * ARGV: base, msgUuid, state ('confirmed' | 'failed'), keepMs, now, group, keepRecent, then the ids of
 * the rows the send delivered. Settles the send and delivers the rows in one step.
 */
export const SETTLE = `${HELPERS}
local uuid, state, keepMs, now, group, keep =
  ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5]), ARGV[6], tonumber(ARGV[7])
local key = base .. 'send:' .. uuid
local robot = redis.call('HGET', key, 'robot')
if robot then
  redis.call('HSET', key, 'state', state)
  redis.call('PEXPIRE', key, keepMs)
  redis.call('ZREM', base .. 'posting:' .. robot, uuid)
end
for i = 8, #ARGV do
  local id = ARGV[i]
  local r = row(id)
  if r then
    move(r, 'delivered', id)
    unstream(r, group)
    redis.call('ZREM', base .. 'again:' .. r.robot, id)
    redis.call('HDEL', base .. 'rows', id)
    r.updatedAt = now
    r.reason = nil
    r.errcode = nil
    r.id = tonumber(id)
    redis.call('LPUSH', base .. 'recent', cjson.encode(r))
    redis.call('LTRIM', base .. 'recent', 0, keep - 1)
  end
end
return 1
`;

/** ARGV: base, member robot. The bodies of the member's sends still posting, in the order recorded. */
export const PENDING = `
local base = ARGV[1]
local out = {}
for _, uuid in ipairs(redis.call('ZRANGE', base .. 'posting:' .. ARGV[2], 0, -1)) do
  local body = redis.call('HGET', base .. 'send:' .. uuid, 'body')
  if body then out[#out + 1] = body end
end
return out
`;

/**
 * ARGV: base. Per robot: name, queued, sending, dead, and the creation time of its oldest row not
 * yet delivered ('' when none): the first stream entry's or the first row queued again's.
 */
export const DEPTH = `
local base = ARGV[1]
local out = {}
local function created(id)
  local raw = id and redis.call('HGET', base .. 'rows', id)
  if not raw then return nil end
  local r = cjson.decode(raw)
  if r.state ~= 'queued' and r.state ~= 'sending' then return nil end
  return r.createdAt
end
for _, robot in ipairs(redis.call('SMEMBERS', base .. 'robots')) do
  local c = redis.call('HMGET', base .. 'count:' .. robot, 'queued', 'sending', 'dead')
  local oldest = nil
  local first = redis.call('XRANGE', base .. 'stream:' .. robot, '-', '+', 'COUNT', 1)[1]
  if first then oldest = created(first[2][2]) end
  local again = redis.call('ZRANGE', base .. 'again:' .. robot, 0, 0)[1]
  local a = created(again)
  if a and (not oldest or a < oldest) then oldest = a end
  out[#out + 1] = { robot, c[1] or '0', c[2] or '0', c[3] or '0', oldest and tostring(oldest) or '' }
end
return out
`;
