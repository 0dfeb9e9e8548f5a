/**
 * The event log on Redis: a sorted set by acceptance time and a hash of records, both under the store's
 * prefix `P`:
 * - `P events:at`: zset, score = `at`, member = `<16-digit sequence>:<deliveryKey>` (the sequence keeps
 *   records of the same millisecond in append order, as members of equal score sort lexically)
 * - `P events:data`: hash, field = deliveryKey, value = the record as JSON
 * - `P events:seq`: the sequence counter
 *
 * Appends and prunes are Lua scripts, so the set and the hash never disagree.
 *
 * @module
 */
import type { EventLog, EventRecord } from '@keygram/core'
import type { Redis } from 'ioredis'

/** ARGV: deliveryKey, at, record JSON. Returns 1 when added, 0 when the key was there. */
const append = `
local P = KEYS[1]
local data = P .. 'events:data'
if redis.call('HEXISTS', data, ARGV[1]) == 1 then return 0 end
local seq = redis.call('INCR', P .. 'events:seq')
local member = string.format('%016d', seq) .. ':' .. ARGV[1]
redis.call('HSET', data, ARGV[1], ARGV[3])
redis.call('ZADD', P .. 'events:at', ARGV[2], member)
return 1
`

/** ARGV: beforeMs, batch size. Deletes up to a batch of records older than beforeMs; returns how many. */
const prune = `
local P = KEYS[1]
local members = redis.call('ZRANGEBYSCORE', P .. 'events:at', '-inf', '(' .. ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
if #members == 0 then return 0 end
local keys = {}
for i, member in ipairs(members) do keys[i] = string.sub(member, 18) end
redis.call('HDEL', P .. 'events:data', unpack(keys))
redis.call('ZREM', P .. 'events:at', unpack(members))
return #members
`

/** ARGV: fromMs, toMs, offset, count. Returns up to count records (JSON) with from <= at < to, in order. */
const range = `
local P = KEYS[1]
local members = redis.call('ZRANGEBYSCORE', P .. 'events:at', ARGV[1], '(' .. ARGV[2], 'LIMIT', tonumber(ARGV[3]), tonumber(ARGV[4]))
if #members == 0 then return {} end
local keys = {}
for i, member in ipairs(members) do keys[i] = string.sub(member, 18) end
return redis.call('HMGET', P .. 'events:data', unpack(keys))
`

interface EventCommands {
  keygramEventAppend(prefix: string, key: string, at: number, json: string): Promise<number>
  keygramEventPrune(prefix: string, beforeMs: number, batch: number): Promise<number>
  keygramEventRange(
    prefix: string,
    fromMs: number,
    toMs: number,
    offset: number,
    count: number,
  ): Promise<(string | null)[]>
}

// Lua's unpack is limited to a few thousand arguments: scripts work on pages of this many records.
const BATCH = 1_000

/** A {@link EventLog} on Redis under `<prefix>events:`. */
export class RedisEventLog implements EventLog {
  readonly #redis: Redis & EventCommands
  readonly #prefix: string

  constructor(redis: Redis, prefix: string) {
    redis.defineCommand('keygramEventAppend', { lua: append, numberOfKeys: 1 })
    redis.defineCommand('keygramEventPrune', { lua: prune, numberOfKeys: 1 })
    redis.defineCommand('keygramEventRange', { lua: range, numberOfKeys: 1, readOnly: true })
    this.#redis = redis as Redis & EventCommands
    this.#prefix = prefix
  }

  /** {@inheritDoc EventLog.append} */
  async append(record: EventRecord): Promise<boolean> {
    const added = await this.#redis.keygramEventAppend(
      this.#prefix,
      record.deliveryKey,
      record.at,
      JSON.stringify(record),
    )
    return Number(added) === 1
  }

  /** {@inheritDoc EventLog.range} */
  async range(fromMs: number, toMs: number): Promise<EventRecord[]> {
    const records: EventRecord[] = []
    for (let offset = 0; ; offset += BATCH) {
      const values = await this.#redis.keygramEventRange(this.#prefix, fromMs, toMs, offset, BATCH)
      for (const value of values) {
        if (value === null) continue
        records.push(JSON.parse(value) as EventRecord)
      }
      if (values.length < BATCH) return records
    }
  }

  /** {@inheritDoc EventLog.prune} */
  async prune(beforeMs: number): Promise<number> {
    let total = 0
    for (;;) {
      const removed = Number(await this.#redis.keygramEventPrune(this.#prefix, beforeMs, BATCH))
      total += removed
      if (removed < BATCH) return total
    }
  }
}
