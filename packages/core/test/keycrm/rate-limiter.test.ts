import { describe, expect, it } from 'vitest'
import { createRequestLimiter } from '../../src/keycrm/rate-limiter.ts'
import { manualClock } from './manual-clock.ts'

describe('createRequestLimiter', () => {
  it('lets `limit` requests through per sliding window and queues the rest in order', async () => {
    const clock = manualClock(0)
    const limiter = createRequestLimiter({ limit: 3, windowMs: 60_000, clock })
    const started: [number, number][] = []
    await Promise.all(
      [0, 1, 2, 3, 4, 5, 6].map(async (n) => {
        await limiter.acquire()
        started.push([n, clock.now()])
      }),
    )
    expect(started.map(([n]) => n)).toEqual([0, 1, 2, 3, 4, 5, 6])
    expect(started.map(([, at]) => at)).toEqual([0, 0, 0, 60_000, 60_000, 60_000, 120_000])
  })

  it('never lets more than `limit` start within any window', async () => {
    const clock = manualClock(0)
    const limiter = createRequestLimiter({ limit: 60, windowMs: 60_000, clock })
    const starts: number[] = []
    for (let n = 0; n < 200; n++) {
      await limiter.acquire()
      starts.push(clock.now())
      clock.t += 250 // a request every 250 ms would be 240/min without the limiter
    }
    for (let i = 60; i < starts.length; i++)
      expect(starts[i]! - starts[i - 60]!).toBeGreaterThanOrEqual(60_000)
  })

  it('holds the whole line during a pause (429 Retry-After)', async () => {
    const clock = manualClock(1_000)
    const limiter = createRequestLimiter({ limit: 60, windowMs: 60_000, clock })
    limiter.pauseUntil(31_000)
    limiter.pauseUntil(5_000) // a shorter pause never shortens a longer one
    await limiter.acquire()
    expect(clock.now()).toBe(31_000)
  })

  it('drops an aborted waiter from the line without using a slot', async () => {
    const clock = manualClock(0)
    const limiter = createRequestLimiter({ limit: 1, windowMs: 1_000, clock })
    await limiter.acquire()
    const controller = new AbortController()
    const aborted = limiter.acquire(controller.signal)
    controller.abort(new Error('gave up'))
    await expect(aborted).rejects.toThrow('gave up')
    expect(limiter.waiting).toBe(0)
    await expect(limiter.acquire(AbortSignal.abort(new Error('already')))).rejects.toThrow('already')
  })
})
