import { type FormatOptions, formatNotification, html, type KeycrmEvent, tags } from '@keygram/core'

declare const event: KeycrmEvent

// #region templates
const format: FormatOptions = {
  locale: 'en',
  keycrmDomain: 'myshop',
  statuses: { order: { 1: { name: 'new', alias: 'new', groupId: 1 }, 12: { name: 'Packed', groupId: 3 } } },
  templates: {
    // A string: Telegram HTML written by you; every {placeholder} is escaped.
    payment_status: '<b>Payment {number}</b>: {payment} · {total}',
    // A function: markup only through the builder, which escapes every value.
    order_status: ({ values, order, defaultBody }) =>
      order?.client_comment
        ? html`${defaultBody}\n${tags.blockquote(order.client_comment, { expandable: true })}`
        : html`${tags.b(values.number)} → ${values.status}\n${tags.i(values.total)}`,
  },
}

// One or more messages (split at Telegram's 4096-character limit), HTML, link previews off.
const messages = formatNotification(event, format)

// #endregion templates

export { messages }
