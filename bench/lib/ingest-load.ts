/**
 * The ingest bench's load: distinct KeyCRM order-status webhooks in the production shape (see
 * `packages/core/test/fixtures/order.change_order_status.production-abbreviated.json`), each a new delivery
 * (its own order id and change time), so none is suppressed as a redelivery.
 *
 * @module
 */

/** The servers the ingest bench compares. */
export const INGEST_TARGETS = [
  'node-http',
  'express',
  'keygram-memory',
  'keygram-sqlite',
  'keygram-discard',
] as const

/** One of {@link INGEST_TARGETS}. */
export type IngestTarget = (typeof INGEST_TARGETS)[number]

/** Whether `value` names an {@link IngestTarget}. */
export function isIngestTarget(value: unknown): value is IngestTarget {
  return (INGEST_TARGETS as readonly unknown[]).includes(value)
}

/** The webhook secret of the bench servers (a bench value, not a real secret). */
export const BENCH_SECRET = 'bench-ingest-secret-0123456789'

/** The chat every bench notification is routed to. */
export const BENCH_CHAT_ID = '-1001000000001'

/** The path every target is posted at (the Keygram webhook URL; the others ignore the secret). */
export const WEBHOOK_PATH = `/webhooks/keycrm/${BENCH_SECRET}`

const FIRST_ORDER_ID = 1_000_000
const START_MS = Date.parse('2026-01-29T18:53:35Z')

/**
 * The body of webhook number `index`: the production sample with its own order id, shop number, totals
 * and change time (KeyCRM's microsecond timestamp format), so every body is a distinct delivery.
 */
export function webhookBody(index: number): string {
  const id = FIRST_ORDER_ID + index
  const statusId = (index % 6) + 1
  // Seconds apart, so no two bodies share a change time; the ISO text is what KeyCRM sends.
  const at = new Date(START_MS + index * 1000).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z')
  const total = 1198 + (index % 1000)
  // A template, not JSON.stringify: the load generator builds one body per request and must stay cheap.
  return `{"event":"order.change_order_status","context":{"id":${id},"source_uuid":"№${18_000 + index}","global_source_uuid":"${5_821_089_251_461 + index}","status_on_source":"new","status_group_id":${statusId},"status_id":${statusId},"status_changed_at":"${at}","ordered_at":"2026-01-29T11:30:49.000000Z","created_at":"2026-01-29T11:35:03.000000Z","updated_at":"${at}","grand_total":${total},"payments_total":0,"products_total":${total},"payment_status":"not_paid","client_id":23043,"manager_id":6,"manager_comment":"Нова Пошта, відділення №5, Київ; UTM: instagram / stories"}}`
}
