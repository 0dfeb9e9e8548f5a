/**
 * Rate budgets on Redis: each budget is a sorted set `<prefix>budget:<key>` of slot ids scored by the time
 * they stop counting, and a take is one Lua script (drop expired slots, count, add), so replicas on one
 * Redis share the budget atomically.
 *
 * @module
 */
import { randomUUID } from 'node:crypto'
import { checkTakeInput, type RateBudgetStore } from '@keygram/core'
import type { Redis } from 'ioredis'

// KEYS[1] the budget's set. ARGV: now, limit, windowMs, reserve, holdMs, slot id.
// Granted: {1, 0}; refused: {0, ms until the slot that makes room expires} (see core's decideTake).
const TAKE = `
local key = KEYS[1]
local now = tonumber(ARGV[1])
local allowed = tonumber(ARGV[2]) - tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
local count = redis.call('ZCARD', key)
if count < allowed then
  redis.call('ZADD', key, now + tonumber(ARGV[3]) + tonumber(ARGV[5]), ARGV[6])
  local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  redis.call('PEXPIRE', key, math.ceil(tonumber(last[2]) - now) + 1000)
  return {1, 0}
end
local at = redis.call('ZRANGE', key, count - allowed, count - allowed, 'WITHSCORES')
return {0, math.max(1, math.ceil(tonumber(at[2]) - now))}
`

// KEYS[1] the budget's set. ARGV: now, windowMs, slot id. Only a slot that still counts is moved.
const RELEASE = `
local score = redis.call('ZSCORE', KEYS[1], ARGV[3])
if score and tonumber(score) > tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], tonumber(ARGV[1]) + tonumber(ARGV[2]), ARGV[3])
end
return 0
`

interface BudgetCommands {
  keygramBudgetTake(key: string, ...args: (string | number)[]): Promise<[number, number]>
  keygramBudgetRelease(key: string, ...args: (string | number)[]): Promise<number>
}

/** The {@link RateBudgetStore} of a Redis store, under `<prefix>budget:`. */
export function createRedisBudgets(client: Redis, prefix: string): RateBudgetStore {
  client.defineCommand('keygramBudgetTake', { lua: TAKE, numberOfKeys: 1 })
  client.defineCommand('keygramBudgetRelease', { lua: RELEASE, numberOfKeys: 1 })
  const redis = client as Redis & BudgetCommands
  const keyOf = (key: string) => `${prefix}budget:${key}`
  return {
    async take(input) {
      checkTakeInput(input)
      const slotId = randomUUID()
      const [granted, retryAfterMs] = await redis.keygramBudgetTake(
        keyOf(input.key),
        input.now,
        input.limit,
        input.windowMs,
        input.reserve,
        input.holdMs ?? 0,
        slotId,
      )
      return granted === 1 ? { granted: true, slotId } : { granted: false, retryAfterMs }
    },
    async release(input) {
      await redis.keygramBudgetRelease(keyOf(input.key), input.now, input.windowMs, input.slotId)
    },
  }
}
