/**
 * A caller's view of one shared budget: waits for a slot (sleeping until the store says one frees up, never
 * spinning) and hands back a slot to release when the request was answered.
 *
 * @module
 */
import { type BudgetPriority, reserveFor } from './priority.ts'
import type { RateBudgetStore } from './types.ts'

/** Time as the budget sees it; the delivery engine's `Clock` fits. */
export interface BudgetClock {
  now(): number
  /** Resolves after `ms`, or early when `signal` aborts. Never rejects. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}

/** Options of {@link createSharedBudget}. */
export interface SharedBudgetOptions {
  store: RateBudgetStore
  /** The budget's name (see `telegramBudgetKey`, `keycrmBudgetKey`). */
  key: string
  /** Slots per window. */
  limit: number
  /** The window, in ms. */
  windowMs: number
  /** How long an unreleased slot counts beyond the window (a holder that died), in ms. Default 0. */
  holdMs?: number
  clock: BudgetClock
  /**
   * Longest sleep between two takes, in ms. Default 100: the store's wait assumes nothing is released
   * meanwhile, and a slot in flight elsewhere usually is, soon.
   */
  maxWaitMs?: number
}

/** A taken slot. */
export interface BudgetSlot {
  /** The request was answered (or failed): the slot now counts for one window from here. Never rejects. */
  release(): Promise<void>
}

/** One budget shared through a store. */
export interface SharedBudget {
  readonly key: string
  /**
   * Waits for a slot at `priority` (default `high`) and takes it. Rejects with the signal's reason when it
   * aborts first, or with the store's error when the store fails (callers fall back to a local limit).
   */
  acquire(options?: { priority?: BudgetPriority; signal?: AbortSignal }): Promise<BudgetSlot>
}

/**
 * Creates a shared budget.
 *
 * @throws {RangeError} when `limit` is not a positive integer or `windowMs` not positive.
 */
export function createSharedBudget(options: SharedBudgetOptions): SharedBudget {
  const { store, key, limit, windowMs, clock } = options
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError('shared budget: limit must be an integer >= 1')
  if (!(windowMs > 0)) throw new RangeError('shared budget: windowMs must be > 0')
  const holdMs = options.holdMs ?? 0
  const maxWaitMs = options.maxWaitMs ?? 100

  return {
    key,
    async acquire({ priority = 'high', signal } = {}) {
      const reserve = reserveFor(priority, limit)
      for (;;) {
        if (signal?.aborted) throw signal.reason
        const taken = await store.take({ key, limit, windowMs, reserve, holdMs, now: clock.now() })
        if (taken.granted) {
          const { slotId } = taken
          return {
            release: () =>
              store.release({ key, slotId, windowMs, now: clock.now() }).catch(() => {
                // An unreleased slot still expires on its own (after holdMs more): nothing is lost.
              }),
          }
        }
        await clock.sleep(Math.min(taken.retryAfterMs, maxWaitMs), signal)
      }
    },
  }
}
