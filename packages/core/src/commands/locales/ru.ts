import { html } from '../../format/html.ts'
import type { CommandStrings } from './types.ts'

/** Russian command replies. */
export const ru: CommandStrings = {
  descriptions: {
    start: 'Что умеет бот и id этого чата',
    chatid: 'Id чата и темы для конфигурации',
    status: 'Очередь, недоставленные, последняя доставка, опрос',
    subscribe: 'Присылать события KeyCRM в этот чат (админы)',
    unsubscribe: 'Прекратить события KeyCRM в этом чате (админы)',
    order: 'Показать живую карточку заказа здесь: /order 12345 (админы)',
    test: 'Отправить тестовое уведомление (админы)',
  },
  welcome: 'Keygram отправляет события KeyCRM (статус заказа, оплата, лид) в чаты Telegram.',
  chat: {
    chat: 'Чат',
    chatId: 'Id чата',
    topicId: 'Id темы',
    snippet: 'Маршрут для конфигурации:',
    subscribeHint: 'Или пусть администратор отправит здесь /subscribe.',
  },
  status: {
    title: 'Состояние Keygram',
    queue: 'Очередь',
    waiting: 'ожидают',
    sending: 'отправляются',
    oldest: 'самое старое',
    dead: 'Недоставленные',
    lastDelivery: 'Последняя доставка',
    never: 'ещё не было',
    unknown: 'неизвестно',
    ago: (duration) => `${duration} назад`,
    lease: 'Опрос',
    leaseFree: 'никто не держит аренду',
    leaseHeld: (holder, token, expiresIn) =>
      html`держит ${holder} (токен ${token}), истекает через ${expiresIn}`,
    poller: 'Опрашивающий',
    store: 'Хранилище',
  },
  subscriptions: {
    kinds: {
      order_status: 'смены статуса заказов',
      payment_status: 'смены статуса оплаты',
      lead_status: 'смены статуса лидов',
      unknown: 'другие события KeyCRM',
    },
    receives: 'Теперь этот чат получает:',
    none: 'Сейчас этот чат ни на что не подписан.',
    configNote: 'Маршруты из конфигурации действуют независимо от подписок.',
    invalid: 'Неизвестные типы событий:',
    valid: 'Укажите один или несколько из:',
    limit: 'Подписано уже слишком много чатов; уберите лишние или задайте маршруты в конфигурации.',
  },
  access: {
    notAdmin: (userId) =>
      html`Извините, это могут делать только администраторы Keygram. Ваш id пользователя ${userId}: попросите администратора добавить его в <code>admins</code>.`,
    anonymous:
      'Извините, сообщение отправлено от имени чата, поэтому Keygram не знает, кто вы. Отправьте его от своего имени.',
  },
  test: {
    sampleComment: 'Тестовое уведомление, отправленное командой /test.',
    queued: (jobs) => `Образец поставлен в очередь: сообщений для чатов по маршрутам — ${jobs}.`,
    here: (kindName) => `Этот чат подписан на ${kindName}, так что образец скоро придёт сюда.`,
    maybeHere: (kindName, kind) =>
      `Сюда он придёт, только если конфигурация направляет ${kindName} в этот чат (или отправьте /subscribe ${kind}).`,
    unrouted: (kindName, kind) =>
      `Ни один чат не принимает ${kindName}, поэтому ничего не отправлено. Отправьте здесь /subscribe ${kind} или добавьте маршрут в конфигурацию.`,
    duplicate: 'Этот образец уже принимали раньше (тот же ключ доставки), поэтому повторно он не отправлен.',
  },
  order: {
    usage: 'Отправьте номер заказа после команды, например /order 12345.',
    needsApi: 'Чтобы показать заказ, нужен API KeyCRM: задайте KEYCRM_API_KEY.',
    notFound: (id) => html`В KeyCRM нет заказа ${id}.`,
  },
  error: 'Извините, что-то пошло не так; подробности в журнале. Попробуйте через минуту.',
}
