/**
 * The lines notifications and cards are made of: headline, status, money, buyer, products, manager,
 * shipping. Built with the escaping builder only.
 *
 * @module
 */
import type { KeycrmEvent, KeycrmOrderContext } from '../webhook/types.ts'
import { a, b, code, type HtmlContent, html, join, type SafeHtml } from './html.ts'
import { formatMoney } from './intl.ts'
import { truncate } from './labels.ts'
import type { LocaleStrings } from './locales/types.ts'
import { carrierOf, trackingUrl } from './tracking.ts'
import type { EnrichmentProduct, OrderEnrichment, TemplateValues } from './types.ts'
import { eventManager, type ResolvedFormatOptions } from './values.ts'

/** How many enriched products a notification shows. */
export const PRODUCT_LIMIT = 20

/** `Label: value` when the value is present. */
export function field(label: string, value: HtmlContent): SafeHtml | undefined {
  if (value === '' || value === null || value === undefined) return undefined
  return html`${label}: ${value}`
}

/** The present lines, one per line; `undefined` when none is. */
export function section(lines: readonly (SafeHtml | undefined)[]): SafeHtml | undefined {
  const present = lines.filter((line): line is SafeHtml => line !== undefined)
  return present.length === 0 ? undefined : join(present, '\n')
}

/** The present sections, a blank line between them. */
export function blocks(parts: readonly (SafeHtml | undefined)[]): SafeHtml {
  return join(
    parts.filter((part): part is SafeHtml => part !== undefined),
    '\n\n',
  )
}

/** `🚚 <b>Замовлення #23196</b> · №18766`. */
export function headline(emoji: string, noun: string, id: string, subtitle?: string | null): SafeHtml {
  return html`${emoji} ${b(`${noun} #${id}`)}${subtitle ? ` · ${truncate(subtitle, 100)}` : ''}`
}

/** What follows an order's number: the shop's own number and the source's name, `№18766 · Instagram`. */
export function orderSubtitle(order: KeycrmOrderContext, enrichment: OrderEnrichment | undefined): string {
  return [order.source_uuid, enrichment?.source?.name].filter(Boolean).join(' · ')
}

/** `Статус: <b>Відправлено</b> (Доставка)`. */
export function statusLine(status: string, group: string, strings: LocaleStrings): SafeHtml | undefined {
  if (status === '') return undefined
  return html`${strings.labels.status}: ${b(truncate(status, 100))}${group ? ` (${group})` : ''}`
}

const roundCents = (amount: number): number => Math.round(amount * 100) / 100

/**
 * One order line. The API's price is per unit, so a line with a quantity says so: `2 × 450 ₴ = 900 ₴`;
 * a single unit is just its price.
 */
function productLine(product: EnrichmentProduct, options: ResolvedFormatOptions): SafeHtml {
  const money = (amount: number) => formatMoney(amount, options.strings.intlLocale, options.currency)
  const { quantity, price } = product
  const hasQuantity = quantity !== null && quantity !== undefined && Number.isFinite(quantity)
  const hasPrice = price !== null && price !== undefined && Number.isFinite(price)
  let amount = ''
  if (hasPrice && hasQuantity && quantity !== 1)
    amount = ` — ${quantity} × ${money(price)} = ${money(roundCents(quantity * price))}`
  else if (hasPrice) amount = ` — ${money(price)}`
  else if (hasQuantity) amount = ` × ${quantity}`
  const sku = product.sku ? html` · ${code(truncate(product.sku, 100))}` : ''
  return html`• ${truncate(product.name ?? '—', 200)}${amount}${sku}`
}

/** `🛒 Товари:` and at most `limit` lines, then "…and N more"; `undefined` without products. */
export function productBlock(
  products: readonly EnrichmentProduct[] | null | undefined,
  options: ResolvedFormatOptions,
  limit: number = PRODUCT_LIMIT,
): SafeHtml | undefined {
  if (!products || products.length === 0) return undefined
  const { strings } = options
  const lines = products.slice(0, limit).map((product) => productLine(product, options))
  if (products.length > limit) lines.push(html`${strings.more.products(products.length - limit)}`)
  return html`🛒 ${strings.labels.products}:\n${join(lines, '\n')}`
}

/** `👤 Покупець: Олена · +380… · olena@…` (the lead's contact is called a contact). */
export function buyerLine(values: TemplateValues, label: string): SafeHtml | undefined {
  const buyer = [values.buyer.full_name, values.buyer.phone, values.buyer.email].filter(Boolean).join(' · ')
  return buyer ? html`👤 ${label}: ${buyer}` : undefined
}

/** `👔 Менеджер: Іван`, a `tg://user` mention when the manager's Telegram account is configured. */
export function managerLine(event: KeycrmEvent, options: ResolvedFormatOptions): SafeHtml | undefined {
  const manager = eventManager(event, options)
  const label = options.strings.labels.manager
  const name = truncate(manager.name, 100)
  if (manager.contact !== undefined) {
    const userId = manager.contact.telegramUserId
    if (Number.isSafeInteger(userId) && userId > 0)
      return html`👔 ${label}: ${a(`tg://user?id=${userId}`, name || `#${manager.id}`)}`
  }
  return name ? html`👔 ${label}: ${name}` : undefined
}

/** `🚚 Доставка: Нова Пошта · ТТН: 20450000000000 · Київ`, the number linked to the carrier's tracking page. */
export function shippingLine(values: TemplateValues, options: ResolvedFormatOptions): SafeHtml | undefined {
  const { service, tracking_code: trackingCode, address } = values.shipping
  const carrier = options.enrichment?.shipping?.carrier ?? carrierOf(service)
  const url = trackingCode ? trackingUrl(carrier, trackingCode) : undefined
  const tracking = trackingCode
    ? html`${options.strings.labels.tracking}: ${url ? a(url, trackingCode) : code(trackingCode)}`
    : ''
  const parts = [service, tracking, address].filter(Boolean)
  return parts.length > 0 ? html`🚚 ${options.strings.labels.shipping}: ${join(parts, ' · ')}` : undefined
}
