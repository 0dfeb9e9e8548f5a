/**
 * Accepting an order, payment or funnel webhook: the notifier's durable enqueue, counted and answered.
 *
 * @module
 */
import type { AcceptResult, KeycrmEvent, Notifier } from '@keygram/core'
import { type JsonReply, jsonReply } from '../http/responses.ts'
import { activityOf } from '../logging/logger.ts'
import { deliverySubject, formatDuration } from '../logging/subject.ts'
import type { KeygramMetrics } from '../metrics/index.ts'
import { STORE_DEADLINE_MS, withDeadline } from '../store-deadline.ts'
import type { AppLogger } from './app-logger.ts'
import { createStoreOutageLog, type StoreOutageLog } from './store-outage-log.ts'

/** How the acceptors wait for the store and report its failures. */
export interface StoreGuarding {
  /** How long an enqueue may take before the webhook is answered 503, in ms. */
  deadlineMs: number
  outages: StoreOutageLog
}

/** The server's defaults: {@link STORE_DEADLINE_MS}, and an outage log of its own on `logger`. */
export function defaultStoreGuarding(logger: AppLogger): StoreGuarding {
  return { deadlineMs: STORE_DEADLINE_MS, outages: createStoreOutageLog(logger) }
}

/**
 * Creates the acceptor. It answers a reply, not a web `Response`: the fast path writes it to `node:http`
 * as it is. `200 {status, deliveryKey}` once queued; `503 store_unavailable` when the store cannot take
 * the event or does not answer within `store.deadlineMs` (KeyCRM retries). Each accepted webhook is one info
 * line: what it is about, what became of it, and how long queueing took; store failures go to the outage log
 * (a few lines per outage, not one per webhook).
 */
export function createEventAcceptor(
  notifier: Pick<Notifier, 'accept'>,
  metrics: KeygramMetrics,
  logger: AppLogger,
  store: StoreGuarding = defaultStoreGuarding(logger),
): (event: KeycrmEvent) => Promise<JsonReply> {
  const received = {
    queued: metrics.webhooksReceived.bind({ status: 'queued' }),
    duplicate: metrics.webhooksReceived.bind({ status: 'duplicate' }),
    unrouted: metrics.webhooksReceived.bind({ status: 'unrouted' }),
  }
  const activity = activityOf(logger)
  return async (event) => {
    try {
      const started = performance.now()
      const result = await withDeadline(notifier.accept(event), store.deadlineMs)
      store.outages.recovered()
      received[result.status].inc()
      if ((logger.level ?? INFO) >= INFO) activity(acceptedLine(result, performance.now() - started))
      return jsonReply(200, { status: result.status, deliveryKey: result.deliveryKey })
    } catch (error) {
      metrics.webhooksRejected.inc({ reason: 'store_unavailable' })
      store.outages.failed(`webhook ${event.event} #${event.context.id}`, error)
      return STORE_UNAVAILABLE
    }
  }
}

const INFO = 3

const STORE_UNAVAILABLE = jsonReply(503, {
  error: 'store_unavailable',
  message: 'The event could not be queued right now; KeyCRM will retry the webhook.',
  path: null,
})

/** E.g. `webhook: order #23196 status 4 accepted, 1 notification queued (0.4 ms)`. */
function acceptedLine(result: AcceptResult, ms: number): string {
  const subject = deliverySubject(result.deliveryKey)
  const took = formatDuration(ms)
  switch (result.status) {
    case 'queued':
      return `webhook: ${subject} accepted, ${result.jobs} notification${result.jobs === 1 ? '' : 's'} queued (${took})`
    case 'duplicate':
      return `webhook: ${subject} is a repeat of one already accepted; not sent again (${took})`
    case 'unrouted':
      return `webhook: ${subject} accepted; no route sends it to any chat (${took})`
  }
}
