/**
 * The order details every message shows: totals and payment status completed from the API, product lines
 * that say what a price is, tracking numbers linked to the carrier, managers mentioned.
 */
import {
  carrierOf,
  type FormatOptions,
  formatNotification,
  type KeycrmEvent,
  orderEnrichment,
  trackingUrl,
  validateTelegramHtml,
  visibleText,
} from '@keygram/core'
import { describe, expect, it } from 'vitest'
import createdOrder from '../fixtures/keycrm-api/order.create.response.json' with { type: 'json' }
import {
  leadContext,
  leadEvent,
  orderContext,
  orderStatusEvent,
  paymentEvent,
  productionOrder,
} from './events.ts'

const nbsp = '\u00a0'

function text(event: KeycrmEvent, options: FormatOptions = {}): string {
  const messages = formatNotification(event, options)
  expect(messages).toHaveLength(1)
  expect(validateTelegramHtml(messages[0]!.text)).toEqual({ ok: true })
  return messages[0]!.text
}

describe('totals and payment status', () => {
  const bare = orderStatusEvent(orderContext({ id: 1, status_id: 1 }))

  it('come from the API reply when the webhook lacks them (a real POST /order reply)', () => {
    const enrichment = orderEnrichment(createdOrder)
    expect(enrichment.totals).toEqual({ grand_total: 190, payments_total: 0, payment_status: 'not_paid' })
    const shown = visibleText(text(bare, { enrichment, locale: 'en' }))
    expect(shown).toContain('Payment: ❌ Not paid')
    expect(shown).toContain(`Total: UAH${nbsp}190`)
    expect(visibleText(text(bare))).not.toMatch(/Оплата|Сума/)
  })

  it("keep the webhook's own values over the API's (the event says what happened)", () => {
    const enrichment = { totals: { grand_total: 5, payments_total: 5, payment_status: 'paid' } }
    const shown = visibleText(text(paymentEvent(productionOrder), { enrichment }))
    expect(shown).toContain('Оплата: ❌ Не оплачено')
    expect(shown).toContain(`Сума: 1${nbsp}198${nbsp}₴ · Сплачено: 0${nbsp}₴`)
  })

  it('read numeric strings from the API and show the paid part of a partly paid order', () => {
    const enrichment = orderEnrichment({
      id: 1,
      grand_total: '1200.50',
      payments_total: '200',
      payment_status: 'part_paid',
    })
    expect(visibleText(text(bare, { enrichment, locale: 'en' }))).toContain(
      `Total: UAH${nbsp}1,200.50 · Paid: UAH${nbsp}200`,
    )
  })
})

describe('product lines', () => {
  const withProducts = (products: FormatOptions['enrichment']) =>
    visibleText(text(orderStatusEvent(productionOrder), { enrichment: products, locale: 'en' }))

  it('show unit price times quantity and the line total, and one unit as its price', () => {
    const shown = withProducts({
      products: [
        { name: 'Dress', quantity: 2, price: 450, sku: 'd-1' },
        { name: 'Belt', quantity: 1, price: 99.9 },
        { name: 'Gift wrap', quantity: 3, price: 0.1 },
        { name: 'Sample', quantity: 2, price: null },
        { name: 'Card', quantity: null, price: 20 },
      ],
    })
    expect(shown).toContain(
      [
        `• Dress — 2 × UAH${nbsp}450 = UAH${nbsp}900 · d-1`,
        `• Belt — UAH${nbsp}99.90`,
        // 3 × 0.1 is 0.30000000000000004 in floating point; the line total is rounded to cents.
        `• Gift wrap — 3 × UAH${nbsp}0.10 = UAH${nbsp}0.30`,
        '• Sample × 2',
        `• Card — UAH${nbsp}20`,
      ].join('\n'),
    )
  })
})

