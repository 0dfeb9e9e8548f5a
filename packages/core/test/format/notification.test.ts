import {
  type FormatOptions,
  formatNotification,
  html,
  type KeycrmEvent,
  summaryLine,
  type TelegramMessage,
  tags,
  validateTelegramHtml,
  visibleLength,
  visibleText,
} from '@keygram/core'
import { describe, expect, it } from 'vitest'
import {
  accountOrderStatuses,
  leadContext,
  leadEvent,
  minimalLead,
  orderContext,
  orderStatusEvent,
  paymentEvent,
  productionOrder,
  replayOrder,
  unknownEvent,
} from './events.ts'

const { b, blockquote } = tags

const nbsp = '\u00a0'

/** Formats and checks what every message must satisfy; returns the messages. */
function format(event: KeycrmEvent, options?: FormatOptions): TelegramMessage[] {
  const messages = formatNotification(event, options)
  expect(messages.length).toBeGreaterThan(0)
  for (const message of messages) {
    expect(validateTelegramHtml(message.text)).toEqual({ ok: true })
    expect(visibleLength(message.text)).toBeLessThanOrEqual(4096)
    expect(visibleText(message.text).trim()).not.toBe('')
    expect(message.parse_mode).toBe('HTML')
    expect(message.link_preview_options).toEqual({ is_disabled: true })
  }
  return messages
}

function one(event: KeycrmEvent, options?: FormatOptions): string {
  const messages = format(event, options)
  expect(messages).toHaveLength(1)
  return messages[0]!.text
}

const shown = (event: KeycrmEvent, options?: FormatOptions) => visibleText(one(event, options))

describe('order status (production fixture)', () => {
  it('formats the production webhook in Ukrainian, with Kyiv times and hryvnia', () => {
    const messages = format(orderStatusEvent(productionOrder))
    expect(messages).toEqual([
      {
        text: [
          '🆕 <b>Замовлення #23196</b> · №18766',
          'Статус: <b>#1</b> (Нові)',
          'Оплата: ❌ Не оплачено',
          `Сума: <b>1${nbsp}198${nbsp}₴</b>`,
          'Статус змінено: 29.01.2026, 20:53',
          'Оформлено: 29.01.2026, 13:30',
          '',
          '📝 Коментар менеджера:',
          '<blockquote>... містить дані отримувача, доставку, UTM ...</blockquote>',
        ].join('\n'),
        parse_mode: 'HTML',
        link_preview_options: { is_disabled: true },
      },
    ])
  })

  it('formats it in English and Russian with real texts and local number formats', () => {
    const options = { statuses: { order: accountOrderStatuses } }
    const english = shown(orderStatusEvent(productionOrder), { ...options, locale: 'en' })
    expect(english).toContain('Order #23196 · №18766')
    expect(english).toContain('Status: New (New)')
    expect(english).toContain('Payment: ❌ Not paid')
    expect(english).toContain(`Total: UAH${nbsp}1,198`)
    expect(english).toContain('Status changed: 29/01/2026, 20:53')
    expect(english).toContain('Manager comment:')

    const russian = shown(orderStatusEvent(productionOrder), { ...options, locale: 'ru' })
    expect(russian).toContain('Заказ #23196 · №18766')
    expect(russian).toContain('Статус: Новый (Новые)')
    expect(russian).toContain('Оплата: ❌ Не оплачено')
    expect(russian).toContain(`Сумма: 1198${nbsp}₴`)
    expect(russian).toContain('Статус изменён: 29.01.2026, 20:53')
    expect(russian).toContain('Комментарий менеджера:')
  })

  it('copes with the 4-key replay fixture: status id only, no money, no dates', () => {
    expect(shown(orderStatusEvent(replayOrder))).toBe(
      '📦 Замовлення #29068 · manual-test-29068-run-1\nСтатус: #20',
    )
    expect(shown(orderStatusEvent(replayOrder), { statuses: { order: accountOrderStatuses } })).toBe(
      '🚫 Замовлення #29068 · manual-test-29068-run-1\nСтатус: Не забрали з пошти (Скасовані)',
    )
  })
})

