/**
 * From an accepted event to the compact {@link EventRecord} digests count.
 *
 * @module
 */
import type { EventRecord } from '../delivery/types.ts'
import type { KeycrmEvent } from '../webhook/types.ts'

function epoch(value: unknown): number | null {
  if (typeof value !== 'string') return null
  const ms = Date.parse(value)
  return Number.isNaN(ms) ? null : ms
}

function integer(value: unknown): number | null {
  const number = typeof value === 'string' && /^-?\d{1,15}$/.test(value) ? Number(value) : value
  return typeof number === 'number' && Number.isSafeInteger(number) ? number : null
}

/** The record of `event`, accepted at `at` (epoch ms) under `deliveryKey`. */
export function eventRecordOf(event: KeycrmEvent, deliveryKey: string, at: number): EventRecord {
  const record: EventRecord = {
    deliveryKey,
    at,
    kind: event.kind,
    event: event.event,
    entityId: null,
    statusId: null,
    statusGroupId: null,
    paymentStatus: null,
    grandTotal: null,
    sourceId: null,
    managerId: null,
    createdAt: null,
    statusChangedAt: null,
  }
  switch (event.kind) {
    case 'order_status':
    case 'payment_status': {
      const order = event.context
      record.entityId = order.id
      record.statusId = order.status_id
      record.statusGroupId = order.status_group_id
      record.paymentStatus = order.payment_status
      record.grandTotal = order.grand_total
      record.sourceId = order.source_id
      record.managerId = order.manager_id
      record.createdAt = epoch(order.created_at)
      record.statusChangedAt = epoch(order.status_changed_at)
      break
    }
    case 'lead_status': {
      const lead = event.context
      record.entityId = lead.id
      record.statusId = lead.status_id
      record.sourceId = lead.source_id
      record.managerId = lead.manager_id
      record.createdAt = epoch(lead.created_at)
      record.statusChangedAt = epoch(lead.status_changed_at)
      break
    }
    default:
      record.entityId = integer(event.context.id)
  }
  return record
}
