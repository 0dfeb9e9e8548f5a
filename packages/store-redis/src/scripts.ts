/**
 * The Lua scripts that make every multi-key operation of the Redis store atomic, and their registration
 * on an ioredis client through `defineCommand`.
 *
 * Queue scripts take the key prefix as `KEYS[1]` and build key names from it inside Lua. Passing the
 * prefix as a key (rather than an argument) means an ioredis `keyPrefix` on a caller's client is applied
 * to it exactly as to the plain commands, so both paths see the same keys. This layout is for a single
 * Redis (or a primary with replicas/Sentinel); Redis Cluster would need every key declared up front.
 *
 * Key layout under the prefix `P`:
 * - `P seq`, `P deadseq`: counters (job sequence; order of dead-lettering)
 * - `P dk:<deliveryKey>`: dedupe marker, value = expiry (epoch ms of the caller's clock), PX for clean-up
 * - `P job:<id>`: hash per job
 * - `P line:<chatId>`: zset of the chat's normal-priority job ids by sequence
 * - `P low:<chatId>`: zset of its low-priority job ids by sequence, claimed only while `line` is empty
 * - `P chat:<chatId>`: hash `notBefore`, `token`, `until`, `worker`
 * - `P ready`: zset of chats by the time they become claimable
 * - `P claimed`: zset of claimed chats by claim expiry (for stats)
 * - `P jobs`: zset of every queued (not dead) job id by the time it started waiting
 * - `P dead`: zset of dead job ids by order of dead-lettering
 *
 * @module
 */
import type { Redis } from 'ioredis'

/**
 * Recomputes when a chat becomes claimable: the latest of its own `notBefore`, its head job's
 * `notBefore` (the first normal job, else the first low-priority one) and its claim's expiry. An empty chat leaves the ready set; its hash is kept only while
 * its `notBefore` still matters, so a rate limit outlives the chat's last job.
 */
const reschedule = `
local function reschedule(P, chat, now)
  local meta = P .. 'chat:' .. chat
  local m = redis.call('HMGET', meta, 'notBefore', 'token', 'until')
  local chatNotBefore = tonumber(m[1]) or 0
  local claimUntil = 0
  if m[2] then claimUntil = tonumber(m[3]) or 0 end
  local head = redis.call('ZRANGE', P .. 'line:' .. chat, 0, 0)[1]
  if not head then head = redis.call('ZRANGE', P .. 'low:' .. chat, 0, 0)[1] end
  if not head then
    redis.call('ZREM', P .. 'ready', chat)
    if not m[2] then
      if chatNotBefore > now then
        redis.call('PEXPIRE', meta, math.ceil(chatNotBefore - now))
      else
        redis.call('DEL', meta)
      end
    end
    return
  end
  if m[1] then redis.call('PERSIST', meta) end
  local headNotBefore = tonumber(redis.call('HGET', P .. 'job:' .. head, 'notBefore')) or 0
  redis.call('ZADD', P .. 'ready', math.max(chatNotBefore, headNotBefore, claimUntil), chat)
end
`

/**
 * ARGV: deliveryKey, dedupeTtlMs, now, then 5 per job: chatId, threadId ('' = none), summaryLine,
 * message JSON (stored verbatim: re-encoding in Lua would turn `[]` into `{}`), low ('1' or '0').
 * Returns `{0}` for a redelivery, else `{1, id...}`.
 */