describe('statuses', () => {
  const order = (statusId: number, groupId: number | null = null) =>
    orderStatusEvent(orderContext({ id: 1, status_id: statusId, status_group_id: groupId }))
  const statuses = { order: accountOrderStatuses }

  it('localizes built-in statuses by their system name and keeps custom names', () => {
    expect(shown(order(12), { statuses })).toContain('Статус: Виконано (Виконані)')
    expect(shown(order(19), { statuses, locale: 'en' })).toContain('Status: Canceled (Canceled)')
    expect(shown(order(19), { statuses, locale: 'ru' })).toContain('Статус: Отменён (Отменённые)')
    expect(shown(order(11), { statuses, locale: 'en' })).toContain(
      'Status: Заказ отправлен (доставляється перевозщиком) (Delivery)',
    )
  })

  it('shows #id for an unknown status and the webhook group over the dictionary group', () => {
    expect(shown(order(777, 3), { statuses })).toContain('Статус: #777 (Виробництво)')
    expect(shown(order(4, 4), { statuses })).toContain('Статус: Выставлен счет (Доставка)')
    expect(shown(order(4), { statuses })).toContain('Статус: Выставлен счет (Погодження)')
  })

  it('ignores dictionary keys that are prototype names', () => {
    const event = orderStatusEvent(orderContext({ id: 1, status_id: 5 }))
    const tricky = { order: { 5: { name: 'constructor' } } }
    expect(shown(event, { statuses: tricky })).toContain('Статус: constructor')
  })

  it('resolves lead statuses from the lead dictionary', () => {
    const lead = leadEvent(leadContext({ id: 7, status_id: 1002, title: 'Опт <Київ>' }))
    const text = shown(lead, {
      statuses: { lead: { 1002: { name: 'Перший контакт' } }, order: accountOrderStatuses },
    })
    expect(text).toBe('🎯 Лід #7\nНазва: Опт <Київ>\nСтатус: Перший контакт')
  })
})

describe('payment status', () => {
  const payment = (status: string | null, paid: number | null = null) =>
    paymentEvent(orderContext({ id: 5, payment_status: status, grand_total: 1500.5, payments_total: paid }))

  it.each([
    ['uk', 'paid', '✅ Оплачено'],
    ['uk', 'part_paid', '🌗 Частково оплачено'],
    ['uk', 'not_paid', '❌ Не оплачено'],
    ['uk', 'overpaid', '➕ Переплачено'],
    ['en', 'part_paid', '🌗 Partly paid'],
    ['en', 'overpaid', '➕ Overpaid'],
    ['ru', 'part_paid', '🌗 Частично оплачено'],
    ['ru', 'paid', '✅ Оплачено'],
  ] as const)('%s %s → %s', (locale, status, label) => {
    const lines = shown(payment(status), { locale }).split('\n')
    expect(lines[1]).toMatch(new RegExp(`: ${label}$`))
  })

  it('leads with the payment and shows the paid amount with fractions', () => {
    const text = shown(payment('part_paid', 700.25))
    expect(text.split('\n').slice(0, 3)).toEqual([
      '💳 Оплата замовлення #5',
      'Оплата: 🌗 Частково оплачено',
      `Сума: 1${nbsp}500,50${nbsp}₴ · Сплачено: 700,25${nbsp}₴`,
    ])
  })

  it('shows an unknown payment code as it came, escaped', () => {
    const text = one(payment('<refunded>'))
    expect(text).toContain('Оплата: 💳 &lt;refunded&gt;')
  })
})

describe('money and dates', () => {
  const event = orderStatusEvent(
    orderContext({ id: 9, grand_total: 12345.5, status_changed_at: '2026-07-01T09:05:00.000Z' }),
  )

  it('formats money in the configured currency and locale', () => {
    expect(shown(event)).toContain(`Сума: 12${nbsp}345,50${nbsp}₴`)
    expect(shown(event, { currency: 'USD', locale: 'en' })).toContain('Total: US$12,345.50')
    expect(shown(event, { currency: 'EUR', locale: 'ru' })).toContain(`Сумма: 12${nbsp}345,50${nbsp}€`)
  })

  it('shows times in the configured zone, with daylight saving', () => {
    expect(shown(event)).toContain('Статус змінено: 01.07.2026, 12:05')
    expect(shown(event, { timeZone: 'UTC' })).toContain('Статус змінено: 01.07.2026, 09:05')
    expect(shown(event, { timeZone: 'America/New_York', locale: 'en' })).toContain(
      'Status changed: 01/07/2026, 05:05',
    )
  })

  it('shows a time it cannot parse as it came, escaped', () => {
    const odd = orderStatusEvent(orderContext({ id: 9, status_changed_at: 'вчора <пізно>' }))
    expect(one(odd)).toContain('Статус змінено: вчора &lt;пізно&gt;')
  })

  it('fails loudly on a bad currency or time zone (configuration errors)', () => {
    expect(() => formatNotification(event, { currency: 'NOT A CODE' })).toThrow(RangeError)
    expect(() => formatNotification(event, { timeZone: 'Mars/Base' })).toThrow(RangeError)
  })
})

