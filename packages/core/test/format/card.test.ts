import {
  type CardHistoryStep,
  type CardRenderInput,
  type FormatOptions,
  fnv1a64,
  formatCard,
  messageHash,
  type TelegramMessage,
  validateTelegramHtml,
  visibleLength,
  visibleText,
} from '@keygram/core'
import { describe, expect, it } from 'vitest'
import {
  accountOrderStatuses,
  leadContext,
  leadEvent,
  orderContext,
  orderStatusEvent,
  paymentEvent,
  productionOrder,
  unknownEvent,
} from './events.ts'

const nbsp = '\u00a0'
const at = (iso: string) => Date.parse(iso)
const statuses = { order: accountOrderStatuses }

/** Renders and checks what every card must be: one valid, non-empty message within 4096 visible characters. */
function card(input: CardRenderInput, options: FormatOptions = {}): TelegramMessage {
  const message = formatCard(input, options)
  expect(validateTelegramHtml(message.text)).toEqual({ ok: true })
  expect(visibleLength(message.text)).toBeLessThanOrEqual(4096)
  expect(visibleText(message.text).trim()).not.toBe('')
  expect(message.parse_mode).toBe('HTML')
  expect(message.link_preview_options).toEqual({ is_disabled: true })
  return message
}

const lines = (message: TelegramMessage) => visibleText(message.text).split('\n')

/** Kyiv is UTC+2 in January. */
const journey: CardHistoryStep[] = [
  { statusId: 1, at: at('2026-01-29T08:02:00Z') },
  { statusId: 4, at: at('2026-01-29T08:15:00Z') },
  { statusId: 11, at: at('2026-01-29T12:40:00Z') },
]
const shippedOrder = orderStatusEvent({ ...productionOrder, status_id: 11, status_group_id: 4 })