const enqueue = `${reschedule}
local P = KEYS[1]
local deliveryKey = ARGV[1]
local ttl = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local dedupe = P .. 'dk:' .. deliveryKey
local seenUntil = tonumber(redis.call('GET', dedupe))
if seenUntil and seenUntil > now then return {0} end
redis.call('SET', dedupe, now + ttl, 'PX', ttl)
local out = {1}
local touched = {}
for b = 4, #ARGV, 5 do
  local chat = ARGV[b]
  local seq = redis.call('INCR', P .. 'seq')
  local id = string.format('%d', seq)
  redis.call('HSET', P .. 'job:' .. id, 'id', id, 'chatId', chat, 'threadId', ARGV[b + 1],
    'summaryLine', ARGV[b + 2], 'message', ARGV[b + 3], 'deliveryKey', deliveryKey, 'sequence', seq,
    'attempts', 0, 'notBefore', ARGV[3], 'createdAt', ARGV[3], 'low', ARGV[b + 4])
  redis.call('ZADD', P .. (ARGV[b + 4] == '1' and 'low:' or 'line:') .. chat, seq, id)
  redis.call('ZADD', P .. 'jobs', ARGV[3], id)
  touched[chat] = true
  out[#out + 1] = id
end
for chat in pairs(touched) do reschedule(P, chat, now) end
return out
`

/**
 * ARGV: now, leaseMs, maxChats, maxJobsPerChat, workerId, token base (unique per call).
 * Returns `{{chatId, token, {job hash as field/value list}...}...}`.
 */
const claim = `${reschedule}
local P = KEYS[1]
local now = tonumber(ARGV[1])
local claimUntil = now + tonumber(ARGV[2])
local maxChats = tonumber(ARGV[3])
local maxJobs = tonumber(ARGV[4])
local out = {}
-- Scores are kept exact, so a candidate is normally claimable; a few passes cover the rare stale one.
for pass = 1, 4 do
  if #out >= maxChats then break end
  local candidates = redis.call('ZRANGEBYSCORE', P .. 'ready', '-inf', ARGV[1], 'LIMIT', 0, maxChats - #out)
  if #candidates == 0 then break end
  for _, chat in ipairs(candidates) do
    local meta = P .. 'chat:' .. chat
    -- One line per claim: the normal one while it has jobs, else the low-priority one.
    local line = P .. 'line:' .. chat
    if redis.call('ZCARD', line) == 0 then line = P .. 'low:' .. chat end
    local m = redis.call('HMGET', meta, 'notBefore', 'token', 'until')
    local live = m[2] and (tonumber(m[3]) or 0) > now
    local jobs = {}
    if (tonumber(m[1]) or 0) <= now and not live then
      for _, id in ipairs(redis.call('ZRANGE', line, 0, maxJobs - 1)) do
        local fields = redis.call('HGETALL', P .. 'job:' .. id)
        if #fields == 0 then
          redis.call('ZREM', line, id)
        else
          local jobNotBefore = 0
          for f = 1, #fields, 2 do
            if fields[f] == 'notBefore' then jobNotBefore = tonumber(fields[f + 1]) end
          end
          if jobNotBefore > now then break end
          jobs[#jobs + 1] = fields
        end
      end
    end
    if #jobs == 0 then
      reschedule(P, chat, now)
    else
      local token = ARGV[6] .. ':' .. (#out + 1)
      redis.call('HSET', meta, 'token', token, 'until', claimUntil, 'worker', ARGV[5])
      redis.call('PERSIST', meta)
      redis.call('ZADD', P .. 'ready', claimUntil, chat)
      redis.call('ZADD', P .. 'claimed', claimUntil, chat)
      out[#out + 1] = {chat, token, jobs}
    end
  end
end
return out
`

/**
 * ARGV: chatId, token, now, chatNotBefore ('' = keep), movedTo ('' = none), #done, #retry, #dead, then
 * done ids, retry (id, notBefore, error) triples, dead (id, reason, error) triples.
 * Returns 1, or 0 when the token is not the chat's current claim.
 */
