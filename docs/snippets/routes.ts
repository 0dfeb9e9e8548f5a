import { createNotifier, type KeygramStore, type RouteRule } from '@keygram/core'

declare const store: KeygramStore

// #region rules
const routes: RouteRule[] = [
  // Every event to the managers' group.
  { chatId: '-1001234567890' },
  // Orders moving into status 4 or 5, into topic 7 of a forum group, silently.
  {
    chatId: -1009876543210,
    threadId: 7,
    kinds: ['order_status'],
    statusIds: [4, 5],
    disableNotification: true,
  },
  // Payments marked paid or overpaid, to the owner, in English.
  { chatId: 123456789, kinds: ['payment_status'], paymentStatuses: ['paid', 'overpaid'], locale: 'en' },
]

const notifier = createNotifier({
  store,
  routes,
  format: { locale: 'uk', currency: 'UAH', timeZone: 'Europe/Kyiv', keycrmDomain: 'myshop' },
})

// #endregion rules

export { notifier }
