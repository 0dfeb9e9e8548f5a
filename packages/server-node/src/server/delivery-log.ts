/**
 * What the delivery worker's outcomes look like in the log and the metrics.
 *
 * @module
 */
import { createOutageTracker, type DeliveryEvent } from '@keygram/core'
import type { ConsolaInstance } from 'consola'
import { activityOf } from '../logging/logger.ts'
import { deliverySubject, formatDuration } from '../logging/subject.ts'
import type { KeygramMetrics } from '../metrics/index.ts'

/** Options of {@link createDeliveryEventHandler}. */
export interface DeliveryEventHandlerOptions {
  /** Deliveries are logged through its `activity` when it has one (see `KeygramLogger`), else `info`. */
  logger: ConsolaInstance
  metrics: KeygramMetrics
  /** Redacts the process's secrets from an error text. */
  redact: (text: string) => string
  /** Called on every successful delivery (for `/status`'s last delivery). */
  onSent?: () => void
  /** Smallest gap between two lines about the same worker error, in ms. Default 60 000. */
  errorLogIntervalMs?: number
}

/**
 * The worker's `onEvent`: counts every outcome and logs the ones an operator needs, a delivery as one info
 * line (what it was about, the chat, how long after the webhook). Worker errors repeat while the store is
 * down (a claim fails on every pass): the first of each kind is logged at once, then one reminder a minute
 * with the count, and one line when a delivery goes through again.
 */
export function createDeliveryEventHandler(
  options: DeliveryEventHandlerOptions,
): (event: DeliveryEvent) => void {
  const { logger, metrics, redact } = options
  const activity = activityOf(logger)
  const errors = createOutageTracker<'worker'>({
    now: Date.now,
    intervalMs: options.errorLogIntervalMs ?? 60_000,
  })
  return (event) => {
    metrics.onDeliveryEvent(event)
    switch (event.type) {
      case 'sent': {
        options.onSent?.()
        const outage = errors.recovered('worker')
        if (outage !== null) {
          logger.info(
            `delivery worker: delivering again after ${Math.round(outage.failedForMs / 1000)} s; ${outage.attempts} error(s) meanwhile`,
          )
        }
        activity(deliveredLine(event))
        return
      }
      case 'retry':
        logger.warn(
          `sending to chat ${event.chatId} failed (${redact(event.error)}); attempt ${event.attempt}, retrying in ${Math.round(event.delayMs / 1000)} s`,
        )
        return
      case 'dead':
        logger.error(
          `notification to chat ${event.chatId} dead-lettered (${event.reason}): ${redact(event.error)}; see: keygram dead-letter list`,
        )
        return
      case 'rate_limited':
        logger.warn(
          `Telegram rate limit for chat ${event.chatId}: waiting ${event.retryAfterMs / 1000} s${event.global ? ' (whole bot)' : ''}`,
        )
        return
      case 'migrated':
        logger.info(`chat ${event.chatId} was upgraded to a supergroup; now sending to ${event.toChatId}`)
        return
      case 'card':
        logger.debug(
          `card in chat ${event.chatId}: ${event.action}${event.messageId === null ? '' : ` (message ${event.messageId})`}`,
        )
        return
      case 'error': {
        // Ids and counts differ between repeats of one failure; the rest of the text names its kind.
        const seen = errors.failed('worker', event.error.replace(/\d+/g, '#'))
        if (!seen.log) return
        logger.error(
          seen.firstOfKind
            ? `delivery worker: ${redact(event.error)}`
            : `delivery worker: still failing after ${Math.round(seen.failingForMs / 1000)} s: ${seen.unlogged + 1} more error(s) like: ${redact(event.error)}`,
        )
        return
      }
      default:
        return
    }
  }
}

/** Subjects named in one line before the rest are counted. */
const NAMED = 3

/**
 * E.g. `delivered order #23196 status 4 to chat -1001234567890, 1.2 s after the webhook`, or for a burst
 * merged into one summary `delivered 5 notifications (order #1 status 4, ..., and 2 more) to chat ...`.
 */
function deliveredLine(event: Extract<DeliveryEvent, { type: 'sent' }>): string {
  const subjects = event.deliveryKeys.map(deliverySubject)
  const what =
    subjects.length <= 1
      ? (subjects[0] ?? 'a notification')
      : `${subjects.length} notifications (${subjects.slice(0, NAMED).join(', ')}${subjects.length > NAMED ? `, and ${subjects.length - NAMED} more` : ''})`
  const how =
    event.fallback === 'plain'
      ? '; sent as plain text: Telegram refused its formatting'
      : event.fallback === 'split'
        ? `; split into ${event.messageIds.length} messages: it was too long for one`
        : ''
  const after = subjects.length === 1 ? 'the webhook' : 'the first webhook'
  return `delivered ${what} to chat ${event.chatId}, ${formatDuration(event.latencyMs)} after ${after}${how}`
}
