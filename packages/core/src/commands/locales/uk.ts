import { html } from '../../format/html.ts'
import type { CommandStrings } from './types.ts'

/** Ukrainian command replies (the default). */
export const uk: CommandStrings = {
  descriptions: {
    start: 'Що вміє бот та id цього чату',
    chatid: 'Id чату й теми для конфігурації',
    status: 'Черга, недоставлені, остання доставка, опитування',
    subscribe: 'Надсилати події KeyCRM у цей чат (адміни)',
    unsubscribe: 'Припинити події KeyCRM у цьому чаті (адміни)',
    order: 'Показати живу картку замовлення тут: /order 12345 (адміни)',
    test: 'Надіслати тестове сповіщення (адміни)',
  },
  welcome: 'Keygram надсилає події KeyCRM (статус замовлення, оплата, лід) у чати Telegram.',
  chat: {
    chat: 'Чат',
    chatId: 'Id чату',
    topicId: 'Id теми',
    snippet: 'Маршрут для конфігурації:',
    subscribeHint: 'Або нехай адміністратор надішле тут /subscribe.',
  },
  status: {
    title: 'Стан Keygram',
    queue: 'Черга',
    waiting: 'очікують',
    sending: 'надсилаються',
    oldest: 'найстаріше',
    dead: 'Недоставлені',
    lastDelivery: 'Остання доставка',
    never: 'ще не було',
    unknown: 'невідомо',
    ago: (duration) => `${duration} тому`,
    lease: 'Опитування',
    leaseFree: 'ніхто не тримає оренду',
    leaseHeld: (holder, token, expiresIn) =>
      html`тримає ${holder} (токен ${token}), спливає через ${expiresIn}`,
    poller: 'Опитувач',
    store: 'Сховище',
  },
  subscriptions: {
    kinds: {
      order_status: 'зміни статусу замовлень',
      payment_status: 'зміни статусу оплати',
      lead_status: 'зміни статусу лідів',
      unknown: 'інші події KeyCRM',
    },
    receives: 'Тепер цей чат отримує:',
    none: 'Зараз цей чат ні на що не підписаний.',
    configNote: 'Маршрути з конфігурації діють незалежно від підписок.',
    invalid: 'Невідомі типи подій:',
    valid: 'Вкажіть один або кілька з:',
    limit: 'Підписано вже забагато чатів; приберіть зайві або задайте маршрути в конфігурації.',
  },
  access: {
    notAdmin: (userId) =>
      html`Вибачте, це можуть робити лише адміністратори Keygram. Ваш id користувача ${userId}: попросіть адміністратора додати його до <code>admins</code>.`,
    anonymous:
      'Вибачте, повідомлення надіслано від імені чату, тож Keygram не знає, хто ви. Надішліть його від свого імені.',
  },
  test: {
    sampleComment: 'Тестове сповіщення, надіслане командою /test.',
    queued: (jobs) => `Зразок поставлено в чергу: повідомлень для чатів за маршрутами — ${jobs}.`,
    here: (kindName) => `Цей чат підписаний на ${kindName}, тож зразок незабаром прийде сюди.`,
    maybeHere: (kindName, kind) =>
      `Сюди він прийде, лише якщо конфігурація спрямовує ${kindName} у цей чат (або надішліть /subscribe ${kind}).`,
    unrouted: (kindName, kind) =>
      `Жоден чат не приймає ${kindName}, тому нічого не надіслано. Надішліть тут /subscribe ${kind} або додайте маршрут у конфігурацію.`,
    duplicate: 'Цей зразок уже приймали раніше (той самий ключ доставки), тому повторно його не надіслано.',
  },
  order: {
    usage: 'Надішліть номер замовлення після команди, наприклад /order 12345.',
    needsApi: 'Щоб показати замовлення, потрібен API KeyCRM: задайте KEYCRM_API_KEY.',
    notFound: (id) => html`У KeyCRM немає замовлення ${id}.`,
  },
  error: 'Вибачте, щось пішло не так; подробиці в журналі. Спробуйте за хвилину.',
}