describe('enrichment', () => {
  const enrichment = {
    buyer: { full_name: 'Олена Петренко', phone: '+380501112233', email: 'olena@example.com' },
    products: [
      { name: 'Сукня лляна', quantity: 2, price: 599, sku: 'a001-56' },
      { name: 'Пояс', quantity: 1, price: null, sku: null },
    ],
    manager: { full_name: 'Іван' },
    shipping: { service: 'Нова Пошта', tracking_code: '20450000000000', address: 'Київ, відділення №1' },
  }

  it('shows buyer, products, manager and shipping when present', () => {
    const text = shown(orderStatusEvent(productionOrder), { enrichment })
    expect(text).toContain('👤 Покупець: Олена Петренко · +380501112233 · olena@example.com')
    expect(text).toContain(
      `🛒 Товари:\n• Сукня лляна — 2 × 599${nbsp}₴ = 1${nbsp}198${nbsp}₴ · a001-56\n• Пояс × 1`,
    )
    expect(text).toContain('👔 Менеджер: Іван')
    expect(text).toContain('🚚 Доставка: Нова Пошта · ТТН: 20450000000000 · Київ, відділення №1')
  })

  it('shows only the parts present and nothing without enrichment', () => {
    const partial = shown(orderStatusEvent(productionOrder), {
      enrichment: { manager: { full_name: 'Іван' } },
    })
    expect(partial).toContain('👔 Менеджер: Іван')
    expect(partial).not.toMatch(/Покупець|Товари|Доставка/)
    expect(shown(orderStatusEvent(productionOrder))).not.toMatch(/Покупець|Товари|Менеджер:|Доставка/)
  })

  it('caps a long product list', () => {
    const products = Array.from({ length: 25 }, (_, index) => ({ name: `P${index}`, quantity: 1 }))
    const text = shown(orderStatusEvent(productionOrder), { enrichment: { products } })
    expect(text).toContain('• P19 × 1')
    expect(text).not.toContain('• P20')
    expect(text).toContain('…і ще товарів: 5')
  })

  it('calls the lead contact a contact', () => {
    expect(shown(leadEvent(minimalLead), { enrichment, locale: 'en' })).toContain(
      '👤 Contact: Олена Петренко',
    )
  })
})

describe('KeyCRM button', () => {
  it('is added only when the account is configured, in the chosen language', () => {
    expect(format(orderStatusEvent(productionOrder))[0]!.reply_markup).toBeUndefined()
    for (const domain of ['myshop', 'myshop.keycrm.app', 'https://MyShop.keycrm.app/app/orders']) {
      expect(
        format(orderStatusEvent(productionOrder), { keycrmDomain: domain, locale: 'en' })[0]!.reply_markup,
      ).toEqual({
        inline_keyboard: [
          [{ text: 'Open in KeyCRM', url: 'https://myshop.keycrm.app/app/orders/view/23196' }],
        ],
      })
    }
  })

  it('links leads to the lead page and unknown order events with an id to the order page', () => {
    const lead = format(leadEvent(minimalLead), { keycrmDomain: 'shop-1' })[0]!
    expect(lead.reply_markup?.inline_keyboard[0]?.[0]).toEqual({
      text: 'Відкрити в KeyCRM',
      url: 'https://shop-1.keycrm.app/app/leads/view/13898',
    })
    const unknown = format(unknownEvent('order.created', { id: '42' }), { keycrmDomain: 'shop' })[0]!
    expect(unknown.reply_markup?.inline_keyboard[0]?.[0]).toMatchObject({
      url: 'https://shop.keycrm.app/app/orders/view/42',
    })
    expect(
      format(unknownEvent('stock.x', { id: 42 }), { keycrmDomain: 'shop' })[0]!.reply_markup,
    ).toBeUndefined()
  })

  it('rejects a domain that is not a KeyCRM account', () => {
    for (const domain of ['evil.com/x"', 'a b', '', 'shop.keycrm.app.evil.com']) {
      expect(() => formatNotification(orderStatusEvent(productionOrder), { keycrmDomain: domain })).toThrow(
        TypeError,
      )
    }
  })
})

