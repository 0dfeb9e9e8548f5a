import { describe, expect, it } from 'vitest'
import {
  finalizeTargets,
  matchRouteRules,
  RouteConfigError,
  resolveChatMigration,
  validateRouteRules,
} from '../../src/delivery/routes.ts'
import { memoryStore } from '../../src/stores/index.ts'
import type { KeycrmEvent, KeycrmOrderContext } from '../../src/webhook/types.ts'

function order(overrides: Partial<KeycrmOrderContext>): KeycrmOrderContext {
  return {
    id: 1,
    parent_id: null,
    source_id: null,
    source_uuid: null,
    client_id: null,
    manager_id: null,
    status_id: 1,
    status_group_id: 1,
    status_changed_at: null,
    payment_status: 'not_paid',
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
    ...overrides,
  }
}

const statusEvent = (statusId: number): KeycrmEvent => ({
  kind: 'order_status',
  event: 'order.change_order_status',
  context: order({ status_id: statusId }),
})
const paymentEvent = (payment: string, statusId = 5): KeycrmEvent => ({
  kind: 'payment_status',
  event: 'order.change_payment_status',
  context: order({ payment_status: payment, status_id: statusId }),
})
const unknownEvent: KeycrmEvent = { kind: 'unknown', event: 'order.created', context: { id: 3 } }

describe('validateRouteRules', () => {
  it('accepts rules and normalises numeric chat ids to strings', () => {
    const rules = validateRouteRules([
      { chatId: -1001234567890, threadId: 3, kinds: ['order_status'], statusIds: [5], locale: 'en' },
      { chatId: '@shop_orders', paymentStatuses: ['paid'], disableNotification: true },
    ])
    expect(rules[0]?.chatId).toBe('-1001234567890')
    expect(rules[1]?.chatId).toBe('@shop_orders')
  })

  it('lists every problem with its path, including typos in keys', () => {
    let error: unknown
    try {
      validateRouteRules([
        { chatId: 'general' },
        { chatId: '-100', kinds: ['order_created'] },
        { chatId: '5', threadId: 0, chatID: '6' },
      ])
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(RouteConfigError)
    const problems = (error as RouteConfigError).problems.join('\n')
    expect(problems).toMatch(/routes\[0\]\.chatId: expected a numeric chat id/)
    expect(problems).toMatch(/routes\[1\]\.kinds\[0\]: expected one of order_status, payment_status/)
    expect(problems).toMatch(/routes\[2\]\.threadId/)
    expect(problems).toMatch(/routes\[2\]\.chatID/)
  })

  it('rejects a non-array', () => {
    expect(() => validateRouteRules({ chatId: '1' })).toThrow(RouteConfigError)
  })
})

describe('matchRouteRules', () => {
  const rules = validateRouteRules([
    { chatId: '1' },
    { chatId: '2', kinds: ['order_status'] },
    { chatId: '3', statusIds: [5, 6] },
    { chatId: '4', paymentStatuses: ['paid', 'overpaid'] },
    { chatId: '5', statusIds: [5], paymentStatuses: ['paid'] },
    { chatId: '6', kinds: ['payment_status'], statusIds: [5] },
  ])
  const ids = (event: KeycrmEvent) => matchRouteRules(rules, event).map((target) => target.chatId)

  it('applies empty filters as "everything"', () => {
    expect(ids(unknownEvent)).toEqual(['1'])
  })

  it('matches status ids only on status changes', () => {
    expect(ids(statusEvent(5))).toEqual(['1', '2', '3', '5'])
    expect(ids(statusEvent(2))).toEqual(['1', '2'])
  })

  it('matches payment statuses only on payment changes (an order in status 5 paying is no status move)', () => {
    expect(ids(paymentEvent('paid'))).toEqual(['1', '4', '5'])
    expect(ids(paymentEvent('part_paid'))).toEqual(['1'])
  })

  it('carries per-route overrides into the target', () => {
    const [target] = matchRouteRules(
      validateRouteRules([{ chatId: '-100', threadId: 9, locale: 'en', disableNotification: true }]),
      unknownEvent,
    )
    expect(target).toEqual({ chatId: '-100', threadId: 9, locale: 'en', disableNotification: true })
  })
})

describe('chat migrations', () => {
  it('follows remembered migrations, chains included, and dedupes targets', async () => {
    const store = memoryStore()
    await store.kv.set('chat-migration:-1', '-1001')
    await store.kv.set('chat-migration:-1001', '-1002')
    expect(await resolveChatMigration(store.kv, '-1')).toBe('-1002')
    expect(await resolveChatMigration(store.kv, '-7')).toBe('-7')
    const targets = await finalizeTargets(store.kv, [
      { chatId: '-1', locale: 'en' },
      { chatId: '-1002', locale: 'ru' },
      { chatId: '-1002', threadId: 4 },
    ])
    expect(targets).toEqual([
      { chatId: '-1002', locale: 'en' },
      { chatId: '-1002', threadId: 4 },
    ])
  })

  it('stops on a cycle', async () => {
    const store = memoryStore()
    await store.kv.set('chat-migration:-1', '-2')
    await store.kv.set('chat-migration:-2', '-1')
    expect(['-1', '-2']).toContain(await resolveChatMigration(store.kv, '-1'))
  })
})
