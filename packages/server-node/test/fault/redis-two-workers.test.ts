/**
 * "Never lost, never twice" on the Redis store: 1000 KeyCRM webhooks accepted by this process under a fresh
 * key prefix, delivered by TWO worker processes at once to a fake Bot API that fails ~30% of sends, one of
 * them SIGKILLed mid-run and restarted. Needs Redis at 127.0.0.1:6379 and fails (never skips) without it.
 */
import { randomUUID } from 'node:crypto'
import type { KeygramStore } from '@keygram/core'
import { redisStore } from '@keygram/store-redis'
import { createFakeBotApi, type FakeBotApi } from '@keygram/testing'
import { Redis } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import { describeResult, FAULT_FAKE_LIMITS, runFaultScenario } from './scenario.ts'
import { FAULT_CHATS, generateWebhooks, orderIdOfText } from './webhooks.ts'
import { killWorker, type WorkerProcess } from './worker-process.ts'

const REDIS_URL = 'redis://127.0.0.1:6379'
const fenced = process.env.KEYGRAM_FAULT_UNFENCED !== '1'

const processes: WorkerProcess[] = []
const cleanups: (() => void | Promise<void>)[] = []

afterEach(async () => {
  await Promise.all(processes.splice(0).map((worker) => killWorker(worker)))
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** Connects or rejects at once: an unreachable Redis fails the test instead of hanging or skipping it. */
async function connectAdmin(): Promise<Redis> {
  const client = new Redis(REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  })
  try {
    await client.connect()
  } catch (error) {
    client.disconnect()
    throw new Error(`Redis at ${REDIS_URL} is required for this test: ${(error as Error).message}`)
  }
  return client
}

async function deletePrefix(client: Redis, prefix: string): Promise<number> {
  let cursor = '0'
  let deleted = 0
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
    cursor = next
    if (keys.length > 0) deleted += await client.del(...keys)
  } while (cursor !== '0')
  return deleted
}

describe('fault: Redis store, two worker processes, one killed with SIGKILL', () => {
  it('delivers every one of 1000 webhooks exactly once, in per-chat order, with no dead letters', async () => {
    const admin = await connectAdmin()
    const prefix = `keygram-fault:${randomUUID()}:`
    cleanups.push(async () => {
      await deletePrefix(admin, prefix)
      await admin.quit()
    })
    const fake: FakeBotApi = await createFakeBotApi({ seed: 20_260_203, limits: FAULT_FAKE_LIMITS })
    cleanups.push(() => fake.close())
    const store: KeygramStore = redisStore({ url: REDIS_URL, prefix })
    cleanups.push(async () => {
      await store.close()
    })

    const webhooks = generateWebhooks(1000, 60, 11)
    const result = await runFaultScenario({
      fake,
      store,
      workerStore: { kind: 'redis', url: REDIS_URL, prefix },
      webhooks,
      workers: 2,
      kills: [{ afterSent: 400, worker: 1 }],
      fenced,
      // Reads the store's chat hashes (`<prefix>chat:<id>`: token, until, worker) for the victim's claims.
      liveClaimsOf: async (workerId, now) => {
        const pipeline = admin.pipeline()
        for (const chatId of FAULT_CHATS) pipeline.hmget(`${prefix}chat:${chatId}`, 'worker', 'until')
        const replies = (await pipeline.exec()) ?? []
        return replies.filter(([, value]) => {
          const [worker, until] = value as [string | null, string | null]
          return worker === workerId && Number(until) > now
        }).length
      },
      processes,
      deadlineMs: 75_000,
    })
    console.log(describeResult(`redis${fenced ? '' : ' (unfenced)'}`, result))

    expect(result.accepted).toEqual({ queued: 1000, duplicate: 60, unrouted: 0 })
    expect(result.redeliveriesNotSuppressed).toBe(0)
    expect(result.kills).toHaveLength(1)
    expect(result.kills[0]?.exit).toEqual({ code: null, signal: 'SIGKILL' })
    // All three processes delivered: the survivor, the killed one before its death, its replacement.
    expect(Object.keys(result.sentByWorker).sort()).toEqual(['w0', 'w1', 'w1-restart1'])
    // Never lost.
    expect(result.missing).toEqual([])
    expect(result.deliveries.size).toBe(1000)
    expect(result.unidentified).toBe(0)
    expect(result.deadLetters).toBe(0)
    expect(result.deadEvents).toBe(0)
    expect(result.finalStats).toMatchObject({ pending: 0, claimed: 0, dead: 0 })
    // Per-chat order as enqueued, although two processes shared the chats.
    expect(result.orderViolations).toEqual([])
    expect(result.sendCalls['500']).toBeGreaterThan(50)
    expect(result.sendCalls['429']).toBeGreaterThan(30)
    expect(result.sendCalls['0']).toBeGreaterThan(50)
    // A refused settle after a successful send (a chat taken over while its holder still sent) is a
    // duplicate in waiting.
    expect(result.workerErrors.filter((error) => error.includes('lost before settling'))).toEqual([])
    expect(result.gracefulExits).toEqual([
      { code: 0, signal: null },
      { code: 0, signal: null },
    ])

    if (fenced) {
      expect(result.duplicates).toEqual([])
      expect(result.unsettled).toEqual([])
    } else {
      const windowIds = new Set(result.unsettled.map((record) => orderIdOfText(record.plain_text)))
      for (const id of result.duplicates) expect(windowIds.has(id), `order ${id}`).toBe(true)
    }

    // Clean-up leaves nothing behind under the run's prefix.
    await store.close()
    expect(await deletePrefix(admin, prefix)).toBeGreaterThan(0)
    expect(await admin.keys(`${prefix}*`)).toEqual([])
  }, 90_000)
})