describe('tracking links', () => {
  it('recognise the carriers by every common spelling of their names', () => {
    for (const name of ['Нова Пошта', 'Nova Poshta', 'NovaPoshta', 'Новая почта', 'nova post'])
      expect(carrierOf(name)).toBe('nova_poshta')
    for (const name of ['Укрпошта', 'Ukrposhta', 'УкрПочта']) expect(carrierOf(name)).toBe('ukrposhta')
    for (const name of ['Meest Express', 'Міст Експрес', 'meest']) expect(carrierOf(name)).toBe('meest')
    for (const name of ['Самовивіз', 'DHL', '', null]) expect(carrierOf(name)).toBeUndefined()
  })

  it("point at each carrier's public tracking page, and only for numbers that look like one", () => {
    expect(trackingUrl('nova_poshta', '20450000000000')).toBe(
      'https://novaposhta.ua/tracking/?cargo_number=20450000000000',
    )
    expect(trackingUrl('ukrposhta', '0500113014256')).toBe(
      'https://track.ukrposhta.ua/tracking_UA.html?barcode=0500113014256',
    )
    expect(trackingUrl('meest', 'CV123456789UA')).toBe(
      'https://ua.meest.com/parcel-track?parcel_number=CV123456789UA',
    )
    expect(trackingUrl('nova_poshta', '2045 0000 0000 00')).toBe(
      'https://novaposhta.ua/tracking/?cargo_number=20450000000000',
    )
    expect(trackingUrl('nova_poshta', '"><b>x')).toBeUndefined()
    expect(trackingUrl(undefined, '20450000000000')).toBeUndefined()
  })

  it('link the TTN in a message when the carrier is known, and keep it copyable code otherwise', () => {
    const shipped = (service: string, carrier?: 'meest') =>
      text(orderStatusEvent(productionOrder), {
        enrichment: { shipping: { service, tracking_code: 'CV123456789UA', carrier: carrier ?? null } },
      })
    expect(shipped('Укрпошта')).toContain(
      'ТТН: <a href="https://track.ukrposhta.ua/tracking_UA.html?barcode=CV123456789UA">CV123456789UA</a>',
    )
    // The carrier the API named (by alias) wins over a custom service name.
    expect(shipped('Доставка кур’єром', 'meest')).toContain(
      '<a href="https://ua.meest.com/parcel-track?parcel_number=CV123456789UA">',
    )
    expect(shipped('Самовивіз')).toContain('ТТН: <code>CV123456789UA</code>')
  })

  it('take the carrier from the delivery service alias the API sends', () => {
    const enrichment = orderEnrichment({
      id: 1,
      shipping: { tracking_code: '1', deliveryService: { id: 9, name: 'Кур’єр', alias: 'meest_express' } },
    })
    expect(enrichment.shipping?.carrier).toBe('meest')
  })
})

describe('manager mentions', () => {
  const managers = { 6: { telegramUserId: 123456789, name: 'Олена' } }

  it("mention the order's manager by the webhook's manager_id, even without enrichment", () => {
    expect(text(orderStatusEvent(productionOrder), { managers })).toContain(
      '👔 Менеджер: <a href="tg://user?id=123456789">Олена</a>',
    )
  })

  it("use KeyCRM's name when the config gives none, and the enrichment's manager id when the webhook has none", () => {
    const lead = leadEvent(leadContext({ id: 5, status_id: 1 }))
    const enrichment = { manager: { id: 6, full_name: 'Олена Коваль' } }
    expect(text(lead, { managers: { 6: { telegramUserId: 42 } }, enrichment })).toContain(
      '👔 Менеджер: <a href="tg://user?id=42">Олена Коваль</a>',
    )
  })

  it('show the plain name for a manager without a Telegram account, and escape names', () => {
    const enrichment = { manager: { id: 7, full_name: '<b>Петро</b>' } }
    const order = orderStatusEvent(orderContext({ id: 1, manager_id: 7 }))
    expect(text(order, { managers, enrichment })).toContain('👔 Менеджер: &lt;b&gt;Петро&lt;/b&gt;')
    expect(text(order, { managers: { 7: { telegramUserId: 1 } } })).toContain(
      '👔 Менеджер: <a href="tg://user?id=1">#7</a>',
    )
  })

  it('ignore an id that is not a Telegram user id', () => {
    const bad = { 6: { telegramUserId: -5, name: 'Олена' } }
    expect(text(orderStatusEvent(productionOrder), { managers: bad })).toContain('👔 Менеджер: Олена')
  })
})
