import { describe, expect, it } from 'vitest'
import { createOutageTracker } from '../../src/delivery/outage-tracker.ts'

describe('createOutageTracker', () => {
  it('logs the first failure of each kind, then one reminder per interval, and reports the recovery once', () => {
    let now = 0
    const tracker = createOutageTracker<'store' | 'other'>({ now: () => now, intervalMs: 1000 })
    const decisions = [0, 100, 200, 1000, 1500, 2100].map((at) => {
      now = at
      return tracker.failed('store', 'ECONNREFUSED')
    })
    expect(decisions.map((d) => [d.log, d.firstOfKind, d.attempts, d.unlogged])).toEqual([
      [true, true, 1, 0],
      [false, false, 2, 1],
      [false, false, 3, 2],
      [true, false, 4, 2],
      [false, false, 5, 1],
      [true, false, 6, 1],
    ])
    // Another kind in the same outage is news; another scope is an outage of its own.
    expect(tracker.failed('store', 'SQLITE_FULL')).toMatchObject({
      log: true,
      firstOfKind: true,
      attempts: 7,
    })
    expect(tracker.failing('other')).toBe(false)
    now = 5000
    expect(tracker.recovered('store')).toEqual({ attempts: 7, failedForMs: 5000 })
    expect(tracker.recovered('store')).toBeNull()
    expect(tracker.failed('store', 'ECONNREFUSED')).toMatchObject({
      log: true,
      firstOfKind: true,
      attempts: 1,
    })
  })
})
