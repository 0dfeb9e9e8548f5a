/**
 * Digest numbers from the event log: new orders and their total, cancellations, and orders waiting for
 * payment too long.
 *
 * @module
 */
import type { EventRecord } from '../delivery/types.ts'

/** The stretch of time a digest covers: `[start, end)`, named by its local date. */
export interface DigestPeriod {
  /** `YYYY-MM-DD` of the local day, used in the delivery key. */
  key: string
  start: number
  end: number
  timeZone: string
}

/** What a digest says. */
export interface DigestStats {
  period: DigestPeriod
  /** Orders created in the period or moved into status group 1 (new) in it. */
  newOrders: number
  /** Sum of their `grand_total` (the latest known value of each). */
  newOrdersTotal: number
  /** Orders moved into status group 6 (canceled) in the period. */
  canceled: number
  /**
   * Orders whose latest known state at the period's end is unpaid (`not_paid`, `part_paid`), neither
   * completed nor canceled, and created (or first seen) more than the threshold before the period's end.
   */
  awaitingPayment: number
  /** Every delivery accepted in the period, of any kind. */
  events: number
}

/** Options of {@link computeDigest}. */
export interface ComputeDigestOptions {
  /** How long an unpaid order must wait to count, in ms. Default 24 h. */
  awaitingPaymentAfterMs?: number
}

const UNPAID = new Set(['not_paid', 'part_paid'])
const CLOSED_GROUPS = new Set([5, 6])
const STATUS_GROUP_NEW = 1
const STATUS_GROUP_CANCELED = 6

const isOrder = (record: EventRecord) =>
  (record.kind === 'order_status' || record.kind === 'payment_status') && record.entityId !== null

/**
 * Computes a digest from `records`: every record up to `period.end` the log holds for the lookback (the
 * waiting-for-payment count needs orders created before the period), oldest first.
 */
export function computeDigest(
  records: readonly EventRecord[],
  period: DigestPeriod,
  options: ComputeDigestOptions = {},
): DigestStats {
  const waitMs = options.awaitingPaymentAfterMs ?? 24 * 60 * 60 * 1000
  const inPeriod = (at: number | null) => at !== null && at >= period.start && at < period.end
  const fresh = new Set<number>()
  const canceled = new Set<number>()
  const latest = new Map<number, EventRecord>()
  const firstSeen = new Map<number, number>()
  const lastTotal = new Map<number, number>()
  let events = 0

  for (const record of records) {
    if (record.at >= period.end) continue
    // Presses of action buttons are logged beside the deliveries; they are not deliveries.
    if (inPeriod(record.at) && record.kind !== 'action') events++
    if (!isOrder(record)) continue
    const id = record.entityId!
    latest.set(id, record)
    if (!firstSeen.has(id)) firstSeen.set(id, record.at)
    if (record.grandTotal !== null) lastTotal.set(id, record.grandTotal)
    if (inPeriod(record.createdAt)) fresh.add(id)
    if (!inPeriod(record.at) || record.kind !== 'order_status') continue
    if (record.statusGroupId === STATUS_GROUP_NEW) fresh.add(id)
    if (record.statusGroupId === STATUS_GROUP_CANCELED) canceled.add(id)
  }

  let newOrdersTotal = 0
  for (const id of fresh) newOrdersTotal += lastTotal.get(id) ?? 0
  let awaitingPayment = 0
  for (const [id, record] of latest) {
    if (record.paymentStatus === null || !UNPAID.has(record.paymentStatus)) continue
    if (record.statusGroupId !== null && CLOSED_GROUPS.has(record.statusGroupId)) continue
    const since = record.createdAt ?? firstSeen.get(id)!
    if (period.end - since > waitMs) awaitingPayment++
  }
  return {
    period,
    newOrders: fresh.size,
    // Money is summed in cents so a hundred 0.1s make 10, not 9.99999.
    newOrdersTotal: Math.round(newOrdersTotal * 100) / 100,
    canceled: canceled.size,
    awaitingPayment,
    events,
  }
}
