import { randomUUID } from 'node:crypto'
import type { ClaimInput, KeygramStore, NewJob } from '@keygram/core'
import { Redis } from 'ioredis'
import { type RedisStoreOptions, redisStore } from '../src/index.ts'

/** The Redis every test talks to. Tests FAIL (never skip) when it does not answer. */
export const REDIS_URL = 'redis://127.0.0.1:6379'

/** A key prefix nobody else uses, so tests can run side by side and clean up after themselves. */
export function uniquePrefix(): string {
  return `keygram-test:${randomUUID()}:`
}

/** Opens a connection and waits until it is ready; rejects (fails the test) when Redis is unreachable. */
export async function connect(): Promise<Redis> {
  const client = new Redis(REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  })
  await client.connect()
  return client
}

/** Deletes every key under `prefix` (SCAN + DEL). */
export async function deletePrefix(client: Redis, prefix: string): Promise<number> {
  let cursor = '0'
  let deleted = 0
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500)
    cursor = next
    if (keys.length > 0) deleted += await client.del(...keys)
  } while (cursor !== '0')
  return deleted
}

/** Keys under `prefix`, for asserting clean-up and layout. */
export async function keysUnder(client: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = []
  let cursor = '0'
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500)
    cursor = next
    keys.push(...batch)
  } while (cursor !== '0')
  return keys.sort()
}

/**
 * Opens stores that share one prefix, each on its OWN connection (as replicas would), and cleans up:
 * closes the stores and connections, then deletes the prefix.
 */
export function redisFixture(options: Omit<RedisStoreOptions, 'client' | 'url' | 'prefix'> = {}) {
  const prefix = uniquePrefix()
  const clients: Redis[] = []
  const stores: KeygramStore[] = []
  return {
    prefix,
    async open(): Promise<KeygramStore> {
      const client = await connect()
      clients.push(client)
      const store = redisStore({ client, prefix, ...options })
      stores.push(store)
      return store
    },
    async admin(): Promise<Redis> {
      const client = await connect()
      clients.push(client)
      return client
    },
    async cleanup() {
      for (const store of stores.splice(0)) await store.close()
      const client = clients[0] ?? (await connect())
      await deletePrefix(client, prefix)
      if (clients.length === 0) await client.quit()
      for (const opened of clients.splice(0)) await opened.quit()
    },
  }
}

/** A job for `chatId` whose text names it, so order can be read back. */
export function job(chatId: string, text: string, threadId?: number): NewJob {
  const newJob: NewJob = {
    chatId,
    message: { text, parse_mode: 'HTML', link_preview_options: { is_disabled: true } },
    summaryLine: text,
  }
  if (threadId !== undefined) newJob.threadId = threadId
  return newJob
}

/** Claim input with generous defaults. */
export function claimInput(now: number, overrides: Partial<Omit<ClaimInput, 'now'>> = {}): ClaimInput {
  return { workerId: 'w1', now, leaseMs: 30_000, maxChats: 10, maxJobsPerChat: 10, ...overrides }
}

/** Enqueues `jobs` under a fresh delivery key. */
export async function enqueue(store: KeygramStore, now: number, ...jobs: NewJob[]): Promise<string[]> {
  const result = await store.queue.enqueue({ deliveryKey: randomUUID(), dedupeTtlMs: 60_000, jobs, now })
  return result.jobIds
}
