/**
 * Types of the KeyCRM webhook events Keygram understands.
 *
 * KeyCRM posts `{"event": "<name>", "context": {...}}` where `context` is the entity's own columns,
 * flat and without includes. Values are normalised by the parser: numeric strings become numbers,
 * both timestamp formats become ISO 8601 UTC strings, absent values become `null`.
 * Timestamps stay strings (not `Date`) so an event survives a JSON round trip through a durable queue.
 *
 * @module
 */

/** Payment statuses KeyCRM uses; other strings are kept as they arrive. */
export type KeycrmPaymentStatus = 'paid' | 'overpaid' | 'part_paid' | 'not_paid'

/** An ISO 8601 UTC timestamp, e.g. `2026-01-29T18:53:35.000Z`. */
export type IsoTimestamp = string

/** The columns of an order as KeyCRM sends them in `order.*` webhooks, normalised. */
export interface KeycrmOrderContext {
  /** The order number shown in the KeyCRM UI. */
  id: number
  parent_id: number | null
  source_id: number | null
  /** The shop's own order number, e.g. `"№18766"`. */
  source_uuid: string | null
  client_id: number | null
  manager_id: number | null
  status_id: number | null
  /** Fixed ids: 1 new, 2 approval, 3 production, 4 delivery, 5 completed, 6 canceled. */
  status_group_id: number | null
  status_changed_at: IsoTimestamp | null
  payment_status: KeycrmPaymentStatus | (string & {}) | null
  grand_total: number | null
  products_total: number | null
  payments_total: number | null
  total_discount: number | null
  discount_amount: number | null
  discount_percent: number | null
  shipping_price: number | null
  taxes: number | null
  wrap_price: number | null
  manager_comment: string | null
  client_comment: string | null
  promocode: string | null
  gift_message: string | null
  is_gift: boolean | null
  has_reserves: boolean | null
  is_expired: boolean | null
  fiscal_status: string | null
  created_at: IsoTimestamp | null
  updated_at: IsoTimestamp | null
  ordered_at: IsoTimestamp | null
  closed_at: IsoTimestamp | null
  deleted_at: IsoTimestamp | null
  /**
   * Every key of the context as received, including ones not modelled above (a prototype-safe copy:
   * the keys `__proto__`, `constructor` and `prototype` are dropped at every depth).
   */
  raw: Record<string, unknown>
}

/** The columns of a funnel card (lead) as KeyCRM sends them in `lead.*` webhooks, normalised. */
export interface KeycrmLeadContext {
  id: number
  title: string | null
  pipeline_id: number | null
  status_id: number | null
  contact_id: number | null
  manager_id: number | null
  source_id: number | null
  manager_comment: string | null
  status_changed_at: IsoTimestamp | null
  created_at: IsoTimestamp | null
  updated_at: IsoTimestamp | null
  /**
   * Every key of the context as received, including ones not modelled above (a prototype-safe copy:
   * the keys `__proto__`, `constructor` and `prototype` are dropped at every depth).
   */
  raw: Record<string, unknown>
}

/** `order.change_order_status`: an order moved to another status. */
export interface OrderStatusChangedEvent {
  kind: 'order_status'
  event: 'order.change_order_status'
  context: KeycrmOrderContext
}

/** `order.change_payment_status`: an order's payment status changed. */
export interface OrderPaymentStatusChangedEvent {
  kind: 'payment_status'
  event: 'order.change_payment_status'
  context: KeycrmOrderContext
}

/** `lead.change_lead_status`: a funnel card moved to another status. */
export interface LeadStatusChangedEvent {
  kind: 'lead_status'
  event: 'lead.change_lead_status'
  context: KeycrmLeadContext
}

/** Any other well-formed `{event, context}`: accepted and notified generically, never rejected. */
export interface UnknownKeycrmEvent {
  kind: 'unknown'
  event: string
  /** The context as received (prototype-safe copy, like `raw` of the known contexts). */
  context: Record<string, unknown>
}

/** A parsed KeyCRM webhook. Narrow on `kind` (or on `event` for the known names). */
export type KeycrmEvent =
  | OrderStatusChangedEvent
  | OrderPaymentStatusChangedEvent
  | LeadStatusChangedEvent
  | UnknownKeycrmEvent

/** The event names Keygram models. */
export type KnownKeycrmEventName = Exclude<KeycrmEvent, UnknownKeycrmEvent>['event']
