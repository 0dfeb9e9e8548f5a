import {
  formatSummary,
  summarize,
  summaryHeader,
  summaryItem,
  summaryLine,
  validateTelegramHtml,
} from '@keygram/core'
import { describe, expect, it } from 'vitest'
import {
  accountOrderStatuses,
  leadEvent,
  minimalLead,
  orderContext,
  orderStatusEvent,
  paymentEvent,
  productionOrder,
  unknownEvent,
} from './events.ts'

const statuses = { order: accountOrderStatuses, lead: { 1002: { name: 'В роботі' } } }

describe('summaryItem', () => {
  it('names where an order went, localized, with its status group and total', () => {
    const completed = orderStatusEvent(orderContext({ id: 23196, status_id: 12, grand_total: 1198 }))
    expect(summaryItem(completed, { statuses })).toEqual({
      locale: 'uk',
      kind: 'order_status',
      id: 23196,
      to: 'Виконано',
      groupId: 5,
      total: 1198,
      currency: 'UAH',
    })
    expect(summaryItem(completed, { statuses, locale: 'ru', currency: 'EUR' })).toMatchObject({
      to: 'Выполнен',
      currency: 'EUR',
    })
    // Without the status list the id stands in, as in the messages.
    expect(summaryItem(completed)?.to).toBe('#12')
  })

  it('names the payment status for payments, the funnel status for leads, and nothing for the rest', () => {
    expect(summaryItem(paymentEvent(productionOrder), { locale: 'en' })).toEqual({
      locale: 'en',
      kind: 'payment_status',
      id: 23196,
      to: 'Not paid',
      total: 1198,
      currency: 'UAH',
    })
    expect(summaryItem(leadEvent(minimalLead), { statuses })).toEqual({
      locale: 'uk',
      kind: 'lead_status',
      id: 13898,
      to: 'В роботі',
    })
    expect(summaryItem(unknownEvent('order.new_thing', { id: 1 }))).toBeUndefined()
    expect(summaryItem(orderStatusEvent(orderContext({ id: 1 })))).toBeUndefined()
  })

  it('takes the total from enrichment when the webhook lacks it, and shortens a long status name', () => {
    const bare = orderStatusEvent(orderContext({ id: 1, status_id: 3 }))
    const item = summaryItem(bare, {
      statuses: { order: { 3: { name: 'x'.repeat(500) } } },
      enrichment: { totals: { grand_total: 450 } },
    })
    expect(item?.total).toBe(450)
    expect(Array.from(item?.to ?? '')).toHaveLength(60)
  })
})

describe('summarize', () => {
  it('gives the line and the item a job carries, as summaryLine and summaryItem do', () => {
    const events = [
      orderStatusEvent(orderContext({ id: 1, status_id: 12, grand_total: 5 })),
      paymentEvent(productionOrder),
      leadEvent(minimalLead),
      unknownEvent('x.y', { id: 2 }),
    ]
    for (const event of events) {
      const options = { statuses, locale: 'en' as const }
      const item = summaryItem(event, options)
      expect(summarize(event, options)).toEqual(
        item === undefined
          ? { line: summaryLine(event, options) }
          : { line: summaryLine(event, options), item },
      )
    }
  })
})

describe('formatSummary', () => {
  it('escapes status names and keeps plain lines as they are (already escaped)', () => {
    const text = formatSummary([
      { line: 'a', item: { locale: 'en', kind: 'order_status', id: 2, to: '<i>Shipped</i> & co' } },
      { line: 'Low stock: a&amp;b' },
    ])
    expect(text).toBe(
      '<b>2 updates</b>\n📦 → <b>&lt;i&gt;Shipped&lt;/i&gt; &amp; co</b> (1): #2\nLow stock: a&amp;b',
    )
    expect(validateTelegramHtml(text)).toEqual({ ok: true })
  })

  it('counts updates in the header with each language’s plural forms', () => {
    expect([1, 2, 5, 11, 21, 22, 25].map((count) => summaryHeader(count, 'uk'))).toEqual([
      '<b>1 оновлення</b>',
      '<b>2 оновлення</b>',
      '<b>5 оновлень</b>',
      '<b>11 оновлень</b>',
      '<b>21 оновлення</b>',
      '<b>22 оновлення</b>',
      '<b>25 оновлень</b>',
    ])
    expect([1, 3, 50].map((count) => summaryHeader(count, 'ru'))).toEqual([
      '<b>1 обновление</b>',
      '<b>3 обновления</b>',
      '<b>50 обновлений</b>',
    ])
    expect([1, 50].map((count) => summaryHeader(count))).toEqual(['<b>1 update</b>', '<b>50 updates</b>'])
  })
})