describe('formatCard: an order', () => {
  it('shows number, source, current status with its group emoji, money, details and the history line', () => {
    const message = card(
      { event: shippedOrder, history: journey },
      {
        statuses,
        keycrmDomain: 'myshop',
        enrichment: {
          source: { name: 'Instagram' },
          buyer: { full_name: 'Олена Петренко', phone: '+380501112233' },
          products: [{ name: 'Сукня', quantity: 2, price: 599 }],
          shipping: { service: 'Нова Пошта', tracking_code: '20450000000000' },
        },
        managers: { 6: { telegramUserId: 42, name: 'Олена' } },
      },
    )
    expect(message.text.split('\n')).toEqual([
      '🚚 <b>Замовлення #23196</b> · №18766 · Instagram',
      'Статус: <b>Заказ отправлен (доставляється перевозщиком)</b> (Доставка)',
      `Сума: <b>1${nbsp}198${nbsp}₴</b> · ❌ Не оплачено`,
      '',
      '👤 Покупець: Олена Петренко · +380501112233',
      '🛒 Товари:',
      `• Сукня — 2 × 599${nbsp}₴ = 1${nbsp}198${nbsp}₴`,
      '🚚 Доставка: Нова Пошта · ТТН: <a href="https://novaposhta.ua/tracking/?cargo_number=20450000000000">20450000000000</a>',
      '👔 Менеджер: <a href="tg://user?id=42">Олена</a>',
      '',
      '🕓 Новий 10:02 → Выставлен счет 10:15 → Заказ отправлен (доставляється перевозщ… 14:40',
    ])
    expect(message.reply_markup).toEqual({
      inline_keyboard: [
        [{ text: 'Відкрити в KeyCRM', url: 'https://myshop.keycrm.app/app/orders/view/23196' }],
      ],
    })
    expect(message.disable_notification).toBeUndefined()
  })

  it('is the last history step, not the event, that names the current status', () => {
    // A payment event arrives with the status the order had then; the card shows where it is now.
    const payment = paymentEvent({
      ...productionOrder,
      status_id: 1,
      status_group_id: 1,
      payment_status: 'paid',
    })
    const [headline, status, money] = lines(
      card({ event: payment, history: journey }, { statuses, locale: 'en' }),
    )
    expect(headline).toBe('🚚 Order #23196 · №18766')
    expect(status).toBe('Status: Заказ отправлен (доставляється перевозщиком) (Delivery)')
    expect(money).toBe(`Total: UAH${nbsp}1,198 · ✅ Paid`)
  })

  it('falls back to the event status without history and shows #id for an unknown status', () => {
    const shown = lines(
      card({ event: orderStatusEvent(orderContext({ id: 7, status_id: 99 })), history: [] }),
    )
    expect(shown).toEqual(['📦 Замовлення #7', 'Статус: #99'])
  })

  it('shows the paid part of a partly paid order, and the payment status alone without a total', () => {
    const partly = orderStatusEvent(
      orderContext({
        id: 7,
        status_id: 1,
        grand_total: 900,
        payments_total: 300,
        payment_status: 'part_paid',
      }),
    )
    expect(lines(card({ event: partly, history: [] }))).toContain(
      `Сума: 900${nbsp}₴ · 🌗 Частково оплачено · Сплачено: 300${nbsp}₴`,
    )
    const noTotal = orderStatusEvent(orderContext({ id: 7, status_id: 1, payment_status: 'paid' }))
    expect(lines(card({ event: noTotal, history: [] }))).toContain('Оплата: ✅ Оплачено')
  })

  it('takes the total and payment status from enrichment when the webhook lacks them', () => {
    const bare = orderStatusEvent(orderContext({ id: 7, status_id: 1 }))
    const enrichment = { totals: { grand_total: 450, payment_status: 'not_paid' } }
    expect(lines(card({ event: bare, history: [] }, { enrichment }))).toContain(
      `Сума: 450${nbsp}₴ · ❌ Не оплачено`,
    )
  })

  it('has no button without a KeyCRM domain and is silent when asked', () => {
    const message = card({ event: shippedOrder, history: journey }, { disableNotification: true })
    expect(message.reply_markup).toBeUndefined()
    expect(message.disable_notification).toBe(true)
  })

  it('ignores templates: the card has one layout', () => {
    const message = card({ event: shippedOrder, history: [] }, { templates: { order_status: 'custom {id}' } })
    expect(message.text).toMatch(/^🚚 <b>Замовлення #23196<\/b>/)
  })
})

describe('formatCard: the history line', () => {
  const history = (steps: CardHistoryStep[], options: FormatOptions = {}) =>
    lines(card({ event: shippedOrder, history: steps }, { statuses, ...options })).at(-1)

  it('shows the last five steps behind a leading ellipsis', () => {
    const steps = [1, 4, 1, 4, 1, 4, 11].map((statusId, index) => ({
      statusId,
      at: at('2026-01-29T08:00:00Z') + index * 60_000,
    }))
    expect(history(steps, { locale: 'en' })).toBe(
      '🕓 … → New 10:02 → Выставлен счет 10:03 → New 10:04 → Выставлен счет 10:05 → Заказ отправлен (доставляється перевозщ… 10:06',
    )
  })

  it('adds the date to the first step and to each step on a new day when the steps span days', () => {
    const steps = [
      { statusId: 1, at: at('2026-01-28T21:30:00Z') }, // 23:30 on the 28th in Kyiv
      { statusId: 4, at: at('2026-01-28T22:30:00Z') }, // 00:30 on the 29th in Kyiv
      { statusId: 12, at: at('2026-01-28T23:00:00Z') }, // 01:00 on the 29th in Kyiv
    ]
    expect(history(steps)).toBe('🕓 Новий 28.01 23:30 → Выставлен счет 29.01 00:30 → Виконано 01:00')
    // The same instants in UTC fall on one day: times only.
    expect(history(steps, { timeZone: 'UTC', locale: 'en' })).toBe(
      '🕓 New 21:30 → Выставлен счет 22:30 → Completed 23:00',
    )
  })

  it('keeps steps in the order given (the caller sorts), and a step without a time shows its name', () => {
    const steps = [
      { statusId: 4, at: at('2026-01-29T09:00:00Z') },
      { statusId: 12, at: Number.NaN },
    ]
    expect(history(steps)).toBe('🕓 Выставлен счет 11:00 → Виконано')
  })

  it('names who changed the order from the chat, with the day when it differs from the last step', () => {
    const sameDay = { name: 'Іван', at: at('2026-01-29T12:41:00Z') }
    const changed = (changedBy: CardRenderInput['changedBy'], locale: FormatOptions['locale'] = 'uk') =>
      lines(card({ event: shippedOrder, history: journey, changedBy }, { statuses, locale })).at(-1)
    expect(changed(sameDay)).toBe('✏️ Змінено: Іван, 14:41')
    expect(changed(sameDay, 'en')).toBe('✏️ Changed by Іван at 14:41')
    expect(changed(sameDay, 'ru')).toBe('✏️ Изменено: Іван, 14:41')
    expect(changed({ name: 'Іван', at: at('2026-01-30T07:00:00Z') })).toBe('✏️ Змінено: Іван, 30.01 09:00')
    expect(changed({ name: '  ', at: sameDay.at })).toMatch(/^🕓/)
  })
})

describe('formatCard: fits one message', () => {
  it('lists at most ten products, then fewer until the card fits, with "…and N more"', () => {
    const few = Array.from({ length: 12 }, (_, index) => ({ name: `P${index}`, quantity: 1, price: 10 }))
    const shownFew = visibleText(
      card({ event: shippedOrder, history: journey }, { enrichment: { products: few } }).text,
    )
    expect(shownFew).toContain('• P9 — 10')
    expect(shownFew).not.toContain('• P10')
    expect(shownFew).toContain('…і ще товарів: 2')

    // Ten products of the longest shown name and SKU do not fit: fewer are listed, the rest counted.
    const huge = Array.from({ length: 200 }, (_, index) => ({
      name: `${index} ${'Довга назва товару '.repeat(20)}`,
      quantity: 3,
      price: 1999.99,
      sku: 'x'.repeat(150),
    }))
    const message = card(
      { event: shippedOrder, history: journey, changedBy: { name: 'Я'.repeat(500), at: journey[2]!.at } },
      { statuses, enrichment: { products: huge, buyer: { full_name: 'Б'.repeat(1000) } }, locale: 'en' },
    )
    const shown = visibleText(message.text)
    const listed = shown.split('\n').filter((line) => line.startsWith('• ')).length
    expect(listed).toBeGreaterThan(0)
    expect(listed).toBeLessThan(10)
    expect(shown).toContain(`…and ${200 - listed} more products`)
    // Everything after the products is still there.
    expect(shown).toContain('🕓 New 10:02')
    expect(shown).toMatch(/✏️ Changed by Я+… at 14:40$/)
  })

  it('escapes every value and stays valid HTML with hostile input', () => {
    const hostile = '<b>&amp;</b>"'
    const message = card(
      {
        event: orderStatusEvent(orderContext({ id: 1, status_id: 5, source_uuid: hostile })),
        history: [{ statusId: 5, at: 0 }],
        changedBy: { name: hostile, at: 0 },
      },
      { statuses: { order: { 5: { name: hostile } } }, enrichment: { buyer: { full_name: hostile } } },
    )
    expect(message.text).not.toContain('<b>&amp;</b>"')
    expect(visibleText(message.text)).toContain(hostile)
  })
})

describe('formatCard: a funnel card and others', () => {
  it('shows a lead with its title, status, contact and manager', () => {
    const lead = leadEvent(
      leadContext({ id: 13898, status_id: 1002, title: 'Wholesale enquiry', manager_id: 6 }),
    )
    const message = card(
      {
        event: lead,
        history: [
          { statusId: 1001, at: at('2026-01-28T07:34:10Z') },
          { statusId: 1002, at: at('2026-01-29T08:00:00Z') },
        ],
      },
      {
        locale: 'en',
        keycrmDomain: 'myshop',
        statuses: { lead: { 1001: { name: 'Нова заявка' }, 1002: { name: 'В роботі' } } },
        enrichment: { buyer: { full_name: 'Іван Петренко' }, manager: { full_name: 'Олена Коваль' } },
      },
    )
    expect(lines(message)).toEqual([
      '🎯 Lead #13898 · Wholesale enquiry',
      'Status: В роботі',
      '',
      '👤 Contact: Іван Петренко',
      '👔 Manager: Олена Коваль',
      '',
      '🕓 Нова заявка 28/01 09:34 → В роботі 29/01 10:00',
    ])
    expect(message.reply_markup?.inline_keyboard[0]?.[0]).toMatchObject({
      url: 'https://myshop.keycrm.app/app/leads/view/13898',
    })
  })

  it('renders an unknown event as one message', () => {
    const fields = Object.fromEntries(
      Array.from({ length: 15 }, (_, index) => [`f${index}`, 'x'.repeat(400)]),
    )
    const message = card({ event: unknownEvent('order.something_new', { id: 3, ...fields }), history: [] })
    expect(visibleText(message.text)).toMatch(/^🔔 Подія KeyCRM/)
  })
})

describe('messageHash', () => {
  it('is 64-bit FNV-1a (the published test vectors) over UTF-8', () => {
    const bytes = (text: string) => new TextEncoder().encode(text)
    expect(fnv1a64(bytes(''))).toBe('cbf29ce484222325')
    expect(fnv1a64(bytes('a'))).toBe('af63dc4c8601ec8c')
    expect(fnv1a64(bytes('foobar'))).toBe('85944171f73967e8')
    expect(fnv1a64(bytes('Нове'))).toBe('fe6bc8292bab6fc1')
  })

  it('hashes the JSON of the text and keyboard: a fixed value any process can recompute', () => {
    const keyboard = { inline_keyboard: [[{ text: 'KeyCRM', url: 'https://demo.keycrm.app/' }]] }
    expect(messageHash({ text: 'Нове', reply_markup: keyboard })).toBe('7ab9e389795cbad0')
    expect(messageHash({ text: 'Нове' })).toBe(fnv1a64(new TextEncoder().encode('["Нове",null]')))
  })

  it('is equal for equal cards and changes with the text or the buttons, not with silence', () => {
    const input = { event: shippedOrder, history: journey }
    const base = formatCard(input, { statuses, keycrmDomain: 'myshop' })
    expect(messageHash(base)).toMatch(/^[0-9a-f]{16}$/)
    expect(messageHash(formatCard(input, { statuses, keycrmDomain: 'myshop' }))).toBe(messageHash(base))
    expect(messageHash(JSON.parse(JSON.stringify(base)))).toBe(messageHash(base))
    const silent: TelegramMessage = { ...base, disable_notification: true }
    expect(messageHash(silent)).toBe(messageHash(base))
    const moved = formatCard(
      { ...input, history: [...journey, { statusId: 12, at: journey[2]!.at + 1 }] },
      { statuses },
    )
    expect(messageHash(moved)).not.toBe(messageHash(base))
    const { reply_markup: _buttons, ...withoutButtons } = base
    expect(messageHash(withoutButtons)).not.toBe(messageHash(base))
  })
})
