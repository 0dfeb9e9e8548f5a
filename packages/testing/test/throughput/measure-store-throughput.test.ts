import { type KeygramStore, memoryStore } from '@keygram/core'
import { measureStoreThroughput } from '@keygram/testing'
import { describe, expect, it } from 'vitest'

// Rates depend on the machine, so only the counts are checked: they prove the measurement enqueued,
// claimed and settled what it says it did.
describe('measureStoreThroughput', () => {
  it('claims and settles every enqueued job exactly once over both runs, across replicas', async () => {
    // Two views of one memory store play two replicas on the same data.
    const backend = memoryStore()
    const replicas: KeygramStore[] = [backend, { ...backend }]
    const result = await measureStoreThroughput({ replicas, jobs: 300, chats: 7, inFlight: 8 })

    // 300 sequential + 300 concurrent.
    expect(result.enqueued).toBe(600)
    expect(result.claimed).toBe(600)
    expect(result.settled).toBe(600)
    expect(result.leftInQueue).toBe(0)
    expect((await backend.queue.stats(Date.now())).pending).toBe(0)
    expect(result.settings).toMatchObject({
      replicas: 2,
      workers: 4,
      chats: 7,
      inFlight: 8,
      sequentialJobs: 300,
      concurrentJobs: 300,
    })
    for (const rate of [
      result.enqueueSequentialJobsPerSec,
      result.enqueueConcurrentJobsPerSec,
      result.claimSettleJobsPerSec,
      result.claimSettleSmallRunJobsPerSec,
    ]) {
      expect(Number.isInteger(rate) && rate > 0).toBe(true)
    }
  })

  it('caps the sequential run at 5 000 jobs', async () => {
    const result = await measureStoreThroughput({ replicas: [memoryStore()], jobs: 6000, chats: 50 })
    expect(result.settings.sequentialJobs).toBe(5000)
    expect(result.enqueued).toBe(11_000)
    expect(result.settled).toBe(11_000)
  })

  it('shows a store that loses settles: fewer settled than claimed, and jobs left in the queue', async () => {
    const backend = memoryStore()
    let settles = 0
    // Every third settle is dropped and reported as lost (`ok: false`), as a fenced-off claim would be.
    const lossy: KeygramStore = {
      ...backend,
      queue: {
        ...backend.queue,
        settle: async (chatId, claimToken, outcome) =>
          ++settles % 3 === 0 ? { ok: false } : backend.queue.settle(chatId, claimToken, outcome),
      },
    }
    const result = await measureStoreThroughput({ replicas: [lossy], jobs: 200, chats: 20 })
    expect(result.enqueued).toBe(400)
    expect(result.settled).toBeLessThan(result.claimed)
    expect(result.leftInQueue).toBeGreaterThan(0)
    expect(result.leftInQueue).toBe(result.enqueued - result.settled)
  })

  it('pings every replica first: an unreachable one fails the measurement before anything is enqueued', async () => {
    const backend = memoryStore()
    const unreachable: KeygramStore = {
      ...backend,
      ping: async () => {
        throw new Error('store at test:// did not answer PING')
      },
    }
    await expect(measureStoreThroughput({ replicas: [backend, unreachable], jobs: 10 })).rejects.toThrow(
      'did not answer PING',
    )
    expect((await backend.queue.stats(Date.now())).pending).toBe(0)
  })

  it('refuses to measure without a replica', async () => {
    await expect(measureStoreThroughput({ replicas: [] })).rejects.toThrow(/at least one replica/)
  })
})
