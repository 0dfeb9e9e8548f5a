/**
 * Two-way actions: buttons on live cards that change an order's (or lead's) status in KeyCRM, with
 * permissions, a confirmation step, signed expiring tokens, at-most-once application and an audit.
 *
 * @module
 */
export { type AuditedAction, listActions, recordAction } from './audit.ts'
export { cardStatusOf, createActionCardDecorator } from './card-buttons.ts'
export { createFetchActionBotApi } from './fetch-bot-api.ts'
export {
  type ActionCard,
  type ActionKeyboardOptions,
  type ActionKeyboards,
  createActionKeyboards,
  withActionRows,
} from './keyboard.ts'
export { CHAT_MEMBER_CACHE_MS, mayPress, type PresserCheck } from './permissions.ts'
export {
  type ActionHandler,
  type ActionHandlerOptions,
  type ActionOutcome,
  type ActionOutcomeKind,
  type CallbackQueryLike,
  createActionHandler,
} from './press.ts'
export {
  ActionConfigError,
  type ActionPresser,
  type ActionRule,
  findTransition,
  type ResolvedActionRule,
  resolveActionRules,
  type Transition,
  transitionsFrom,
} from './rules.ts'
export { createKeygramActions, type KeygramActions, type KeygramActionsOptions } from './setup.ts'
export { type ActionStrings, actionStrings } from './strings.ts'
export type { ActionBotApi, ChatMemberStatus } from './telegram.ts'
export {
  ACTION_TOKEN_LENGTH,
  type ActionClaims,
  type ActionStep,
  type ActionTokens,
  createActionTokens,
  isActionTokenShape,
  isTokenChatId,
  type TokenRefusal,
} from './token.ts'
