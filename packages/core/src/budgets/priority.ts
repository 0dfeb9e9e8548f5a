/**
 * Priorities of a shared budget, and how each one's share is kept.
 *
 * Rule: a lower priority takes a slot only while more than a reserved number of slots remain free in the
 * window (`high` none, `normal` 10 % of the limit, `low` 25 %). So a higher-priority caller always finds
 * its reserve untouched by lower ones: when the window is full, the next slot to free up goes to whoever
 * asks at the highest priority, since a lower one still sees fewer free slots than its reserve. Strict
 * priority queues across processes would need a shared line; reserves need nothing but the count.
 *
 * @module
 */

/** How urgent a request is: `high` (a person waits), `normal`, `low` (may wait for idle capacity). */
export type BudgetPriority = 'high' | 'normal' | 'low'

/** The share of every window each priority leaves free for the ones above it. */
export const BUDGET_RESERVE_SHARE: Readonly<Record<BudgetPriority, number>> = {
  high: 0,
  normal: 0.1,
  low: 0.25,
}

/**
 * Slots a take at `priority` must leave free in a window of `limit` slots: the priority's share, rounded
 * down, and always below `limit` so every priority can eventually take one.
 */
export function reserveFor(priority: BudgetPriority, limit: number): number {
  return Math.min(limit - 1, Math.floor(limit * BUDGET_RESERVE_SHARE[priority]))
}
