/**
 * The delivery engine: the notifier that turns events into durable jobs, the worker that sends them
 * to Telegram under rate limits and retries, and the transport over `fetch`.
 *
 * @module
 */

export {
  type BackoffOptions,
  backoffDelayMs,
  backoffWindowMs,
  defaultBackoff,
} from './backoff.ts'
export * from './cards/index.ts'
export {
  type Clock,
  systemClock,
} from './clock.ts'
export {
  type CoalescedBatch,
  type CoalesceOptions,
  coalesceJobs,
  defaultCoalesce,
} from './coalesce.ts'
export {
  listDeadLetters,
  replayDeadLetters,
} from './dead-letters.ts'
export {
  buildDeferredJobs,
  renderWebhookOf,
} from './deferred-jobs.ts'
export {
  createEnqueueSignal,
  type EnqueueChannel,
  type EnqueueSignal,
  notifyingQueue,
  type OpenEnqueueChannel,
} from './enqueue-signal.ts'
export {
  createIdleWait,
  DEFAULT_WAKE_GAP_MS,
  type IdleWait,
  type IdleWaitOptions,
} from './idle-wait.ts'
export {
  decodeJobPayload,
  encodeJobPayload,
  type JobPayload,
} from './job-payload.ts'
export {
  type AcceptResult,
  type BuildJobsExtras,
  createNotifier,
  DEFAULT_DEDUPE_TTL_MS,
  type Notifier,
  type NotifierOptions,
} from './notifier.ts'
export {
  createOutageTracker,
  type OutageFailure,
  type OutageRecovery,
  type OutageTracker,
  type OutageTrackerOptions,
} from './outage-tracker.ts'
export {
  type ChatPacing,
  chatIntervalMs,
  chatSendHistoryKey,
  defaultChatPacing,
  GROUP_WINDOW_MS,
  isGroupChat,
  needsSendHistory,
  nextChatSendTime,
  recentSendTimes,
} from './pacing.ts'
export {
  splitPlainText,
  toPlainText,
} from './plain-text.ts'
export {
  createJobRenderer,
  type JobRenderer,
  type JobRendererOptions,
  type RenderedSummary,
} from './render.ts'
export {
  chatMigrationKey,
  DEFAULT_ROUTE_TIME_ZONE,
  finalizeTargets,
  inQuietHours,
  matchRouteRules,
  type QuietHours,
  type RouteChat,
  RouteConfigError,
  type RouteFunction,
  type RouteRule,
  type Routes,
  type RouteTarget,
  resolveChatMigration,
  routableKinds,
  ruleMatches,
  type StatusGroupName,
  type ValidateRoutesOptions,
  type ValidRouteRule,
  validateRouteRules,
  type WeekdayName,
} from './routes.ts'
export {
  createSendWindow,
  type SendWindow,
  type SendWindowOptions,
} from './send-window.ts'
export {
  createSharedSendWindow,
  DEFAULT_TELEGRAM_BUDGET_KEY,
  type SharedSendWindowOptions,
} from './shared-send-window.ts'
export type * from './types.ts'
export {
  createDeliveryWorker,
  DEFAULT_CLAIM_LEASE_MS,
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
