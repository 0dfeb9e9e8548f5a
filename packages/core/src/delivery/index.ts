/**
 * The delivery engine: the notifier that turns events into durable jobs, the worker that sends them
 * to Telegram under rate limits and retries, and the transport over `fetch`.
 *
 * @module
 */

export { type BackoffOptions, backoffDelayMs, backoffWindowMs, defaultBackoff } from './backoff.ts'
export { type Clock, systemClock } from './clock.ts'
export { type CoalescedBatch, type CoalesceOptions, coalesceJobs, defaultCoalesce } from './coalesce.ts'
export { listDeadLetters, replayDeadLetters } from './dead-letters.ts'
export {
  type AcceptResult,
  buildJobs,
  createNotifier,
  DEFAULT_DEDUPE_TTL_MS,
  type Notifier,
  type NotifierOptions,
} from './notifier.ts'
export { type ChatPacing, chatIntervalMs, defaultChatPacing, isGroupChat } from './pacing.ts'
export { splitPlainText, toPlainText } from './plain-text.ts'
export {
  chatMigrationKey,
  finalizeTargets,
  matchRouteRules,
  RouteConfigError,
  type RouteFunction,
  type RouteRule,
  type Routes,
  type RouteTarget,
  resolveChatMigration,
  routableKinds,
  ruleMatches,
  type ValidRouteRule,
  validateRouteRules,
} from './routes.ts'
export { createTokenBucket, type TokenBucket, type TokenBucketOptions, takeToken } from './token-bucket.ts'
export type * from './types.ts'
export {
  createDeliveryWorker,
  type DeliveryEvent,
  type DeliveryEventBase,
  type DeliveryLimits,
  type DeliveryWorker,
  type DeliveryWorkerOptions,
  type DeliveryWorkerStatus,
  defaultDeliveryLimits,
  defaultRetry,
  type RetryOptions,
} from './worker.ts'
