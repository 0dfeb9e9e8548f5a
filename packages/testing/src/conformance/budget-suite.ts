/**
 * The rate-budget suite every {@link KeygramStore} with `budgets` runs: sliding windows, releases,
 * priorities' reserves, and two stores on one backend (the same Redis prefix, PostgreSQL schema or SQLite
 * file) counting in one budget.
 *
 * @module
 */
import {
  createDeliveryWorker,
  createFetchTransport,
  type KeygramStore,
  type RateBudgetStore,
  reserveFor,
  telegramBudgetKey,
} from '@keygram/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createFakeBotApi } from '../fake-bot-api/index.ts'
import { job } from './jobs.ts'
import type { ReplicaFactory, ReplicaSet } from './replica-suite.ts'

const T0 = 1_767_225_600_000

function budgetsOf(store: KeygramStore): RateBudgetStore {
  if (store.budgets === undefined) throw new Error(`store ${store.name} has no budgets`)
  return store.budgets
}

/** A take with the suite's defaults: limit 3 per 1000 ms, no reserve. */
function input(now: number, overrides: Partial<Parameters<RateBudgetStore['take']>[0]> = {}) {
  return { key: 'telegram:1:global', limit: 3, windowMs: 1000, reserve: 0, now, ...overrides }
}

/**
 * Registers the budget suite for a store. `factory` gives a fresh data space per test whose `open` returns
 * another store on it with its own connection (for a memory store: the same instance).
 */