const settle = `${reschedule}
local P = KEYS[1]
local chat = ARGV[1]
local now = tonumber(ARGV[3])
local meta = P .. 'chat:' .. chat
if redis.call('HGET', meta, 'token') ~= ARGV[2] then return 0 end
local line = P .. 'line:' .. chat
local low = P .. 'low:' .. chat
local i = 9
for k = 1, tonumber(ARGV[6]) do
  local id = ARGV[i]
  i = i + 1
  if redis.call('ZREM', line, id) + redis.call('ZREM', low, id) == 1 then
    redis.call('DEL', P .. 'job:' .. id)
    redis.call('ZREM', P .. 'jobs', id)
  end
end
for k = 1, tonumber(ARGV[7]) do
  local id = ARGV[i]
  if redis.call('ZSCORE', line, id) or redis.call('ZSCORE', low, id) then
    local job = P .. 'job:' .. id
    redis.call('HINCRBY', job, 'attempts', 1)
    redis.call('HSET', job, 'notBefore', ARGV[i + 1], 'lastError', ARGV[i + 2])
  end
  i = i + 3
end
for k = 1, tonumber(ARGV[8]) do
  local id = ARGV[i]
  if redis.call('ZREM', line, id) + redis.call('ZREM', low, id) == 1 then
    local job = P .. 'job:' .. id
    redis.call('ZREM', P .. 'jobs', id)
    redis.call('HINCRBY', job, 'attempts', 1)
    redis.call('HSET', job, 'reason', ARGV[i + 1], 'lastError', ARGV[i + 2], 'deadAt', ARGV[3])
    redis.call('ZADD', P .. 'dead', redis.call('INCR', P .. 'deadseq'), id)
  end
  i = i + 3
end
if ARGV[4] ~= '' then redis.call('HSET', meta, 'notBefore', ARGV[4]) end
redis.call('HDEL', meta, 'token', 'until', 'worker')
redis.call('ZREM', P .. 'claimed', chat)
local movedTo = ARGV[5]
if movedTo ~= '' and movedTo ~= chat then
  for _, lane in ipairs({'line:', 'low:'}) do
    local from = P .. lane .. chat
    local target = P .. lane .. movedTo
    for _, id in ipairs(redis.call('ZRANGE', from, 0, -1)) do
      local seq = redis.call('INCR', P .. 'seq')
      redis.call('HSET', P .. 'job:' .. id, 'chatId', movedTo, 'sequence', seq)
      redis.call('ZADD', target, seq, id)
    end
    redis.call('DEL', from)
  end
  reschedule(P, movedTo, now)
end
reschedule(P, chat, now)
return 1
`

/** ARGV: index of the last dead job to list (-1 = all). Returns their hashes, oldest first. */
const listDead = `
local P = KEYS[1]
local out = {}
for _, id in ipairs(redis.call('ZRANGE', P .. 'dead', 0, ARGV[1])) do
  out[#out + 1] = redis.call('HGETALL', P .. 'job:' .. id)
end
return out
`

/**
 * ARGV: now, then the ids to replay (none = all). Replays in dead-letter order so a chat's jobs keep
 * their relative order. Returns how many were replayed.
 */
const replayDead = `${reschedule}
local P = KEYS[1]
local now = tonumber(ARGV[1])
local ids = {}
if #ARGV == 1 then
  ids = redis.call('ZRANGE', P .. 'dead', 0, -1)
else
  local ranked = {}
  for a = 2, #ARGV do
    local rank = redis.call('ZSCORE', P .. 'dead', ARGV[a])
    if rank then ranked[#ranked + 1] = {ARGV[a], tonumber(rank)} end
  end
  table.sort(ranked, function(x, y) return x[2] < y[2] end)
  for _, r in ipairs(ranked) do ids[#ids + 1] = r[1] end
end
local touched = {}
local count = 0
for _, id in ipairs(ids) do
  local job = P .. 'job:' .. id
  local chat = redis.call('HGET', job, 'chatId')
  if redis.call('ZREM', P .. 'dead', id) == 1 and chat then
    local seq = redis.call('INCR', P .. 'seq')
    redis.call('HSET', job, 'sequence', seq, 'attempts', 0, 'notBefore', ARGV[1])
    redis.call('HDEL', job, 'reason', 'deadAt')
    local lane = redis.call('HGET', job, 'low') == '1' and 'low:' or 'line:'
    redis.call('ZADD', P .. lane .. chat, seq, id)
    redis.call('ZADD', P .. 'jobs', ARGV[1], id)
    touched[chat] = true
    count = count + 1
  end
end
for chat in pairs(touched) do reschedule(P, chat, now) end
return count
`

