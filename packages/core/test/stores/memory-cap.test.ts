import { describe, expect, it } from 'vitest'
import { DEFAULT_MEMORY_QUEUE_CAP, MemoryStoreFullError, memoryStore } from '../../src/stores/memory.ts'

const enqueue = (store: ReturnType<typeof memoryStore>, key: string, jobs = 1) =>
  store.queue.enqueue({
    deliveryKey: key,
    dedupeTtlMs: 60_000,
    now: 1000,
    jobs: Array.from({ length: jobs }, (_, index) => ({
      chatId: String(index % 3),
      message: { text: key, parse_mode: 'HTML' as const, link_preview_options: { is_disabled: true } },
      summaryLine: key,
    })),
  })

describe('memoryStore cap', () => {
  it('refuses an enqueue that would pass maxQueuedJobs, fails ping while full, and takes jobs again once some leave', async () => {
    const store = memoryStore({ maxQueuedJobs: 4 })
    expect((await enqueue(store, 'a', 3)).accepted).toBe(true)
    await expect(enqueue(store, 'b', 2)).rejects.toBeInstanceOf(MemoryStoreFullError)
    // The refused delivery was not remembered: its retry is taken once there is room.
    expect((await enqueue(store, 'c', 1)).accepted).toBe(true)
    await expect(store.ping()).rejects.toMatchObject({ code: 'MEMORY_STORE_FULL' })
    // A repeat of an accepted delivery adds nothing, so the cap does not refuse it.
    expect(await enqueue(store, 'a', 3)).toEqual({ accepted: false, jobIds: [] })

    const [chat] = await store.queue.claim({
      workerId: 'w',
      now: 1000,
      leaseMs: 1000,
      maxChats: 1,
      maxJobsPerChat: 10,
    })
    await store.queue.settle(chat!.chatId, chat!.claimToken, {
      done: chat!.jobs.map((job) => job.id),
      now: 1000,
    })
    await expect(store.ping()).resolves.toBeUndefined()
    expect((await enqueue(store, 'b', 2)).accepted).toBe(true)
    expect((await store.queue.stats(1000)).pending).toBe(4)
  })

  it('defaults to 10 000 jobs and can be lifted', async () => {
    expect(DEFAULT_MEMORY_QUEUE_CAP).toBe(10_000)
    const capped = memoryStore()
    expect((await enqueue(capped, 'big', 10_000)).accepted).toBe(true)
    await expect(enqueue(capped, 'one-more')).rejects.toBeInstanceOf(MemoryStoreFullError)
    const uncapped = memoryStore({ maxQueuedJobs: Number.POSITIVE_INFINITY })
    expect((await enqueue(uncapped, 'big', 10_001)).accepted).toBe(true)
  })

  it('rejects a negative cap', () => {
    expect(() => memoryStore({ maxQueuedJobs: -1 })).toThrow(RangeError)
  })
})
