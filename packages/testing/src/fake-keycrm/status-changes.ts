/**
 * What KeyCRM does when an order's or a funnel card's status changes (through `PUT` or in its UI): the
 * columns it updates, the checks on `status_id`, and the webhook body its "Send webhook" trigger posts.
 *
 * @module
 */
import type { FakeKeycrmData, FakeLead, FakeOrder, FakeRecord } from './data.ts'
import { HttpError, validationError } from './http-error.ts'

/** The body of a KeyCRM trigger webhook: the event and the entity's own columns. */
export interface FakeKeycrmWebhookBody {
  event: string
  context: Record<string, unknown>
}

/** Which kind of record a status change is for. */
export type StatusTarget = 'order' | 'lead'

const EVENTS: Record<StatusTarget, string> = {
  order: 'order.change_order_status',
  lead: 'lead.change_lead_status',
}

/** KeyCRM's time format on entities: UTC with six (zero) fraction digits, `2026-01-29T18:53:35.000000Z`. */
export const keycrmTime = (ms: number): string =>
  new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, '.000000Z')

/** An order's own columns, without the records an `include` joins (buyer, products, shipping, payments). */
export function orderColumns(order: FakeOrder): FakeRecord {
  const { buyer: _b, products: _p, shipping: _s, payments: _pay, ...columns } = structuredClone(order)
  return columns
}

/** A funnel card's own columns, without its contact and products. */
export function leadColumns(lead: FakeLead): FakeRecord {
  const {
    contact: _c,
    products: _p,
    ...columns
  } = structuredClone(lead) as FakeLead & {
    contact?: unknown
    products?: unknown
  }
  return columns
}

/**
 * The status a write body asks for, checked like KeyCRM's validation (422 for a non-integer or unknown id);
 * `undefined` when the body does not set `status_id`.
 */
export function requestedStatus(
  body: Record<string, unknown>,
  statuses: FakeRecord[],
): FakeRecord | undefined {
  const raw = body.status_id
  if (raw === undefined || raw === null) return undefined
  const id = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw
  if (!Number.isInteger(id)) throw validationError('status_id', 'The status id must be an integer.')
  const status = statuses.find((item) => item.id === id)
  if (status === undefined) throw validationError('status_id', 'The selected status id is invalid.')
  return status
}

/** The record a write or a UI change targets; 404 with KeyCRM's message when there is none. */
export function findTarget(
  data: FakeKeycrmData,
  target: StatusTarget,
  id: string | number,
): FakeOrder | FakeLead {
  const records: Array<FakeOrder | FakeLead> = target === 'order' ? data.orders : data.leads
  const found = records.find((record) => String(record.id) === String(id))
  if (found === undefined) {
    throw new HttpError(404, { message: target === 'order' ? 'Order not found' : 'Card not found' })
  }
  return found
}

/** The statuses a record of this kind may take: the order statuses, or every funnel's statuses. */
export const statusesFor = (data: FakeKeycrmData, target: StatusTarget): FakeRecord[] =>
  target === 'order' ? data.orderStatuses : data.pipelineStatuses

/**
 * Move the record (in place) to `status` at `nowMs`, as KeyCRM does: an order takes the status's group, a card
 * the status's funnel (KeyCRM moves a card to another funnel when given that funnel's status). Setting the
 * status it already has changes nothing and fires nothing, as a save without changes does in KeyCRM.
 * Returns the webhook KeyCRM fires for the change, or `undefined` when nothing changed.
 */
export function applyStatus(
  target: StatusTarget,
  record: FakeOrder | FakeLead,
  status: FakeRecord,
  nowMs: number,
): FakeKeycrmWebhookBody | undefined {
  if (record.status_id === status.id) return undefined
  const at = keycrmTime(nowMs)
  record.status_id = status.id
  if (target === 'order') record.status_group_id = status.group_id
  else record.pipeline_id = status.pipeline_id as number
  record.status_changed_at = at
  record.updated_at = at
  return { event: EVENTS[target], context: columnsOf(target, record) }
}

/** The record's own columns: what a KeyCRM webhook's `context` and `PUT /order/{id}`'s reply carry. */
export const columnsOf = (target: StatusTarget, record: FakeOrder | FakeLead): FakeRecord =>
  target === 'order' ? orderColumns(record as FakeOrder) : leadColumns(record as FakeLead)