describe('templates', () => {
  const hostileComment = '<b>x</b></blockquote><a href="tg://x">y</a>&amp;'
  const event = orderStatusEvent(orderContext({ id: 77, status_id: 12, client_comment: hostileComment }))
  const statuses = { order: accountOrderStatuses }

  it('a function template built with the builder escapes payload values', () => {
    const text = one(event, {
      statuses,
      templates: {
        order_status: (ctx) =>
          html`${b(`#${ctx.values.id}`)} → ${ctx.values.status}\n${blockquote(ctx.order?.client_comment ?? '')}`,
      },
    })
    expect(visibleText(text)).toBe(`#77 → Виконано\n${hostileComment}`)
    expect(text).not.toContain('<b>x</b>')
    expect(text.match(/<blockquote>/g)).toHaveLength(1)
  })

  it('a function template returning a plain string is sent as text, never as markup', () => {
    const text = one(event, { templates: { order_status: (ctx) => `<b>${ctx.order?.client_comment}</b>` } })
    expect(visibleText(text)).toBe(`<b>${hostileComment}</b>`)
    expect(text.startsWith('&lt;b&gt;')).toBe(true)
  })

  it('a string template substitutes escaped values into the operator markup', () => {
    const text = one(event, {
      statuses,
      templates: {
        order_status: '<b>Order {order.id}</b>: {status}\n<blockquote>{order.client_comment}</blockquote>',
      },
    })
    expect(text).toBe(
      '<b>Order 77</b>: Виконано\n<blockquote>&lt;b&gt;x&lt;/b&gt;&lt;/blockquote&gt;&lt;a href=&quot;tg://x&quot;&gt;y&lt;/a&gt;&amp;amp;</blockquote>',
    )
  })

  it('string templates reach raw context keys, leave unknown ones empty and never reach prototypes', () => {
    const withRaw = orderStatusEvent(orderContext({ id: 5, raw: { margin_sum: '12.50' } }))
    expect(
      shown(withRaw, {
        templates: { order_status: 'm={context.margin_sum} x={nope} p={order.constructor}' },
      }),
    ).toBe('m=12.50 x= p=')
  })

  it('a string template with broken markup is sent as plain text', () => {
    const text = one(event, { templates: { order_status: '<b>Order {id}' } })
    expect(visibleText(text)).toBe('<b>Order 77')
  })

  it('a template that renders nothing falls back to the default message', () => {
    const text = shown(event, { templates: { order_status: '  {nope}  ' } })
    expect(text).toBe(`📦 Замовлення #77\nСтатус: #12\n\n💬 Коментар клієнта:\n${hostileComment}`)
  })

  it('applies only to its own event kind and can extend the default body', () => {
    const options: FormatOptions = {
      templates: { payment_status: (ctx) => html`${ctx.defaultBody}\n${b('PS')}` },
    }
    expect(shown(event, options)).not.toContain('PS')
    const payment = paymentEvent(orderContext({ id: 77, payment_status: 'paid' }))
    expect(shown(payment, options)).toMatch(/^💳 Оплата замовлення #77\nОплата: ✅ Оплачено\nPS$/)
  })
})

describe('adversarial payload values', () => {
  it('escapes HTML and entities in comments, names and numbers and keeps emoji and RTL text', () => {
    const comment = '&lt; is not < and &amp; is not & </blockquote><b>bold?</b> 👩‍👩‍👧 שלום עולם \u202eRTL'
    const event = orderStatusEvent(
      orderContext({
        id: 1,
        source_uuid: '<i>№1</i>',
        client_comment: comment,
        manager_comment: '"quoted" & \'single\'',
        promocode: '<tg-spoiler>',
      }),
    )
    const text = one(event, {
      enrichment: { buyer: { full_name: '<a href="https://evil.test">Mallory</a>' } },
    })
    const visible = visibleText(text)
    expect(visible).toContain(`Коментар клієнта:\n${comment}`)
    expect(visible).toContain('"quoted" & \'single\'')
    expect(visible).toContain('· <i>№1</i>')
    expect(visible).toContain('Промокод: <tg-spoiler>')
    expect(visible).toContain('Покупець: <a href="https://evil.test">Mallory</a>')
    expect(text).not.toContain('evil.test">')
    expect(text.match(/<blockquote>/g)).toHaveLength(2)
  })

  it('a 10k-line comment becomes several valid messages, button and silence handled', () => {
    const lines = Array.from({ length: 10_000 }, (_, index) => `рядок ${index} <&> 😀`)
    const event = orderStatusEvent(orderContext({ id: 3, client_comment: lines.join('\n') }))
    const messages = format(event, { keycrmDomain: 'shop', disableNotification: true })
    expect(messages.length).toBeGreaterThan(40)
    messages.forEach((message, index) => {
      expect(message.disable_notification).toBe(true)
      expect(message.reply_markup !== undefined).toBe(index === messages.length - 1)
    })
    const all = messages.map((message) => visibleText(message.text)).join('')
    expect(all).toContain(lines.join('\n'))
    expect(
      messages[0]!.text.startsWith(
        '📦 <b>Замовлення #3</b>\n\n💬 Коментар клієнта:\n<blockquote expandable>',
      ),
    ).toBe(true)
    expect(messages.slice(1).every((message) => message.text.startsWith('<blockquote expandable>'))).toBe(
      true,
    )
  })

  it('collapses a flood of blank lines so no message is whitespace only', () => {
    const event = orderStatusEvent(
      orderContext({ id: 3, client_comment: `a${'\n'.repeat(20_000)}b\r\n\r\n\r\nc` }),
    )
    expect(one(event)).toContain('Коментар клієнта:\n<blockquote>a\n\nb\n\nc</blockquote>')
  })
})

describe('unknown events', () => {
  it('lists the event name and up to 15 scalar fields, escaped', () => {
    const context: Record<string, unknown> = {
      id: 9,
      '<key>': '<value>&',
      nested: { a: 1 },
      empty: null,
      flag: true,
    }
    for (let index = 0; index < 20; index++) context[`f${index}`] = index
    const text = one(unknownEvent('order.<new>', context), { locale: 'en' })
    const lines = visibleText(text).split('\n')
    expect(lines.slice(0, 5)).toEqual([
      '🔔 KeyCRM event',
      'Event: order.<new>',
      '• id: 9',
      '• <key>: <value>&',
      '• flag: true',
    ])
    expect(lines).toHaveLength(2 + 15 + 1)
    expect(lines.at(-1)).toBe('…and 8 more fields')
    expect(text).not.toContain('nested')
    expect(text).not.toContain('empty')
  })

  it('works with an empty context', () => {
    expect(shown(unknownEvent('x.y', {}), { locale: 'ru' })).toBe('🔔 Событие KeyCRM\nСобытие: x.y')
  })
})

describe('summaryLine', () => {
  const statuses = { order: { 11: { name: 'shipped', groupId: 4 } } }
  const shipped = orderStatusEvent(orderContext({ id: 23196, status_id: 11, grand_total: 1198 }))

  it('gives one short escaped line per event kind', () => {
    expect(summaryLine(shipped, { statuses, locale: 'en' })).toBe(`Order #23196 → Shipped · UAH${nbsp}1,198`)
    expect(summaryLine(shipped, { statuses })).toBe(`Замовлення #23196 → Відправлено · 1${nbsp}198${nbsp}₴`)
    expect(summaryLine(paymentEvent(productionOrder), { locale: 'ru' })).toBe(
      `Заказ #23196 · Не оплачено · 1198${nbsp}₴`,
    )
    expect(summaryLine(leadEvent(minimalLead))).toBe('Лід #13898 → #1002')
    expect(summaryLine(unknownEvent('a.<b>', { id: 4 }), { locale: 'en' })).toBe(
      'KeyCRM event: a.&lt;b&gt; #4',
    )
  })

  it('escapes and shortens hostile status names', () => {
    const hostile = { order: { 11: { name: `<b>${'x'.repeat(500)}</b>` } } }
    const line = summaryLine(shipped, { statuses: hostile })
    expect(line).not.toMatch(/<|>/)
    expect(validateTelegramHtml(line)).toEqual({ ok: true })
    expect(visibleText(line).length).toBeLessThanOrEqual(200)
    expect(line).not.toContain('\n')
  })
})
