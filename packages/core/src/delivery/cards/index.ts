/**
 * Live cards: one message per order (or lead) per chat, edited as it moves.
 *
 * @module
 */
export {
  type CardAction,
  type CardAttempt,
  type CardDelivery,
  type CardDeliveryOptions,
  type CardOutcome,
  createCardDelivery,
  DEFAULT_CARD_EDIT_WINDOW_MS,
} from './deliver.ts'
export { buildCardJobs, splitCardTargets } from './jobs.ts'
export {
  DEFAULT_LOUD_STATUS_GROUPS,
  defaultLoudRule,
  isLoud,
  type LoudRule,
  type ResolvedLoudRule,
} from './loud.ts'
export {
  applyCardChange,
  CARD_APPLIED_JOB_LIMIT,
  CARD_STEP_LIMIT,
  type CardChange,
  type CardRecord,
  type CardStep,
  cardEntityOf,
  cardKey,
} from './record.ts'
export { commitCardChange, readCard } from './state.ts'
