/**
 * Stock alerts as Telegram messages, in three languages: one summary per chat per webhook (however many
 * offers crossed), split under Telegram's 4096 characters and capped at a few messages.
 *
 * @module
 */
import { a, b, code, html } from '../format/html.ts'
import { normalizeKeycrmAccount } from '../format/keycrm-link.ts'
import { localeStrings } from '../format/locales/index.ts'
import { splitTelegramHtml, TELEGRAM_TEXT_LIMIT } from '../format/split.ts'
import type { FormatLocale } from '../format/types.ts'
import { visibleLength } from '../format/visible.ts'
import type { TelegramMessage } from '../telegram/types.ts'
import type { StockProductInfo } from './names.ts'
import type { StockCrossing } from './types.ts'

interface StockStrings {
  title: string
  offer: (id: number) => string
  low: (available: string, low: string) => string
  out: (available: string) => string
  back: (available: string) => string
  more: (count: number) => string
  summary: (low: number, back: number) => string
}

const strings: Record<FormatLocale, StockStrings> = {
  uk: {
    title: 'Залишки на складі',
    offer: (id) => `товар #${id}`,
    low: (available, low) => `мало: ${available} (поріг ${low})`,
    out: (available) => `закінчився: ${available}`,
    back: (available) => `знову в наявності: ${available}`,
    more: (count) => `…і ще ${count}`,
    summary: (low, back) => `Залишки: мало ${low}, знову в наявності ${back}`,
  },
  en: {
    title: 'Stock alerts',
    offer: (id) => `offer #${id}`,
    low: (available, low) => `low: ${available} left (threshold ${low})`,
    out: (available) => `out of stock: ${available}`,
    back: (available) => `back in stock: ${available}`,
    more: (count) => `…and ${count} more`,
    summary: (low, back) => `Stock: ${low} low, ${back} back in stock`,
  },
  ru: {
    title: 'Остатки на складе',
    offer: (id) => `товар #${id}`,
    low: (available, low) => `мало: ${available} (порог ${low})`,
    out: (available) => `закончился: ${available}`,
    back: (available) => `снова в наличии: ${available}`,
    more: (count) => `…и ещё ${count}`,
    summary: (low, back) => `Остатки: мало ${low}, снова в наличии ${back}`,
  },
}

/** Default cap of messages one chat gets for one webhook; further offers are counted in a last line. */
export const DEFAULT_STOCK_MAX_MESSAGES = 5

// A product name is a label here, not content: a very long one would crowd out other offers.
const MAX_NAME_LENGTH = 120

/** Options of {@link formatStockAlerts}. */
export interface FormatStockAlertsOptions {
  /** Default `uk`. */
  locale?: FormatLocale
  /** Product names by SKU (from `createStockProductNames`). */
  names?: ReadonlyMap<string, StockProductInfo>
  /** The KeyCRM account (`myshop` or `myshop.keycrm.app`): names link to their product pages. */
  keycrmDomain?: string
  /** At most this many messages; the offers that do not fit are counted in the last line. Default 5. */
  maxMessages?: number
  disableNotification?: boolean
}

/** The product page in KeyCRM. Only the order page path is documented; this one follows its pattern. */
export function keycrmProductUrl(domain: string, productId: number): string {
  return `https://${normalizeKeycrmAccount(domain)}.keycrm.app/app/products/view/${productId}`
}

function rank(crossing: StockCrossing): number {
  if (crossing.direction === 'back') return 2
  return crossing.available <= 0 ? 0 : 1
}

/**
 * Formats crossings as one summary: a title, then one line per offer (out of stock first, then low,
 * then back in stock), split into messages under 4096 visible characters. When they would take more
 * than `maxMessages`, the lines that do not fit are replaced by one "…and N more" line.
 *
 * @returns The messages and one escaped plain line per message (for the delivery engine's summaries).
 */
export function formatStockAlerts(
  crossings: readonly StockCrossing[],
  options: FormatStockAlertsOptions = {},
): { message: TelegramMessage; summaryLine: string }[] {
  if (crossings.length === 0) return []
  const locale = options.locale ?? 'uk'
  const text = strings[locale] ?? strings.uk
  const numbers = new Intl.NumberFormat((localeStrings[locale] ?? localeStrings.uk).intlLocale, {
    maximumFractionDigits: 3,
  })
  const maxMessages = Math.max(1, options.maxMessages ?? DEFAULT_STOCK_MAX_MESSAGES)
  const account =
    options.keycrmDomain === undefined ? undefined : normalizeKeycrmAccount(options.keycrmDomain)
  const sorted = [...crossings].sort((x, y) => rank(x) - rank(y))
  const lines = sorted.map((crossing) => {
    const info = crossing.sku === null ? undefined : options.names?.get(crossing.sku)
    const name = info === undefined ? null : info.name.slice(0, MAX_NAME_LENGTH)
    const label =
      name === null
        ? null
        : account !== undefined && info !== undefined && info.productId !== null
          ? a(keycrmProductUrl(account, info.productId), b(name))
          : b(name)
    const id = crossing.sku === null ? text.offer(crossing.offerId) : code(crossing.sku)
    const available = numbers.format(crossing.available)
    const state =
      crossing.direction === 'back'
        ? html`✅ ${text.back(available)}`
        : crossing.available <= 0
          ? html`⛔ ${text.out(available)}`
          : html`⚠️ ${text.low(available, numbers.format(crossing.low))}`
    return String(label === null ? html`${state} — ${id}` : html`${state} — ${label} ${id}`)
  })
  const header = String(
    crossings.length === 1 ? html`📦 ${b(text.title)}` : html`📦 ${b(text.title)} · ${crossings.length}`,
  )
  const parts = packParts(header, lines, (count) => String(html`<i>${text.more(count)}</i>`), maxMessages)
  const lowCount = crossings.filter((crossing) => crossing.direction === 'low').length
  const summary = text.summary(lowCount, crossings.length - lowCount)
  return parts.map((part, index) => {
    const message: TelegramMessage = {
      text: part,
      parse_mode: 'HTML',
      link_preview_options: { is_disabled: true },
    }
    if (options.disableNotification) message.disable_notification = true
    const line = parts.length === 1 ? summary : `${summary} (${index + 1}/${parts.length})`
    return { message, summaryLine: String(html`${line}`) }
  })
}

function packParts(
  header: string,
  lines: readonly string[],
  more: (count: number) => string,
  maxMessages: number,
): string[] {
  // An upper bound from visible lengths first; the splitter breaks at newlines, so it may need a few lines less.
  const budget = maxMessages * TELEGRAM_TEXT_LIMIT - visibleLength(more(lines.length)) - 1
  let used = visibleLength(header)
  let keep = lines.length
  for (let index = 0; index < lines.length; index++) {
    used += 1 + visibleLength(lines[index]!)
    if (used > budget) {
      keep = index
      break
    }
  }
  for (;;) {
    const body = lines.slice(0, keep)
    if (keep < lines.length) body.push(more(lines.length - keep))
    // Every piece is markup built with the html builder above, so plain joining keeps it valid.
    const parts = splitTelegramHtml([header, ...body].join('\n'), TELEGRAM_TEXT_LIMIT)
    if (parts.length <= maxMessages || keep === 0) return parts.map((part) => part.trimEnd())
    keep--
  }
}
