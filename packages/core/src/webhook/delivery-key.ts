/**
 * Idempotency keys of KeyCRM deliveries.
 *
 * @module
 */
import { canonicalJson, fnv1a64 } from './hash.ts'
import type { KeycrmEvent } from './types.ts'

/**
 * The stable idempotency key of one KeyCRM delivery: a redelivery of the same change gives the same
 * key, a different change a different one.
 *
 * Built from the fields that identify a change, as public KeyCRM receivers dedupe:
 * - order status: `order.change_order_status:<id>:status=<status_id>:at=<status_changed_at ?? updated_at>`
 * - payment: `order.change_payment_status:<id>:payment=<payment_status>:at=<updated_at>`
 * - lead: `lead.change_lead_status:<id>:status=<status_id>:at=<status_changed_at ?? updated_at>`
 * - unknown events: `<event>[:<context.id>]:h=<hash of the context>`
 *
 * When a known event carries no timestamp, a hash of its whole context is appended (`at=none:h=...`),
 * so two different changes without timestamps are not merged while a byte-identical retry still is.
 * Free text (event names, payment statuses) is percent-encoded so `:` cannot forge a field.
 * The key depends on values only: JSON key order does not matter, and it survives a JSON round trip.
 *
 * @example `order.change_order_status:23196:status=1:at=2026-01-29T18:53:35.000Z`
 */
export function deliveryKey(event: KeycrmEvent): string {
  switch (event.kind) {
    case 'order_status':
    case 'lead_status': {
      const { id, status_id, status_changed_at, updated_at, raw } = event.context
      return `${event.event}:${id}:status=${status_id ?? 'none'}:${changedAt(status_changed_at ?? updated_at, raw)}`
    }
    case 'payment_status': {
      const { id, payment_status, updated_at, raw } = event.context
      const payment = payment_status === null ? 'none' : encodeURIComponent(payment_status)
      return `${event.event}:${id}:payment=${payment}:${changedAt(updated_at, raw)}`
    }
    default: {
      const id = event.context.id
      const idPart =
        typeof id === 'number' || (typeof id === 'string' && /^\d{1,16}$/.test(id)) ? `:${id}` : ''
      return `${encodeURIComponent(event.event)}${idPart}:h=${fnv1a64(canonicalJson(event.context))}`
    }
  }
}

function changedAt(at: string | null, raw: Record<string, unknown>): string {
  return at === null ? `at=none:h=${fnv1a64(canonicalJson(raw))}` : `at=${at}`
}