export function testStoreBudgets(name: string, factory: ReplicaFactory): void {
  describe(`${name} rate budgets (conformance)`, () => {
    let set: ReplicaSet
    let budgets: RateBudgetStore

    beforeEach(async () => {
      set = await factory()
      budgets = budgetsOf(await set.open())
    })
    afterEach(async () => {
      await set.cleanup()
    })

    it('grants `limit` slots per window, then says when the oldest frees up', async () => {
      for (const at of [0, 100, 200]) expect((await budgets.take(input(T0 + at))).granted).toBe(true)
      expect(await budgets.take(input(T0 + 300))).toEqual({ granted: false, retryAfterMs: 700 })
      expect(await budgets.take(input(T0 + 999))).toEqual({ granted: false, retryAfterMs: 1 })
      expect((await budgets.take(input(T0 + 1000))).granted).toBe(true)
      expect(await budgets.take(input(T0 + 1000))).toEqual({ granted: false, retryAfterMs: 100 })
    })

    it('keeps budgets of different keys apart', async () => {
      expect((await budgets.take(input(T0, { limit: 1 }))).granted).toBe(true)
      expect((await budgets.take(input(T0, { limit: 1 }))).granted).toBe(false)
      expect((await budgets.take(input(T0, { limit: 1, key: 'keycrm:abc' }))).granted).toBe(true)
    })

    it('counts a held slot until released, then for one window from the release', async () => {
      const taken = await budgets.take(input(T0, { limit: 1, holdMs: 30_000 }))
      if (!taken.granted) throw new Error('first take refused')
      expect(await budgets.take(input(T0 + 5000, { limit: 1 }))).toEqual({
        granted: false,
        retryAfterMs: 26_000,
      })
      await budgets.release({
        key: 'telegram:1:global',
        slotId: taken.slotId,
        windowMs: 1000,
        now: T0 + 5000,
      })
      expect(await budgets.take(input(T0 + 5500, { limit: 1 }))).toEqual({
        granted: false,
        retryAfterMs: 500,
      })
      expect((await budgets.take(input(T0 + 6000, { limit: 1 }))).granted).toBe(true)
    })

    it('ignores the release of an unknown or expired slot', async () => {
      await budgets.release({ key: 'telegram:1:global', slotId: 'nope', windowMs: 1000, now: T0 })
      const taken = await budgets.take(input(T0, { limit: 1 }))
      if (!taken.granted) throw new Error('first take refused')
      // Released after it expired: it must not count again.
      await budgets.release({
        key: 'telegram:1:global',
        slotId: taken.slotId,
        windowMs: 1000,
        now: T0 + 1500,
      })
      expect((await budgets.take(input(T0 + 1500, { limit: 1 }))).granted).toBe(true)
    })

    it('leaves each priority its reserve: lower ones stop while slots remain for higher ones', async () => {
      const limit = 60
      const take = (priority: 'high' | 'normal' | 'low', now = T0) =>
        budgets.take(
          input(now, { key: 'keycrm:p', limit, windowMs: 60_000, reserve: reserveFor(priority, limit) }),
        )
      let low = 0
      while ((await take('low')).granted) low++
      let normal = 0
      while ((await take('normal')).granted) normal++
      let high = 0
      while ((await take('high')).granted) high++
      expect([low, normal, high]).toEqual([45, 9, 6])
      // A low take in a window where only high ones were left waits as long as they do.
      expect(await take('low', T0 + 1)).toEqual({ granted: false, retryAfterMs: 59_999 })
      expect(await take('high', T0 + 1)).toEqual({ granted: false, retryAfterMs: 59_999 })
    })

    it('refuses a limit, window or reserve out of range', async () => {
      await expect(budgets.take(input(T0, { limit: 0 }))).rejects.toThrow(RangeError)
      await expect(budgets.take(input(T0, { windowMs: 0 }))).rejects.toThrow(RangeError)
      await expect(budgets.take(input(T0, { reserve: 3 }))).rejects.toThrow(RangeError)
    })

    it('two stores on one backend count in one budget, also when they race', async () => {
      const other = budgetsOf(await set.open())
      expect((await budgets.take(input(T0))).granted).toBe(true)
      expect((await other.take(input(T0))).granted).toBe(true)
      expect((await budgets.take(input(T0))).granted).toBe(true)
      expect(await other.take(input(T0 + 400))).toEqual({ granted: false, retryAfterMs: 600 })

      const raced = await Promise.all(
        Array.from({ length: 40 }, (_, index) =>
          (index % 2 === 0 ? budgets : other).take(input(T0 + 5000, { key: 'race', limit: 25 })),
        ),
      )
      expect(raced.filter((result) => result.granted)).toHaveLength(25)
    })

    it('three delivery workers on three stores keep the bot-wide limit together (no 429)', async () => {
      const perSecond = 5
      const fake = await createFakeBotApi({ limits: { globalPerSecond: perSecond } })
      const stores = [await set.open(), await set.open(), await set.open()]
      const messages = 20
      try {
        await stores[0]!.queue.enqueue({
          deliveryKey: 'budgets-workers',
          dedupeTtlMs: 60_000,
          jobs: Array.from({ length: messages }, (_, index) => job(String(700_000 + index), `m${index}`)),
          now: Date.now(),
        })
        const workers = stores.map((store) =>
          createDeliveryWorker({
            store,
            budgetKey: telegramBudgetKey(fake.token),
            transport: createFetchTransport({ token: fake.token, apiRoot: fake.url }),
            limits: { globalPerSecond: perSecond },
            coalesce: false,
            idleMs: 20,
          }),
        )
        const startedAt = Date.now()
        for (const worker of workers) worker.start()
        try {
          while (fake.sent.length < messages && Date.now() - startedAt < 20_000)
            await new Promise((resolve) => setTimeout(resolve, 20))
        } finally {
          await Promise.all(workers.map((worker) => worker.stop()))
        }
        expect(fake.sent).toHaveLength(messages)
        // Each worker alone would send 5 a second (13 x 429 in a run with the budgets hidden); together
        // they must too.
        expect(fake.count429).toBe(0)
        expect(Date.now() - startedAt).toBeGreaterThanOrEqual(((messages - perSecond) / perSecond) * 1000)
      } finally {
        await fake.close()
      }
    }, 30_000)
  })
}
