/**
 * The bot-wide send limit shared by every worker on a store: a {@link SendWindow} whose slots are taken
 * from the store's rate budget under the bot's key, so three replicas together send no more than 30 a
 * second rather than 30 each.
 *
 * Each send first takes a slot of the process's own window (which also bounds its sends in flight), then
 * one of the shared budget; both are released when Telegram answers, so, like the local window, a slot
 * counts for a second from the answer. If the store fails, the send goes on under the local window alone:
 * never faster than one process was allowed before budgets were shared.
 *
 * @module
 */
import { createSharedBudget } from '../budgets/shared-budget.ts'
import type { RateBudgetStore } from '../budgets/types.ts'
import type { Clock } from './clock.ts'
import { createSendWindow, type SendWindow } from './send-window.ts'

/** The default budget key when the worker is not told its bot's (one bot per store). */
export const DEFAULT_TELEGRAM_BUDGET_KEY = 'telegram:default:global'

/** Options of {@link createSharedSendWindow}. */
export interface SharedSendWindowOptions {
  budgets: RateBudgetStore
  /** The bot's budget, see `telegramBudgetKey`. Default {@link DEFAULT_TELEGRAM_BUDGET_KEY}. */
  key?: string
  /** Sends per window, for all processes together. */
  limit: number
  /** The window, in ms. Default 1000. */
  windowMs?: number
  /**
   * How long a slot whose send was never answered (its process died) keeps counting, in ms. Default
   * 30 000, above the transport's request timeout.
   */
  holdMs?: number
  clock: Clock
  /** Told when the store failed and a send went on under the local window only. */
  onError?: (error: unknown) => void
}

/** Creates a send window that shares its limit through `budgets`. */
export function createSharedSendWindow(options: SharedSendWindowOptions): SendWindow {
  const windowMs = options.windowMs ?? 1000
  const local = createSendWindow({ limit: options.limit, windowMs })
  const shared = createSharedBudget({
    store: options.budgets,
    key: options.key ?? DEFAULT_TELEGRAM_BUDGET_KEY,
    limit: options.limit,
    windowMs,
    holdMs: options.holdMs ?? 30_000,
    clock: options.clock,
    // A full window frees a slot about every windowMs / limit; waking twice as often keeps the pace.
    maxWaitMs: Math.max(5, Math.floor(windowMs / options.limit / 2)),
  })
  // One send of this process at a time asks the store; the others wait their turn here, so a full window
  // costs one poller per process rather than one per send in flight.
  let turn: Promise<void> = Promise.resolve()
  return {
    get inFlight() {
      return local.inFlight
    },
    async acquire(clock) {
      const answeredLocally = await local.acquire(clock)
      const previous = turn
      let myTurnDone = () => {}
      turn = new Promise((resolve) => {
        myTurnDone = resolve
      })
      await previous
      try {
        const slot = await shared.acquire()
        return () => {
          answeredLocally()
          void slot.release()
        }
      } catch (error) {
        options.onError?.(error)
        return answeredLocally
      } finally {
        myTurnDone()
      }
    },
  }
}
