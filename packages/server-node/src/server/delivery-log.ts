/**
 * What the delivery worker's outcomes look like in the log and the metrics.
 *
 * @module
 */
import type { DeliveryEvent } from '@keygram/core'
import type { ConsolaInstance } from 'consola'
import type { KeygramMetrics } from '../metrics/index.ts'

/** Options of {@link createDeliveryEventHandler}. */
export interface DeliveryEventHandlerOptions {
  logger: ConsolaInstance
  metrics: KeygramMetrics
  /** Redacts the process's secrets from an error text. */
  redact: (text: string) => string
  /** Called on every successful delivery (for `/status`'s last delivery). */
  onSent?: () => void
}

/** The worker's `onEvent`: counts every outcome and logs the ones an operator needs. */
export function createDeliveryEventHandler(
  options: DeliveryEventHandlerOptions,
): (event: DeliveryEvent) => void {
  const { logger, metrics, redact } = options
  return (event) => {
    metrics.onDeliveryEvent(event)
    switch (event.type) {
      case 'sent':
        options.onSent?.()
        logger.debug(`delivered ${event.jobIds.length} notification(s) to chat ${event.chatId}`)
        return
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
      case 'error':
        logger.error(`delivery worker: ${redact(event.error)}`)
        return
      default:
        return
    }
  }
}
