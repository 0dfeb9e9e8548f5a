import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Clock } from '../../src/delivery/clock.ts'
import { createSendWindow } from '../../src/delivery/send-window.ts'

/** A manual clock whose sleeps resolve when the test advances time past them. */
function manualClock(): Clock & { advance(ms: number): Promise<void> } {
  let now = 0
  let sleepers: { until: number; wake: () => void }[] = []
  const flush = async () => {
    for (let i = 0; i < 5; i++) await Promise.resolve()
  }
  return {
    now: () => now,
    sleep(ms) {
      if (ms <= 0) return Promise.resolve()
      return new Promise((wake) => sleepers.push({ until: now + ms, wake }))
    },
    async advance(ms) {
      const target = now + ms
      for (;;) {
        await flush()
        const due = sleepers.filter((s) => s.until <= target).sort((a, b) => a.until - b.until)[0]
        if (due === undefined) break
        now = due.until
        sleepers = sleepers.filter((s) => s !== due)
        due.wake()
      }
      now = target
      await flush()
    },
  }
}

describe('createSendWindow', () => {
  it('lets `limit` sends leave, then holds the next until an answer is a window old', async () => {
    const clock = manualClock()
    const window = createSendWindow({ limit: 3, windowMs: 1000 })
    const releases = await Promise.all([1, 2, 3].map(() => window.acquire(clock)))
    expect(window.inFlight).toBe(3)
    let fourth = false
    const next = window.acquire(clock).then((release) => {
      fourth = true
      return release
    })
    await clock.advance(500)
    expect(fourth).toBe(false) // all three still in flight
    releases[0]?.() // answered at t=500
    await clock.advance(999)
    expect(fourth).toBe(false) // the answer at 500 counts until 1500
    await clock.advance(1)
    expect(fourth).toBe(true)
    ;(await next)()
  })

  it('never lets more than `limit` sends be between departure and answer + window (any latency)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 1500 }), { minLength: 5, maxLength: 60 }),
        async (latencies) => {
          const clock = manualClock()
          const window = createSendWindow({ limit: 4, windowMs: 1000 })
          // Each send occupies [departure, answer + window): Telegram sees it arrive inside that span.
          const spans: [number, number][] = []
          const sends = latencies.map(async (latency) => {
            const release = await window.acquire(clock)
            const departed = clock.now()
            await clock.sleep(latency)
            release()
            spans.push([departed, clock.now() + 1000])
          })
          const all = Promise.all(sends)
          for (let t = 0; t < 200 && spans.length < latencies.length; t++) await clock.advance(500)
          await all
          for (const [start] of spans) {
            const overlapping = spans.filter(([s, e]) => s <= start && start < e).length
            expect(overlapping).toBeLessThanOrEqual(4)
          }
        },
      ),
      { numRuns: 40 },
    )
  })

  it('rejects a limit that is not a positive integer', () => {
    expect(() => createSendWindow({ limit: 0 })).toThrow(RangeError)
    expect(() => createSendWindow({ limit: 2.5 })).toThrow(RangeError)
    expect(() => createSendWindow({ limit: 3, windowMs: 0 })).toThrow(RangeError)
  })
})
