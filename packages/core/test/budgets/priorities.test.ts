import { describe, expect, it } from 'vitest'
import { createMemoryBudgets } from '../../src/budgets/memory.ts'
import { createSharedBudget } from '../../src/budgets/shared-budget.ts'
import { createRequestLimiter, type KeycrmPriority } from '../../src/keycrm/rate-limiter.ts'
import { manualClock } from '../keycrm/manual-clock.ts'

describe('KeyCRM request priorities', () => {
  it('serves the local line by priority, first come first served within one', async () => {
    const clock = manualClock(0)
    const limiter = createRequestLimiter({ limit: 1, windowMs: 1000, clock })
    const order: string[] = []
    const ask = (name: string, priority: KeycrmPriority) =>
      limiter.acquire(undefined, priority).then(() => order.push(name))
    await Promise.all([
      ask('p1', 'products'),
      ask('e1', 'enrich'),
      ask('p2', 'products'),
      ask('a1', 'action'),
      ask('e2', 'enrich'),
      ask('a2', 'action'),
    ])
    // p1 took the free slot at once; every later slot went to the most urgent waiter.
    expect(order).toEqual(['p1', 'a1', 'a2', 'e1', 'e2', 'p2'])
  })

  it('with a shared budget, an action is not starved by two processes enriching and naming products', async () => {
    const clock = manualClock(0)
    const budgets = createMemoryBudgets()
    const shared = { budgets, key: 'keycrm:test' }
    const replicas = [1, 2].map(() => createRequestLimiter({ limit: 60, windowMs: 60_000, clock, shared }))
    const granted: { priority: KeycrmPriority; at: number }[] = []
    const flood = (limiter: (typeof replicas)[number], priority: KeycrmPriority, count: number) =>
      Array.from({ length: count }, () =>
        limiter.acquire(undefined, priority).then(() => granted.push({ priority, at: clock.now() })),
      )
    // 200 background requests fill the window for minutes; then a person presses a button.
    const background = [...flood(replicas[0]!, 'enrich', 100), ...flood(replicas[1]!, 'products', 100)]
    await new Promise((resolve) => setTimeout(resolve, 20))
    const pressAt = clock.now()
    let actionAt = -1
    const action = replicas[1]!.acquire(undefined, 'action').then(() => {
      actionAt = clock.now()
    })
    await action
    // The action got a slot of the current window (the reserve enrichment and products leave free). The
    // test clock moves while the other process's line sleeps between polls (250 ms each), so the grant may
    // come a few polls of clock time after the press; without the reserve it waits for a slot to leave the
    // full window, about a minute.
    expect(actionAt - pressAt).toBeLessThan(5_000)
    await Promise.all(background)
    // Both processes together never took more than 60 slots in any minute.
    const times = granted.map((entry) => entry.at).sort((a, b) => a - b)
    for (let index = 60; index < times.length; index++)
      expect(times[index]! - times[index - 60]!).toBeGreaterThanOrEqual(60_000)
    // Products never used the enrichment share: in the first window they got at most 45 slots in all.
    const firstWindow = granted.filter((entry) => entry.at < 60_000)
    expect(firstWindow.filter((entry) => entry.priority === 'products').length).toBeLessThanOrEqual(45)
    expect(firstWindow.length).toBeLessThanOrEqual(59)
  })

  it('falls back to the local window when the store fails', async () => {
    const clock = manualClock(0)
    const errors: unknown[] = []
    const broken = {
      take: () => Promise.reject(new Error('store down')),
      release: () => Promise.resolve(),
    }
    const limiter = createRequestLimiter({
      limit: 2,
      windowMs: 1000,
      clock,
      shared: { budgets: broken, key: 'keycrm:x', onError: (error) => errors.push(error) },
    })
    const starts: number[] = []
    for (let n = 0; n < 4; n++) {
      await limiter.acquire()
      starts.push(clock.now())
    }
    expect(starts).toEqual([0, 0, 1000, 1000])
    expect(errors.length).toBeGreaterThan(0)
  })
})

describe('createSharedBudget', () => {
  it('sleeps until the store says a slot frees up instead of spinning', async () => {
    const clock = manualClock(0)
    const budgets = createMemoryBudgets()
    let takes = 0
    const counted = {
      ...budgets,
      take: (input: Parameters<typeof budgets.take>[0]) => {
        takes++
        return budgets.take(input)
      },
    }
    const budget = createSharedBudget({
      store: counted,
      key: 'k',
      limit: 2,
      windowMs: 1000,
      clock,
      maxWaitMs: 10_000,
    })
    for (let n = 0; n < 6; n++) await budget.acquire()
    expect(clock.now()).toBe(2000)
    // 6 grants and one refused take per full window.
    expect(takes).toBe(8)
  })

  it('counts a slot for one window from its release', async () => {
    const clock = manualClock(0)
    const budget = createSharedBudget({
      store: createMemoryBudgets(),
      key: 'k',
      limit: 1,
      windowMs: 1000,
      holdMs: 30_000,
      clock,
      maxWaitMs: 60_000,
    })
    const slot = await budget.acquire()
    clock.t = 400
    await slot.release()
    await budget.acquire()
    expect(clock.now()).toBe(1400)
  })
})
