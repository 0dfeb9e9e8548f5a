import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { backoffDelayMs, backoffWindowMs } from '../../src/delivery/backoff.ts'

describe('backoff', () => {
  it('doubles the window from 1 s and caps it at 5 min by default', () => {
    expect([1, 2, 3, 4, 9, 10, 12, 100].map((attempt) => backoffWindowMs(attempt))).toEqual([
      1000, 2000, 4000, 8000, 256_000, 300_000, 300_000, 300_000,
    ])
  })

  it('honours a configured base and cap', () => {
    expect(backoffWindowMs(1, { baseMs: 10, capMs: 35 })).toBe(10)
    expect(backoffWindowMs(2, { baseMs: 10, capMs: 35 })).toBe(20)
    expect(backoffWindowMs(3, { baseMs: 10, capMs: 35 })).toBe(35)
  })

  it('draws the delay uniformly inside the window (full jitter)', () => {
    expect(backoffDelayMs(3, {}, () => 0)).toBe(0)
    expect(backoffDelayMs(3, {}, () => 0.5)).toBe(2000)
    expect(backoffDelayMs(3, {}, () => 0.999_999)).toBe(3999)
  })

  it('is always within [0, cap) for any attempt and random value', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, r) => {
          const delay = backoffDelayMs(attempt, {}, () => r)
          return delay >= 0 && delay < 300_000 && delay <= backoffWindowMs(attempt)
        },
      ),
    )
  })

  it('spreads retries: with Math.random, 1000 delays of attempt 5 are not all alike', () => {
    const delays = Array.from({ length: 1000 }, () => backoffDelayMs(5))
    expect(new Set(delays).size).toBeGreaterThan(500)
    const mean = delays.reduce((a, b) => a + b, 0) / delays.length
    expect(mean).toBeGreaterThan(6000)
    expect(mean).toBeLessThan(10_000)
  })
})
