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
import { orderContext } from '../format/events.ts'

/** An order context with status 1 (group 1), not paid, every other column null; then the overrides. */
function order(overrides: Partial<KeycrmOrderContext>): KeycrmOrderContext {
  return orderContext({ id: 1, status_id: 1, status_group_id: 1, payment_status: 'not_paid', ...overrides })
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

/** The error `validateRouteRules(rules)` throws; fails the test if it throws none or another. */
function routeErrorOf(rules: unknown): RouteConfigError {
  try {
    validateRouteRules(rules)
  } catch (error) {
    if (error instanceof RouteConfigError) return error
    throw error
  }
  throw new Error('expected a RouteConfigError')
}

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
    expect(problems).toMatch(/routes\[2\]: unknown option "chatID"; valid options: chatId, /)
  })

  it('reports every unknown key of a rule beside its bad chat id, in a stable order', () => {
    const error = routeErrorOf([{ chatId: 'general', kind: ['order_status'], chatID: '-100' }])
    expect(error.problems).toEqual([
      'routes[0].chatId: expected a numeric chat id or @username',
      'routes[0]: unknown option "kind"; valid options: chatId, threadId, chats, kinds, statusIds, statusNames, statusGroups, paymentStatuses, sourceIds, managerIds, quietHours, disableNotification, locale, cards, loud',
      'routes[0]: unknown option "chatID"; valid options: chatId, threadId, chats, kinds, statusIds, statusNames, statusGroups, paymentStatuses, sourceIds, managerIds, quietHours, disableNotification, locale, cards, loud',
    ])
    // The message lists the same problems, one a line.
    expect(error.message.split('\n').slice(1)).toEqual(error.problems.map((problem) => `  - ${problem}`))
  })

  it('reports the problems of every rule: fields, unknown keys, checks across fields and status names', () => {
    const error = routeErrorOf([
      { threadId: 0, topic: 5 },
      {
        chatId: '1',
        chats: [{ chatId: 2, thread: 1, silent: true }],
        quietHours: [{ from: 9, to: '10:00', tz: 'UTC' }],
      },
      { chatId: '1', statusNames: ['Paid'] },
      { chatId: '1', statusNames: ['Paid'], locale: 'de' },
    ])
    expect(error.problems).toEqual([
      'routes[0].threadId: expected >=1, got 0',
      'routes[0]: unknown option "topic"; valid options: chatId, threadId, chats, kinds, statusIds, statusNames, statusGroups, paymentStatuses, sourceIds, managerIds, quietHours, disableNotification, locale, cards, loud',
      'routes[0]: a rule needs chatId or chats',
      'routes[0]: threadId needs chatId',
      'routes[1].quietHours[0].from: expected text, got 9',
      'routes[1].chats[0]: unknown option "thread"; valid options: chatId, threadId',
      'routes[1].chats[0]: unknown option "silent"; valid options: chatId, threadId',
      'routes[1].quietHours[0]: unknown option "tz"; valid options: from, to, timeZone, days',
      "routes[2].statusNames: names need KeyCRM's status list; configure the KeyCRM API key or use statusIds",
      'routes[3].locale: expected one of uk, en, ru',
      "routes[3].statusNames: names need KeyCRM's status list; configure the KeyCRM API key or use statusIds",
    ])
  })

  it('shows what is wrong inside a single quiet-hours window', () => {
    expect(
      routeErrorOf([{ chatId: '1', quietHours: { from: 22, to: '08:00', mute: true } }]).problems,
    ).toEqual([
      'routes[0].quietHours.from: expected text, got 22',
      'routes[0].quietHours: unknown option "mute"; valid options: from, to, timeZone, days',
    ])
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

describe('extended rules', () => {
  const statuses = {
    order: {
      1: { name: 'new', alias: 'new', groupId: 1 },
      11: { name: 'in_transit', alias: 'in_transit', groupId: 4 },
      20: { name: 'Не забрали з пошти', alias: 'custom_20', groupId: 6 },
    },
    lead: { 1002: { name: 'В роботі', alias: 'in_work' } },
  }
  const shipped = (overrides: Partial<KeycrmOrderContext> = {}): KeycrmEvent => ({
    kind: 'order_status',
    event: 'order.change_order_status',
    context: order({ status_id: 11, status_group_id: 4, source_id: 1, manager_id: 6, ...overrides }),
  })
  const leadEvent = (statusId: number): KeycrmEvent => ({
    kind: 'lead_status',
    event: 'lead.change_lead_status',
    context: {
      id: 5,
      title: null,
      pipeline_id: 1,
      status_id: statusId,
      contact_id: null,
      manager_id: null,
      source_id: null,
      manager_comment: null,
      status_changed_at: null,
      created_at: null,
      updated_at: null,
      raw: {},
    },
  })
  const ids = (rules: ReturnType<typeof validateRouteRules>, event: KeycrmEvent, now?: number) =>
    matchRouteRules(rules, event, now).map((target) => target.chatId)

  it('resolves status names (name, alias, or a built-in status label) per dictionary, case-insensitively', () => {
    const rules = validateRouteRules(
      [
        { chatId: '1', statusNames: ['  не забрали з ПОШТИ '] },
        { chatId: '2', statusNames: ['in_transit'] },
        { chatId: '3', statusNames: ['В роботі'] },
      ],
      { statuses },
    )
    expect(ids(rules, shipped({ status_id: 20, status_group_id: 6 }))).toEqual(['1'])
    expect(ids(rules, shipped())).toEqual(['2'])
    expect(ids(rules, leadEvent(1002))).toEqual(['3'])
    // An order in a status whose id equals a lead status id is not a lead status.
    expect(ids(rules, shipped({ status_id: 1002 }))).toEqual([])
    // A validated rule validates again to the same rule (the server validates config, then the notifier).
    expect(validateRouteRules(rules, { statuses })).toEqual(rules)
  })

  it('reports unknown status names with the known ones, and names without a status list', () => {
    expect(() => validateRouteRules([{ chatId: '1', statusNames: ['Shipped'] }], { statuses })).toThrow(
      /routes\[0\]\.statusNames\[0\]: no KeyCRM status is named "Shipped" \(known: "new", "in_transit", "Не забрали з пошти", "В роботі"\)/,
    )
    expect(() => validateRouteRules([{ chatId: '1', statusNames: ['new'] }])).toThrow(
      /routes\[0\]\.statusNames: names need KeyCRM's status list/,
    )
  })

  it('filters by status group (id or name), source and manager, all given filters together', () => {
    const rules = validateRouteRules([
      { chatId: '1', statusGroups: ['canceled', 4] },
      { chatId: '2', sourceIds: [1] },
      { chatId: '3', managerIds: [7] },
      { chatId: '4', sourceIds: [1], managerIds: [6], statusGroups: ['delivery'] },
    ])
    expect(rules[0]?.statusGroups).toEqual([6, 4])
    expect(ids(rules, shipped())).toEqual(['1', '2', '4'])
    expect(ids(rules, shipped({ status_group_id: 2, manager_id: 7 }))).toEqual(['2', '3'])
    expect(ids(rules, shipped({ source_id: null }))).toEqual(['1'])
    // Groups describe order statuses; payments and leads never match them.
    const paidFromSite: KeycrmEvent = {
      kind: 'payment_status',
      event: 'order.change_payment_status',
      context: order({
        status_id: 11,
        status_group_id: 4,
        source_id: 1,
        manager_id: 6,
        payment_status: 'paid',
      }),
    }
    expect(ids(rules, paidFromSite)).toEqual(['2'])
    expect(ids(rules, leadEvent(1002))).toEqual([])
    expect(ids(rules, unknownEvent)).toEqual([])
  })

  it('sends one rule to several chats and topics', () => {
    const rules = validateRouteRules([
      {
        chatId: -100,
        threadId: 2,
        chats: [{ chatId: '@shop_orders' }, { chatId: -200, threadId: 7 }],
        locale: 'en',
      },
    ])
    expect(matchRouteRules(rules, shipped())).toEqual([
      { chatId: '-100', threadId: 2, locale: 'en' },
      { chatId: '@shop_orders', locale: 'en' },
      { chatId: '-200', threadId: 7, locale: 'en' },
    ])
  })

  it('delivers silently inside quiet hours in the rule time zone, past midnight and by weekday', () => {
    const rules = validateRouteRules([
      { chatId: '1', quietHours: { from: '22:00', to: '08:00' } },
      { chatId: '2', quietHours: [{ from: '13:00', to: '14:00', timeZone: 'UTC', days: ['sat', 'sun'] }] },
      { chatId: '3', quietHours: { from: '22:00', to: '08:00', days: ['fri'] }, disableNotification: false },
    ])
    const silent = (now: string) =>
      matchRouteRules(rules, shipped(), Date.parse(now))
        .filter((target) => target.disableNotification === true)
        .map((target) => target.chatId)
    // Kyiv is UTC+2 in January. Friday 2026-01-30 23:30 local:
    expect(silent('2026-01-30T21:30:00Z')).toEqual(['1', '3'])
    // Saturday 2026-01-31 07:59 local: still Friday's window; 08:00 it is over.
    expect(silent('2026-01-31T05:59:00Z')).toEqual(['1', '3'])
    expect(silent('2026-01-31T06:00:00Z')).toEqual([])
    // Saturday 13:30 UTC (rule 2's zone), and Thursday night (rule 3 is Fridays only).
    expect(silent('2026-01-31T13:30:00Z')).toEqual(['2'])
    expect(silent('2026-01-29T21:30:00Z')).toEqual(['1'])
    const target = matchRouteRules(rules, shipped(), Date.parse('2026-01-29T10:00:00Z'))[2]
    expect(target?.disableNotification).toBe(false)
  })

  it('reports bad destinations, groups and quiet hours clearly', () => {
    let error: unknown
    try {
      validateRouteRules([
        { kinds: ['order_status'] },
        { chatId: '1', statusGroups: ['shipped', 7] },
        { chatId: '1', quietHours: { from: '22:00', to: '8:00' } },
        { chatId: '1', quietHours: { from: '10:00', to: '10:00', timeZone: 'Kyiv' } },
        { chats: [], threadId: 3 },
      ])
    } catch (caught) {
      error = caught
    }
    const problems = (error as RouteConfigError).problems.join('\n')
    expect(problems).toMatch(/routes\[0\]: a rule needs chatId or chats/)
    expect(problems).toMatch(
      /routes\[1\]\.statusGroups\[0\]: expected a status group 1-6 or one of new, approval/,
    )
    expect(problems).toMatch(/routes\[1\]\.statusGroups\[1\]/)
    expect(problems).toMatch(/routes\[2\]\.quietHours\.to: expected a local time HH:MM/)
    expect(problems).toMatch(/routes\[3\]\.quietHours\.timeZone: unknown time zone "Kyiv"/)
    expect(problems).toMatch(/routes\[4\]\.chats: expected at least one chat/)
  })
})
