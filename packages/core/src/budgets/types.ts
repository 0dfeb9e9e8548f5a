/**
 * The contract of rate budgets shared through a store: several processes that use one Telegram bot token or
 * one KeyCRM API key count their requests in one place, so together they stay under the limit that the
 * remote service applies to the token or key.
 *
 * A budget is a sliding window of slots under a key (`telegram:<botId>:global`, `keycrm:<apiKeyHash>`;
 * never a token or key itself). A slot counts from when it is taken until it expires; a holder that
 * releases it makes it count for one window from the release instead (Telegram counts a request when it
 * arrives, which is before its answer: counting a window from the answer bounds any arrival window).
 *
 * @module
 */

/** Input of {@link RateBudgetStore.take}. */
export interface BudgetTakeInput {
  /** The budget's name, e.g. `telegram:123456:global`. Never a secret. */
  key: string
  /** Slots per window. */
  limit: number
  /** The window, in ms. */
  windowMs: number
  /**
   * Slots this take must leave free for higher priorities: it is granted only while fewer than
   * `limit - reserve` slots count. `0` for the highest priority.
   */
  reserve: number
  /**
   * How long a slot that is never released counts beyond `windowMs`, in ms (a holder that died). Default 0:
   * the slot counts for `windowMs` from the take.
   */
  holdMs?: number
  /** Current time, epoch ms. */
  now: number
}

/** What {@link RateBudgetStore.take} resolves. */
export type BudgetTakeResult =
  /** A slot was taken; `slotId` releases it. */
  | { granted: true; slotId: string }
  /**
   * No slot for this priority now. `retryAfterMs` (>= 1) is when the next one frees up if nothing else
   * changes: a release elsewhere may free one sooner.
   */
  | { granted: false; retryAfterMs: number }

/** Input of {@link RateBudgetStore.release}. */
export interface BudgetReleaseInput {
  key: string
  slotId: string
  /** The window, in ms: the slot counts until `now + windowMs`. */
  windowMs: number
  now: number
}

/**
 * Rate budgets kept by a store, atomic across every process sharing it (Redis: one Lua script; PostgreSQL:
 * one transaction under an advisory lock; SQLite: one immediate transaction; memory: one process).
 */
export interface RateBudgetStore {
  /** Atomically drops expired slots, then takes one if the priority's share allows. */
  take(input: BudgetTakeInput): Promise<BudgetTakeResult>
  /** Makes a taken slot count for `windowMs` from `now` (ignored when it already expired). */
  release(input: BudgetReleaseInput): Promise<void>
}
