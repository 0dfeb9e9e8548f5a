/**
 * Rate budgets shared through a store: several processes with one bot token or one KeyCRM API key stay
 * under the remote service's limit together, with priorities.
 *
 * @module
 */
export { checkTakeInput, decideTake } from './decide.ts'
export { keycrmBudgetKey, telegramBudgetKey } from './keys.ts'
export { createMemoryBudgets } from './memory.ts'
export { BUDGET_RESERVE_SHARE, type BudgetPriority, reserveFor } from './priority.ts'
export {
  type BudgetClock,
  type BudgetSlot,
  createSharedBudget,
  type SharedBudget,
  type SharedBudgetOptions,
} from './shared-budget.ts'
export type * from './types.ts'
