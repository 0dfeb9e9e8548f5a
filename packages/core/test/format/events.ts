/**
 * Test events built as literal objects of the event types (not via the parser), transcribed from
 * the real KeyCRM fixtures in ../fixtures/.
 */
import type {
  KeycrmLeadContext,
  KeycrmOrderContext,
  LeadStatusChangedEvent,
  OrderPaymentStatusChangedEvent,
  OrderStatusChangedEvent,
  UnknownKeycrmEvent,
} from '@keygram/core'

/** A full order context with every column null, then the overrides. */
export function orderContext(overrides: Partial<KeycrmOrderContext> & { id: number }): KeycrmOrderContext {
  const base: KeycrmOrderContext = {
    id: overrides.id,
    parent_id: null,
    source_id: null,
    source_uuid: null,
    client_id: null,
    manager_id: null,
    status_id: null,
    status_group_id: null,
    status_changed_at: null,
    payment_status: null,
    grand_total: null,
    products_total: null,
    payments_total: null,
    total_discount: null,
    discount_amount: null,
    discount_percent: null,
    shipping_price: null,
    taxes: null,
    wrap_price: null,
    manager_comment: null,
    client_comment: null,
    promocode: null,
    gift_message: null,
    is_gift: null,
    has_reserves: null,
    is_expired: null,
    fiscal_status: null,
    created_at: null,
    updated_at: null,
    ordered_at: null,
    closed_at: null,
    deleted_at: null,
    raw: {},
  }
  return { ...base, ...overrides }
}

/** A full lead context with every column null, then the overrides. */
export function leadContext(overrides: Partial<KeycrmLeadContext> & { id: number }): KeycrmLeadContext {
  return {
    title: null,
    pipeline_id: null,
    status_id: null,
    contact_id: null,
    manager_id: null,
    source_id: null,
    manager_comment: null,
    status_changed_at: null,
    created_at: null,
    updated_at: null,
    raw: {},
    ...overrides,
  }
}

export function orderStatusEvent(context: KeycrmOrderContext): OrderStatusChangedEvent {
  return { kind: 'order_status', event: 'order.change_order_status', context }
}

export function paymentEvent(context: KeycrmOrderContext): OrderPaymentStatusChangedEvent {
  return { kind: 'payment_status', event: 'order.change_payment_status', context }
}

export function leadEvent(context: KeycrmLeadContext): LeadStatusChangedEvent {
  return { kind: 'lead_status', event: 'lead.change_lead_status', context }
}

/** payloads/order.change_order_status.production-abbreviated.json, as received. */
export const productionRaw = {
  id: 23196,
  source_uuid: '№18766',
  global_source_uuid: '5821089251461',
  status_on_source: 'new',
  status_group_id: 1,
  status_id: 1,
  status_changed_at: '2026-01-29T18:53:35.000000Z',
  ordered_at: '2026-01-29T11:30:49.000000Z',
  created_at: '2026-01-29T11:35:03.000000Z',
  updated_at: '2026-01-29T18:53:35.000000Z',
  grand_total: 1198,
  payments_total: 0,
  products_total: 1198,
  payment_status: 'not_paid',
  client_id: 23043,
  manager_id: 6,
  manager_comment: '... містить дані отримувача, доставку, UTM ...',
}

/** The production fixture, normalised as the parser would. */
export const productionOrder: KeycrmOrderContext = orderContext({
  id: 23196,
  source_uuid: '№18766',
  status_group_id: 1,
  status_id: 1,
  status_changed_at: '2026-01-29T18:53:35.000Z',
  ordered_at: '2026-01-29T11:30:49.000Z',
  created_at: '2026-01-29T11:35:03.000Z',
  updated_at: '2026-01-29T18:53:35.000Z',
  grand_total: 1198,
  payments_total: 0,
  products_total: 1198,
  payment_status: 'not_paid',
  client_id: 23043,
  manager_id: 6,
  manager_comment: '... містить дані отримувача, доставку, UTM ...',
  raw: productionRaw,
})

/** payloads/order.change_order_status.replay-minimal.json, normalised. */
export const replayOrder: KeycrmOrderContext = orderContext({
  id: 29068,
  status_id: 20,
  updated_at: '2026-04-02T12:00:00.000Z',
  source_uuid: 'manual-test-29068-run-1',
  raw: {
    id: 29068,
    status_id: 20,
    updated_at: '2026-04-02T12:00:00Z',
    source_uuid: 'manual-test-29068-run-1',
  },
})

/** payloads/lead.change_lead_status.minimal.json, normalised. */
export const minimalLead: KeycrmLeadContext = leadContext({
  id: 13898,
  status_id: 1002,
  raw: { id: 13898, status_id: 1002 },
})

/** The order statuses of the account in api/trigger-event-options.json (RU locale names). */
export const accountOrderStatuses = {
  1: { name: 'new', alias: 'new', groupId: 1 },
  4: { name: 'Выставлен счет', groupId: 2 },
  11: { name: 'Заказ отправлен (доставляється перевозщиком)', groupId: 4 },
  12: { name: 'completed', alias: 'completed', groupId: 5 },
  19: { name: 'canceled', alias: 'canceled', groupId: 6 },
  20: { name: 'Не забрали з пошти', groupId: 6 },
}

export function unknownEvent(event: string, context: Record<string, unknown>): UnknownKeycrmEvent {
  return { kind: 'unknown', event, context }
}
