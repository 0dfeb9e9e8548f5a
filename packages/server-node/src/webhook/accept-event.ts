/**
 * Accepting an order, payment or funnel webhook: the notifier's durable enqueue, counted and answered.
 *
 * @module
 */
import type { KeycrmEvent, Notifier } from '@keygram/core'
import { type JsonReply, jsonReply } from '../http/responses.ts'
import type { KeygramMetrics } from '../metrics/index.ts'
import type { AppLogger } from './app-logger.ts'

/**
 * Creates the acceptor. It answers a reply, not a web `Response`: the fast path writes it to `node:http`
 * as it is. `200 {status, deliveryKey}` once queued; `503 store_unavailable` when the store cannot take
 * the event (KeyCRM retries).
 */
export function createEventAcceptor(
  notifier: Pick<Notifier, 'accept'>,
  metrics: KeygramMetrics,
  logger: AppLogger,
): (event: KeycrmEvent) => Promise<JsonReply> {
  const received = {
    queued: metrics.webhooksReceived.bind({ status: 'queued' }),
    duplicate: metrics.webhooksReceived.bind({ status: 'duplicate' }),
    unrouted: metrics.webhooksReceived.bind({ status: 'unrouted' }),
  }
  return async (event) => {
    try {
      const result = await notifier.accept(event)
      received[result.status].inc()
      if ((logger.level ?? 4) >= 4) {
        logger.debug(`webhook ${event.event} #${event.context.id} ${result.status} (${result.jobs} jobs)`)
      }
      return jsonReply(200, { status: result.status, deliveryKey: result.deliveryKey })
    } catch (error) {
      metrics.webhooksRejected.inc({ reason: 'store_unavailable' })
      logger.error(`webhook ${event.event} #${event.context.id} could not be queued`, error)
      return jsonReply(503, {
        error: 'store_unavailable',
        message: 'The event could not be queued right now; KeyCRM will retry the webhook.',
        path: null,
      })
    }
  }
}
