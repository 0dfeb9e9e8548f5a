/**
 * `redisStore()`: the {@link KeygramStore} for several replicas sharing one Redis.
 *
 * @module
 */
import { type KeygramStore, notifyingQueue } from '@keygram/core'
import { Redis, type RedisOptions } from 'ioredis'
import { createRedisBudgets } from './budgets.ts'
import { createRedisEnqueueSignal } from './enqueue-channel.ts'
import { RedisEventLog } from './events.ts'
import { RedisGuard } from './guard.ts'
import { RedisKeyValueStore } from './kv.ts'
import { RedisQueueStore } from './queue.ts'
import { defineKeygramCommands } from './scripts.ts'

const PING_TIMEOUT_MS = 2000

/**
 * The connection options `redisStore` opens its own client with: fail fast while Redis is down instead of
 * ioredis's defaults (commands queued while disconnected and retried over 20 reconnects, a 10 s connect
 * timeout), so a webhook's enqueue fails within about a second and is answered 503 (KeyCRM retries), and the
 * worker's commands fail and back off instead of piling up. Reconnects keep going every ≤ 0.5 s, so the store
 * is back within about half a second of Redis.
 *
 * - `maxRetriesPerRequest: 1`: a command waiting for the connection fails after one failed reconnect.
 * - `retryStrategy`: reconnect after 100, 200, ... ms, at most 500 ms apart, forever.
 * - `connectTimeout: 2000`: a host that does not answer the TCP connect counts as down after 2 s.
 *
 * Pass `connection` to {@link redisStore} to change any of them.
 */
export const REDIS_CONNECTION_DEFAULTS: Readonly<RedisOptions> = Object.freeze({
  maxRetriesPerRequest: 1,
  retryStrategy: (attempt: number) => Math.min(attempt * 100, 500),
  connectTimeout: 2000,
})

/** Options of {@link redisStore}. */
export interface RedisStoreOptions {
  /**
   * Connection URL (`redis://user:pass@host:6379/0`, `rediss://` for TLS). The store opens the
   * connection and closes it on `close()`. Defaults to `redis://127.0.0.1:6379` when no `client` is given.
   */
  url?: string
  /** An existing ioredis client to use instead of `url`. The store defines its scripts on it but never closes it. */
  client?: Redis
  /**
   * ioredis options for the client the store opens from `url`, over {@link REDIS_CONNECTION_DEFAULTS}
   * (fail fast while Redis is down). Ignored with `client`.
   */
  connection?: RedisOptions
  /** Prefix of every key the store writes; replicas that share work share a prefix. Default `keygram:`. */
  prefix?: string
  /** Epoch-ms clock for key-value TTLs and reported lease expiries. Default `Date.now`. Queue times use the `now` callers pass. */
  clock?: () => number
}

/** Hides the password of a Redis URL so it can appear in an error message. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return '<unparseable Redis URL>'
  }
}

/**
 * Creates a Redis-backed {@link KeygramStore}: the durable delivery queue, key-values and the
 * single-instance guard, every multi-key operation one atomic Lua script.
 *
 * @example
 * ```ts
 * const store = redisStore({ url: process.env.REDIS_URL, prefix: 'shop1:' })
 * ```
 */
export function redisStore(options: RedisStoreOptions = {}): KeygramStore {
  const owned = options.client === undefined
  const client =
    options.client ??
    new Redis(options.url ?? 'redis://127.0.0.1:6379', {
      ...REDIS_CONNECTION_DEFAULTS,
      ...options.connection,
    })
  const redis = defineKeygramCommands(client)
  const prefix = options.prefix ?? 'keygram:'
  const clock = options.clock ?? Date.now
  const url = options.url
  const enqueued = createRedisEnqueueSignal(redis, prefix)
  let closed: Promise<void> | undefined
  let lastConnectionError: Error | undefined
  if (owned) {
    // ioredis prints every failed reconnect of a client nobody listens to; ping() reports the cause instead.
    client.on('error', (error: Error) => {
      lastConnectionError = error
    })
    client.on('ready', () => {
      lastConnectionError = undefined
    })
  }

  async function closeConnections(): Promise<void> {
    await enqueued.close()
    if (!owned) return
    // QUIT waits for pending replies; a connection that is not up has none worth waiting for.
    if (redis.status === 'ready') await redis.quit()
    else redis.disconnect()
  }

  return {
    name: 'redis',
    queue: notifyingQueue(new RedisQueueStore(redis, prefix), enqueued),
    kv: new RedisKeyValueStore(redis, prefix, clock),
    events: new RedisEventLog(redis, prefix),
    guard: new RedisGuard(redis, prefix, clock),
    budgets: createRedisBudgets(redis, prefix),
    async ping() {
      let timer: ReturnType<typeof setTimeout> | undefined
      // While Redis is down ioredis queues commands and retries; readiness checks need an answer now.
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${PING_TIMEOUT_MS} ms`)), PING_TIMEOUT_MS)
        timer.unref?.()
      })
      const answer = redis.ping()
      // After a timeout the queued PING may still fail later (e.g. on close); that is not news to anyone.
      answer.catch(() => {})
      try {
        await Promise.race([answer, timeout])
      } catch (error) {
        const where = url === undefined ? 'Redis' : `Redis at ${redactRedisUrl(url)}`
        const cause = lastConnectionError ? ` (last connection error: ${lastConnectionError.message})` : ''
        throw new Error(`${where} did not answer PING: ${(error as Error).message}${cause}`, { cause: error })
      } finally {
        clearTimeout(timer)
      }
    },
    close() {
      closed ??= closeConnections()
      return closed
    },
  }
}
