import { plural } from './plural.ts'
import type { LocaleStrings } from './types.ts'

/** Russian notification texts. */
export const ru: LocaleStrings = {
  intlLocale: 'ru-UA',
  headline: {
    order_status: 'Заказ',
    payment_status: 'Оплата заказа',
    lead_status: 'Лид',
    unknown: 'Событие KeyCRM',
  },
  labels: {
    status: 'Статус',
    group: 'группа',
    payment: 'Оплата',
    total: 'Сумма',
    paid: 'Оплачено',
    title: 'Название',
    statusChangedAt: 'Статус изменён',
    orderedAt: 'Оформлен',
    buyer: 'Покупатель',
    contact: 'Контакт',
    products: 'Товары',
    manager: 'Менеджер',
    shipping: 'Доставка',
    tracking: 'ТТН',
    address: 'Адрес',
    clientComment: 'Комментарий клиента',
    managerComment: 'Комментарий менеджера',
    promocode: 'Промокод',
    giftMessage: 'Подарочное сообщение',
    event: 'Событие',
    order: 'Заказ',
    lead: 'Лид',
  },
  more: {
    fields: (count) => `…и ещё полей: ${count}`,
    products: (count) => `…и ещё товаров: ${count}`,
  },
  card: {
    changedBy: (name, at) => `✏️ Изменено: ${name}, ${at}`,
  },
  summary: {
    updates: (count) =>
      `${count} ${plural(count, 'ru-UA', { one: 'обновление', few: 'обновления', many: 'обновлений', other: 'обновления' })}`,
  },
  openInKeycrm: 'Открыть в KeyCRM',
  paymentStatus: {
    paid: 'Оплачено',
    part_paid: 'Частично оплачено',
    not_paid: 'Не оплачено',
    overpaid: 'Переплачено',
  },
  statusGroups: {
    1: 'Новые',
    2: 'Согласование',
    3: 'Производство',
    4: 'Доставка',
    5: 'Выполненные',
    6: 'Отменённые',
  },
  systemStatuses: {
    new: 'Новый',
    approval: 'На согласовании',
    confirmed: 'Подтверждён',
    in_progress: 'В работе',
    production: 'Производство',
    packing: 'Комплектуется',
    shipped: 'Отправлен',
    in_transit: 'В пути',
    delivered: 'Доставлен',
    completed: 'Выполнен',
    canceled: 'Отменён',
    returned: 'Возврат',
  },
}
