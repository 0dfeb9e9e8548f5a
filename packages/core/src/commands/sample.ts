/**
 * The sample event `/test` sends.
 *
 * @module
 */
import { parseWebhook } from '../webhook/parse.ts'
import type { OrderStatusChangedEvent } from '../webhook/types.ts'

/** Options of {@link sampleOrderEvent}. */
export interface SampleOrderOptions {
  /** The status change time (epoch ms). Default `Date.now()`. */
  now?: number
  /** The manager comment, e.g. a note that this is a test. */
  comment?: string
}

/**
 * A realistic `order.change_order_status` event, modelled on a production delivery (order 23196, shop
 * number `№18766`, status "new", 1198 UAH not paid), run through `parseWebhook` like a real body.
 *
 * `status_changed_at` and `updated_at` are `now`, so each sample has its own delivery key and is not
 * suppressed as a redelivery of the previous one.
 */
export function sampleOrderEvent(options: SampleOrderOptions = {}): OrderStatusChangedEvent {
  const changedAt = new Date(options.now ?? Date.now()).toISOString()
  const event = parseWebhook({
    event: 'order.change_order_status',
    context: {
      id: 23196,
      source_uuid: '№18766',
      global_source_uuid: '5821089251461',
      status_on_source: 'new',
      status_group_id: 1,
      status_id: 1,
      status_changed_at: changedAt,
      ordered_at: '2026-01-29T11:30:49.000000Z',
      created_at: '2026-01-29T11:35:03.000000Z',
      updated_at: changedAt,
      grand_total: 1198,
      payments_total: 0,
      products_total: 1198,
      payment_status: 'not_paid',
      client_id: 23043,
      manager_id: 6,
      manager_comment: options.comment ?? null,
    },
  })
  // parseWebhook narrows by the event name; this only convinces the type checker.
  if (event.kind !== 'order_status') throw new Error('sampleOrderEvent: unexpected kind')
  return event
}
