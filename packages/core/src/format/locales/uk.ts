import { plural } from './plural.ts'
import type { LocaleStrings } from './types.ts'

/** Ukrainian notification texts. */
export const uk: LocaleStrings = {
  intlLocale: 'uk-UA',
  headline: {
    order_status: 'Замовлення',
    payment_status: 'Оплата замовлення',
    lead_status: 'Лід',
    unknown: 'Подія KeyCRM',
  },
  labels: {
    status: 'Статус',
    group: 'група',
    payment: 'Оплата',
    total: 'Сума',
    paid: 'Сплачено',
    title: 'Назва',
    statusChangedAt: 'Статус змінено',
    orderedAt: 'Оформлено',
    buyer: 'Покупець',
    contact: 'Контакт',
    products: 'Товари',
    manager: 'Менеджер',
    shipping: 'Доставка',
    tracking: 'ТТН',
    address: 'Адреса',
    clientComment: 'Коментар клієнта',
    managerComment: 'Коментар менеджера',
    promocode: 'Промокод',
    giftMessage: 'Подарункове повідомлення',
    event: 'Подія',
    order: 'Замовлення',
    lead: 'Лід',
  },
  more: {
    fields: (count) => `…і ще полів: ${count}`,
    products: (count) => `…і ще товарів: ${count}`,
  },
  card: {
    changedBy: (name, at) => `✏️ Змінено: ${name}, ${at}`,
  },
  summary: {
    updates: (count) =>
      `${count} ${plural(count, 'uk-UA', { one: 'оновлення', few: 'оновлення', many: 'оновлень', other: 'оновлення' })}`,
  },
  openInKeycrm: 'Відкрити в KeyCRM',
  paymentStatus: {
    paid: 'Оплачено',
    part_paid: 'Частково оплачено',
    not_paid: 'Не оплачено',
    overpaid: 'Переплачено',
  },
  statusGroups: {
    1: 'Нові',
    2: 'Погодження',
    3: 'Виробництво',
    4: 'Доставка',
    5: 'Виконані',
    6: 'Скасовані',
  },
  systemStatuses: {
    new: 'Новий',
    approval: 'На погодженні',
    confirmed: 'Підтверджено',
    in_progress: 'В роботі',
    production: 'Виробництво',
    packing: 'Комплектується',
    shipped: 'Відправлено',
    in_transit: 'В дорозі',
    delivered: 'Доставлено',
    completed: 'Виконано',
    canceled: 'Скасовано',
    returned: 'Повернення',
  },
}
