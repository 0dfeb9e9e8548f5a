import { describe, expect, it } from 'vitest'
import { createMemoryBudgets } from '../../src/budgets/memory.ts'
import type { RateBudgetStore } from '../../src/budgets/types.ts'
import { createSharedSendWindow } from '../../src/delivery/shared-send-window.ts'
import { manualClock } from '../keycrm/manual-clock.ts'

describe('createSharedSendWindow', () => {
  it('two workers on one store send `limit` per second together, counted from the answers', async () => {
    const clock = manualClock(0)
    const budgets = createMemoryBudgets()
    const windows = [1, 2].map(() => createSharedSendWindow({ budgets, limit: 3, clock }))
    const sends: number[] = []
    // Each worker sends 6 messages, each answered 50 ms after it left.
    await Promise.all(
      windows.map(async (window) => {
        for (let n = 0; n < 6; n++) {
          const answered = await window.acquire(clock)
          sends.push(clock.now())
          clock.t += 50
          answered()
        }
      }),
    )
    sends.sort((a, b) => a - b)
    expect(sends).toHaveLength(12)
    // Any 4 consecutive sends span more than a second: at most 3 arrive in any second.
    for (let index = 3; index < sends.length; index++)
      expect(sends[index]! - sends[index - 3]!).toBeGreaterThanOrEqual(1000)
  })

  it('goes on under its own window when the store fails', async () => {
    const clock = manualClock(0)
    const broken: RateBudgetStore = {
      take: () => Promise.reject(new Error('down')),
      release: () => Promise.resolve(),
    }
    const errors: unknown[] = []
    const window = createSharedSendWindow({
      budgets: broken,
      limit: 2,
      clock,
      onError: (e) => errors.push(e),
    })
    const sends: number[] = []
    for (let n = 0; n < 4; n++) {
      const answered = await window.acquire(clock)
      sends.push(clock.now())
      answered()
    }
    expect(sends).toEqual([0, 0, 1000, 1000])
    expect(errors).toHaveLength(4)
  })
})
