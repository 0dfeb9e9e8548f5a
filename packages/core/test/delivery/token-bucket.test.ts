import { describe, expect, it } from 'vitest'
import { createTokenBucket } from '../../src/delivery/token-bucket.ts'

describe('createTokenBucket', () => {
  it('allows a burst of its capacity, then one token per 1/rate s', () => {
    const bucket = createTokenBucket({ ratePerSecond: 30, start: 0 })
    const granted = Array.from({ length: 30 }, () => bucket.tryTake(0))
    expect(granted.every((wait) => wait === 0)).toBe(true)
    const wait = bucket.tryTake(0)
    expect(wait).toBe(34) // ceil(1000 / 30)
    expect(bucket.tryTake(20)).toBeGreaterThan(0)
    expect(bucket.tryTake(34)).toBe(0)
  })

  it('never grants more than rate * seconds + capacity over a window', () => {
    const bucket = createTokenBucket({ ratePerSecond: 30, start: 0 })
    let granted = 0
    for (let now = 0; now <= 10_000; now += 1) while (bucket.tryTake(now) === 0) granted++
    // 30 initial + 30/s for 10 s
    expect(granted).toBe(330)
  })

  it('does not mint tokens when the clock steps back', () => {
    const bucket = createTokenBucket({ ratePerSecond: 1, capacity: 1, start: 1000 })
    expect(bucket.tryTake(1000)).toBe(0)
    expect(bucket.tryTake(500)).toBeGreaterThan(0)
    expect(bucket.tryTake(1000)).toBeGreaterThan(0)
    expect(bucket.tryTake(2000)).toBe(0)
  })

  it('rejects a rate that is not positive', () => {
    expect(() => createTokenBucket({ ratePerSecond: 0 })).toThrow(RangeError)
    expect(() => createTokenBucket({ ratePerSecond: 5, capacity: 0.5 })).toThrow(RangeError)
  })
})
