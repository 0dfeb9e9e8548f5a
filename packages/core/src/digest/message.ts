/**
 * The digest as a Telegram message, in three languages.
 *
 * @module
 */
import { b, html, join } from '../format/html.ts'
import { formatMoney } from '../format/intl.ts'
import { localeStrings } from '../format/locales/index.ts'
import type { FormatLocale } from '../format/types.ts'
import type { TelegramMessage } from '../telegram/types.ts'
import type { DigestStats } from './compute.ts'

interface DigestStrings {
  title: (date: string) => string
  newOrders: string
  canceled: string
  awaitingPayment: (hours: number) => string
  nothing: string
}

const strings: Record<FormatLocale, DigestStrings> = {
  uk: {
    title: (date) => `Підсумок за ${date}`,
    newOrders: 'Нових замовлень',
    canceled: 'Скасовано',
    awaitingPayment: (hours) => `Чекають оплату понад ${hours} год`,
    nothing: 'Подій не було.',
  },
  en: {
    title: (date) => `Summary for ${date}`,
    newOrders: 'New orders',
    canceled: 'Canceled',
    awaitingPayment: (hours) => `Waiting for payment over ${hours} h`,
    nothing: 'No events.',
  },
  ru: {
    title: (date) => `Итоги за ${date}`,
    newOrders: 'Новых заказов',
    canceled: 'Отменено',
    awaitingPayment: (hours) => `Ждут оплату более ${hours} ч`,
    nothing: 'Событий не было.',
  },
}

/** Options of {@link formatDigest}. */
export interface FormatDigestOptions {
  /** Default `uk`. */
  locale?: FormatLocale
  /** ISO 4217; default `UAH`. */
  currency?: string
  /** The waiting-for-payment threshold shown, in ms. Default 24 h. */
  awaitingPaymentAfterMs?: number
  disableNotification?: boolean
}

function periodDate(stats: DigestStats, intlLocale: string): string {
  return new Intl.DateTimeFormat(intlLocale, {
    timeZone: stats.period.timeZone,
    day: '2-digit',
    month: '2-digit',
    year: 'numeric',
  }).format(stats.period.start)
}

/** The digest message and its one-line summary (HTML-escaped plain text). */
export function formatDigest(
  stats: DigestStats,
  options: FormatDigestOptions = {},
): { message: TelegramMessage; summaryLine: string } {
  const locale = options.locale ?? 'uk'
  const text = strings[locale] ?? strings.uk
  const { intlLocale } = localeStrings[locale] ?? localeStrings.uk
  const currency = options.currency ?? 'UAH'
  const hours = Math.round((options.awaitingPaymentAfterMs ?? 86_400_000) / 3_600_000)
  const title = text.title(periodDate(stats, intlLocale))
  const money = formatMoney(stats.newOrdersTotal, intlLocale, currency)
  const lines = [
    html`📊 ${b(title)}`,
    html`🆕 ${text.newOrders}: ${b(String(stats.newOrders))} · ${b(money)}`,
    html`❌ ${text.canceled}: ${b(String(stats.canceled))}`,
    html`⏳ ${text.awaitingPayment(hours)}: ${b(String(stats.awaitingPayment))}`,
  ]
  if (stats.events === 0) lines.push(html`${text.nothing}`)
  const message: TelegramMessage = {
    text: String(join(lines, '\n')),
    parse_mode: 'HTML',
    link_preview_options: { is_disabled: true },
  }
  if (options.disableNotification) message.disable_notification = true
  const summary = `${title}: ${stats.newOrders} · ${money} · ${stats.canceled} · ${stats.awaitingPayment}`
  return { message, summaryLine: String(html`${summary}`) }
}