/**
 * ARGV: now. Returns `{pending, claimed, dead, oldestWaitingSince ('' = none)}`; a chat counts as
 * claimed only while its claim is live at `now`.
 */
const stats = `
local P = KEYS[1]
local total = redis.call('ZCARD', P .. 'jobs')
local dead = redis.call('ZCARD', P .. 'dead')
local claimedChats = {}
local claimed = 0
for _, chat in ipairs(redis.call('ZRANGEBYSCORE', P .. 'claimed', '(' .. ARGV[1], '+inf')) do
  claimedChats[chat] = true
  claimed = claimed + redis.call('ZCARD', P .. 'line:' .. chat) + redis.call('ZCARD', P .. 'low:' .. chat)
end
local pending = total - claimed
local oldest = ''
local offset = 0
while pending > 0 and oldest == '' do
  local page = redis.call('ZRANGE', P .. 'jobs', offset, offset + 99, 'WITHSCORES')
  if #page == 0 then break end
  for j = 1, #page, 2 do
    if not claimedChats[redis.call('HGET', P .. 'job:' .. page[j], 'chatId')] then
      oldest = page[j + 1]
      break
    end
  end
  offset = offset + 100
end
return {pending, claimed, dead, oldest}
`

/**
 * KEYS: the kv key. ARGV: now, encoded value, ttl ms ('' = none). Sets unless a live value is there;
 * a value whose recorded expiry has passed by `now` counts as absent. Returns 1 when set.
 */
const kvSetIfAbsent = `
local current = redis.call('GET', KEYS[1])
if current then
  local expiresAt = string.match(current, '^(%d*)|')
  if expiresAt == nil or expiresAt == '' or tonumber(expiresAt) > tonumber(ARGV[1]) then return 0 end
end
if ARGV[3] == '' then
  redis.call('SET', KEYS[1], ARGV[2])
else
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
end
return 1
`

/**
 * KEYS: kv key. ARGV: now (epoch ms), expected JSON text ('' = absent), new encoded record, ttl ms ('' = none).
 * Returns 1 when the live value's JSON equals the expected text (an absent, expired or JSON-null record
 * when it is ''), after storing the new record; else 0.
 */
const kvCompareAndSet = `
local current = redis.call('GET', KEYS[1])
local json = nil
if current then
  local expiresAt, rest = string.match(current, '^(%d*)|(.*)$')
  if expiresAt ~= nil and (expiresAt == '' or tonumber(expiresAt) > tonumber(ARGV[1])) then json = rest end
end
if ARGV[2] == '' then
  if json ~= nil and json ~= 'null' then return 0 end
elseif json ~= ARGV[2] then
  return 0
end
if ARGV[4] == '' then
  redis.call('SET', KEYS[1], ARGV[3])
else
  redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
end
return 1
`

/**
 * KEYS: lease key, fencing counter. ARGV: lease id, holder, ttl ms. The lease value is
 * `id|fencingToken|holder`. Returns the fencing token, or nil when a live lease exists.
 */
const leaseAcquire = `
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. token .. '|' .. ARGV[2], 'NX', 'PX', ARGV[3])
return token
`

/**
 * KEYS: lease key. ARGV: lease id, ttl ms. Extends only the caller's own lease. Returns 1 when extended, 0
 * when no lease is there (it lapsed), 2 when another grant holds it (taken over).
 */
const leaseRenew = `
local value = redis.call('GET', KEYS[1])
if not value then return 0 end
if string.sub(value, 1, #ARGV[1] + 1) == ARGV[1] .. '|' then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 2
`

/** KEYS: lease key. ARGV: lease id. Deletes only the caller's own lease; returns 1 or 0. */
const leaseRelease = `
local value = redis.call('GET', KEYS[1])
if value and string.sub(value, 1, #ARGV[1] + 1) == ARGV[1] .. '|' then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
`

/**
 * ARGV: chatId, token, now, leaseMs. Extends the chat's claim to `now + leaseMs` when `token` still holds
 * it. Returns 1, or 0 when the token is not the chat's current claim.
 */
