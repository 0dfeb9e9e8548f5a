/**
 * Bot commands: `/start`, `/chatid`, `/status`, `/subscribe`, `/unsubscribe`, `/test`, framework-free,
 * plus chat subscriptions as a routing source.
 *
 * @module
 */

export { combineRoutes } from './combine-routes.ts'
export {
  type BotCommandEntry,
  commandList,
  resolveCommandStrings,
} from './command-list.ts'
export {
  createForbiddenChatHandler,
  FORBIDDEN_CHAT_WARN_EVERY_MS,
  type ForbiddenChatOptions,
  type ForbiddenChatOutcome,
} from './forbidden-chats.ts'
export {
  ANONYMOUS_SENDER_IDS,
  type CommandHandlers,
  createCommandHandlers,
  routeSnippet,
} from './handlers.ts'
export {
  type CommandStrings,
  commandStrings,
} from './locales/index.ts'
export { type OrderCardResult, orderIdOf, queueOrderCard } from './order-card.ts'
export {
  type SampleOrderOptions,
  sampleOrderEvent,
} from './sample.ts'
export {
  MAX_SUBSCRIBED_CHATS,
  type ParsedKinds,
  parseSubscriptionKinds,
  readSubscriptions,
  SUBSCRIPTIONS_KEY,
  type Subscription,
  type SubscriptionChange,
  type SubscriptionKind,
  SubscriptionLimitError,
  subscriptionOf,
  subscriptionRoutes,
  updateSubscription,
} from './subscriptions.ts'
export {
  type CommandContext,
  type CommandHandlersOptions,
  type CommandReply,
  type CommandStatusSnapshot,
  type KeygramCommand,
  keygramCommandNames,
  type PollingSummary,
} from './types.ts'
