/**
 * What a manager reads when pressing an action button: the confirmation buttons and the answers (toasts and
 * alerts), in uk, en and ru.
 *
 * @module
 */
import type { FormatLocale } from '../format/types.ts'
import type { KeycrmErrorKind } from '../keycrm/errors.ts'

/** The texts of one language. Alerts are at most 200 characters (Telegram's limit). */
export interface ActionStrings {
  confirm: (status: string) => string
  back: string
  changing: (status: string) => string
  changed: (status: string) => string
  stale: string
  forbidden: string
  inProgress: string
  alreadyDone: string
  conflict: (status: string) => string
  failed: (reason: string) => string
  /** Plain words for each way KeyCRM can fail. */
  reasons: Record<KeycrmErrorKind, string>
  /** Said in the chat when the presser was already answered and the change then failed. */
  lateFailure: (user: string, number: string, reason: string) => string
}

const en: ActionStrings = {
  confirm: (status) => `Confirm «${status}»?`,
  back: '← Back',
  changing: (status) => `Changing to «${status}»…`,
  changed: (status) => `Done: «${status}»`,
  stale: 'This button is stale; the card now shows fresh ones.',
  forbidden: 'You may not change this status. Ask an admin.',
  inProgress: 'Already being changed, one moment.',
  alreadyDone: 'Already done.',
  conflict: (status) => `Not changed: in KeyCRM it is «${status}» now. The card is updated.`,
  failed: (reason) => `Not changed: ${reason}`,
  reasons: {
    unauthorized: 'KeyCRM refused the API key (check KEYCRM_API_KEY).',
    not_found: 'KeyCRM has no such order any more.',
    bad_request: 'KeyCRM did not accept this status for it.',
    rate_limited: 'KeyCRM is busy (too many requests); try again in a minute.',
    server_error: 'KeyCRM had an error; try again in a minute.',
    network: 'KeyCRM could not be reached; try again in a minute.',
    timeout: 'KeyCRM did not answer in time; press again to check.',
    invalid_response: 'KeyCRM answered something unexpected.',
  },
  lateFailure: (user, number, reason) => `${user}: ${number} was not changed. ${reason}`,
}

const uk: ActionStrings = {
  confirm: (status) => `Підтвердити «${status}»?`,
  back: '← Назад',
  changing: (status) => `Змінюю на «${status}»…`,
  changed: (status) => `Готово: «${status}»`,
  stale: 'Ця кнопка застаріла; на картці вже нові.',
  forbidden: 'Вам не можна змінювати цей статус. Зверніться до адміна.',
  inProgress: 'Вже змінюється, хвилинку.',
  alreadyDone: 'Вже зроблено.',
  conflict: (status) => `Не змінено: у KeyCRM зараз «${status}». Картку оновлено.`,
  failed: (reason) => `Не змінено: ${reason}`,
  reasons: {
    unauthorized: 'KeyCRM не прийняв ключ API (перевірте KEYCRM_API_KEY).',
    not_found: 'У KeyCRM більше немає такого замовлення.',
    bad_request: 'KeyCRM не прийняв цей статус.',
    rate_limited: 'KeyCRM перевантажений (забагато запитів); спробуйте за хвилину.',
    server_error: 'У KeyCRM сталася помилка; спробуйте за хвилину.',
    network: 'KeyCRM недоступний; спробуйте за хвилину.',
    timeout: 'KeyCRM не відповів вчасно; натисніть ще раз, щоб перевірити.',
    invalid_response: 'KeyCRM відповів щось незрозуміле.',
  },
  lateFailure: (user, number, reason) => `${user}: ${number} не змінено. ${reason}`,
}

const ru: ActionStrings = {
  confirm: (status) => `Подтвердить «${status}»?`,
  back: '← Назад',
  changing: (status) => `Меняю на «${status}»…`,
  changed: (status) => `Готово: «${status}»`,
  stale: 'Эта кнопка устарела; на карточке уже новые.',
  forbidden: 'Вам нельзя менять этот статус. Обратитесь к админу.',
  inProgress: 'Уже меняется, минутку.',
  alreadyDone: 'Уже сделано.',
  conflict: (status) => `Не изменено: в KeyCRM сейчас «${status}». Карточка обновлена.`,
  failed: (reason) => `Не изменено: ${reason}`,
  reasons: {
    unauthorized: 'KeyCRM не принял ключ API (проверьте KEYCRM_API_KEY).',
    not_found: 'В KeyCRM больше нет такого заказа.',
    bad_request: 'KeyCRM не принял этот статус.',
    rate_limited: 'KeyCRM перегружен (слишком много запросов); попробуйте через минуту.',
    server_error: 'В KeyCRM произошла ошибка; попробуйте через минуту.',
    network: 'KeyCRM недоступен; попробуйте через минуту.',
    timeout: 'KeyCRM не ответил вовремя; нажмите ещё раз, чтобы проверить.',
    invalid_response: 'KeyCRM ответил что-то непонятное.',
  },
  lateFailure: (user, number, reason) => `${user}: ${number} не изменён. ${reason}`,
}

/** The action texts of `locale`. */
export function actionStrings(locale: FormatLocale = 'uk'): ActionStrings {
  return { uk, en, ru }[locale]
}