const renewClaim = `${reschedule}
local P = KEYS[1]
local chat = ARGV[1]
local meta = P .. 'chat:' .. chat
if redis.call('HGET', meta, 'token') ~= ARGV[2] then return 0 end
local claimUntil = tonumber(ARGV[3]) + tonumber(ARGV[4])
redis.call('HSET', meta, 'until', claimUntil)
redis.call('ZADD', P .. 'claimed', claimUntil, chat)
reschedule(P, chat, tonumber(ARGV[3]))
return 1
`

/** KEYS: lease key. Returns `{value, pttl}` in one snapshot, or nil. */
const leaseInspect = `
local value = redis.call('GET', KEYS[1])
if not value then return false end
return {value, redis.call('PTTL', KEYS[1])}
`

type Arg = string | number

/** The custom commands {@link defineKeygramCommands} adds to an ioredis client. */
export interface KeygramCommands {
  keygramEnqueue(prefix: string, ...args: Arg[]): Promise<string[] | [0]>
  keygramClaim(prefix: string, ...args: Arg[]): Promise<[string, string, string[][]][]>
  keygramSettle(prefix: string, ...args: Arg[]): Promise<number>
  keygramRenewClaim(
    prefix: string,
    chatId: string,
    token: string,
    now: number,
    leaseMs: number,
  ): Promise<number>
  keygramListDead(prefix: string, lastIndex: number): Promise<string[][]>
  keygramReplayDead(prefix: string, ...args: Arg[]): Promise<number>
  keygramStats(prefix: string, now: number): Promise<[number, number, number, string]>
  keygramKvSetIfAbsent(key: string, now: number, value: string, ttlMs: Arg): Promise<number>
  keygramKvCompareAndSet(
    key: string,
    now: number,
    expected: string,
    value: string,
    ttlMs: Arg,
  ): Promise<number>
  keygramLeaseAcquire(
    key: string,
    fence: string,
    id: string,
    holder: string,
    ttl: number,
  ): Promise<number | null>
  keygramLeaseRenew(key: string, id: string, ttl: number): Promise<number>
  keygramLeaseRelease(key: string, id: string): Promise<number>
  keygramLeaseInspect(key: string): Promise<[string, number] | null>
}

/** An ioredis client with the Keygram commands defined. */
export type KeygramRedis = Redis & KeygramCommands

const definitions: Record<keyof KeygramCommands, { lua: string; numberOfKeys: number; readOnly?: boolean }> =
  {
    keygramEnqueue: { lua: enqueue, numberOfKeys: 1 },
    keygramClaim: { lua: claim, numberOfKeys: 1 },
    keygramSettle: { lua: settle, numberOfKeys: 1 },
    keygramRenewClaim: { lua: renewClaim, numberOfKeys: 1 },
    keygramListDead: { lua: listDead, numberOfKeys: 1, readOnly: true },
    keygramReplayDead: { lua: replayDead, numberOfKeys: 1 },
    keygramStats: { lua: stats, numberOfKeys: 1, readOnly: true },
    keygramKvSetIfAbsent: { lua: kvSetIfAbsent, numberOfKeys: 1 },
    keygramKvCompareAndSet: { lua: kvCompareAndSet, numberOfKeys: 1 },
    keygramLeaseAcquire: { lua: leaseAcquire, numberOfKeys: 2 },
    keygramLeaseRenew: { lua: leaseRenew, numberOfKeys: 1 },
    keygramLeaseRelease: { lua: leaseRelease, numberOfKeys: 1 },
    keygramLeaseInspect: { lua: leaseInspect, numberOfKeys: 1, readOnly: true },
  }

/**
 * Defines the Keygram scripts on `client` (idempotent: redefining replaces a command with the same
 * script). ioredis runs them with `EVALSHA` and falls back to `EVAL` once per connection.
 */
export function defineKeygramCommands(client: Redis): KeygramRedis {
  for (const [name, definition] of Object.entries(definitions)) client.defineCommand(name, definition)
  return client as KeygramRedis
}
