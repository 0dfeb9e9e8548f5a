/**
 * The default message bodies, built with the escaping builder only.
 *
 * @module
 */
import type {
  KeycrmEvent,
  KeycrmLeadContext,
  OrderPaymentStatusChangedEvent,
  OrderStatusChangedEvent,
  UnknownKeycrmEvent,
} from '../webhook/types.ts'
import { b, blockquote, code, type HtmlContent, html, join, type SafeHtml } from './html.ts'
import { formatMoney } from './intl.ts'
import { paymentStatusEmoji, statusGroupEmoji, truncate } from './labels.ts'
import type { LocaleStrings } from './locales/types.ts'
import type { OrderEnrichment, TemplateValues } from './types.ts'
import { eventStatus, type ResolvedFormatOptions } from './values.ts'

/** How many scalar context fields an unknown event shows. */
export const UNKNOWN_EVENT_FIELD_LIMIT = 15
/** How many enriched products an order shows. */
export const PRODUCT_LIMIT = 20

/** `Label: value` when the value is present. */
function field(label: string, value: HtmlContent): SafeHtml | undefined {
  if (value === '' || value === null || value === undefined) return undefined
  return html`${label}: ${value}`
}

/**
 * Comment text as shown: line breaks normalised, trimmed, runs of blank lines collapsed to one
 * (so even a hostile comment cannot produce a whitespace-only message part).
 */
export function normalizeComment(comment: string | null | undefined): string {
  if (!comment) return ''
  return comment
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()
}

function comment(emoji: string, label: string, value: string | null | undefined): SafeHtml | undefined {
  const textValue = normalizeComment(value)
  if (textValue === '') return undefined
  // Long comments collapse so the status stays visible at a glance.
  const expandable = textValue.length > 300 || textValue.split('\n').length > 5
  return html`${emoji} ${label}:\n${blockquote(textValue, { expandable })}`
}

function section(lines: readonly (SafeHtml | undefined)[]): SafeHtml | undefined {
  const present = lines.filter((line): line is SafeHtml => line !== undefined)
  return present.length === 0 ? undefined : join(present, '\n')
}

function enrichmentSection(
  enrichment: OrderEnrichment | undefined,
  values: TemplateValues,
  options: ResolvedFormatOptions,
  buyerLabel: string,
): SafeHtml | undefined {
  const { strings } = options
  const buyer = [values.buyer.full_name, values.buyer.phone, values.buyer.email].filter(Boolean).join(' · ')
  const shipping = join(
    [
      values.shipping.service,
      values.shipping.tracking_code &&
        html`${strings.labels.tracking}: ${code(values.shipping.tracking_code)}`,
      values.shipping.address,
    ].filter(Boolean),
    ' · ',
  )
  const products = enrichment?.products ?? []
  const productLines = products.slice(0, PRODUCT_LIMIT).map((product) => {
    const quantity =
      product.quantity === null || product.quantity === undefined ? '' : ` × ${product.quantity}`
    const price = formatMoney(product.price, strings.intlLocale, options.currency)
    return html`• ${truncate(product.name ?? '—', 200)}${quantity}${price && ` — ${price}`}${
      product.sku ? html` · ${code(truncate(product.sku, 100))}` : ''
    }`
  })
  if (products.length > PRODUCT_LIMIT)
    productLines.push(html`${strings.more.products(products.length - PRODUCT_LIMIT)}`)
  return section([
    buyer ? html`👤 ${buyerLabel}: ${buyer}` : undefined,
    productLines.length > 0 ? html`🛒 ${strings.labels.products}:\n${join(productLines, '\n')}` : undefined,
    values.manager.full_name ? html`👔 ${strings.labels.manager}: ${values.manager.full_name}` : undefined,
    String(shipping) ? html`🚚 ${strings.labels.shipping}: ${shipping}` : undefined,
  ])
}

function headline(emoji: string, noun: string, values: TemplateValues, subtitle?: string | null): SafeHtml {
  return html`${emoji} ${b(`${noun} #${values.id}`)}${subtitle ? ` · ${truncate(subtitle, 100)}` : ''}`
}

function statusLine(values: TemplateValues, strings: LocaleStrings): SafeHtml | undefined {
  if (values.status === '') return undefined
  const group = values.status_group ? ` (${values.status_group})` : ''
  return html`${strings.labels.status}: ${b(truncate(values.status, 100))}${group}`
}

function orderBody(
  event: OrderStatusChangedEvent | OrderPaymentStatusChangedEvent,
  values: TemplateValues,
  options: ResolvedFormatOptions,
): SafeHtml {
  const { strings } = options
  const order = event.context
  const isPayment = event.kind === 'payment_status'
  const payment =
    values.payment && `${paymentStatusEmoji(order.payment_status)} ${truncate(values.payment, 60)}`
  const showPaid = isPayment || order.payment_status === 'part_paid'
  const paid = showPaid && values.paid ? ` · ${strings.labels.paid}: ${values.paid}` : ''
  const total = values.total ? html`${strings.labels.total}: ${b(values.total)}${paid}` : undefined
  const groupId = order.status_group_id ?? eventStatus(event, options)?.groupId
  const emoji = isPayment ? '💳' : statusGroupEmoji(groupId)
  const noun = strings.headline[event.kind]
  const main = section([
    headline(emoji, noun, values, order.source_uuid),
    ...(isPayment
      ? [field(strings.labels.payment, payment), total, statusLine(values, strings)]
      : [statusLine(values, strings), field(strings.labels.payment, payment), total]),
    field(strings.labels.promocode, order.promocode && truncate(order.promocode, 100)),
    field(strings.labels.statusChangedAt, values.status_changed_at),
    field(strings.labels.orderedAt, values.ordered_at),
  ])
  return join(
    [
      main,
      enrichmentSection(options.enrichment, values, options, strings.labels.buyer),
      section([
        comment('🎁', strings.labels.giftMessage, order.gift_message),
        comment('💬', strings.labels.clientComment, order.client_comment),
        comment('📝', strings.labels.managerComment, order.manager_comment),
      ]),
    ].filter(Boolean),
    '\n\n',
  )
}

function leadBody(lead: KeycrmLeadContext, values: TemplateValues, options: ResolvedFormatOptions): SafeHtml {
  const { strings } = options
  const main = section([
    headline('🎯', strings.headline.lead_status, values),
    field(strings.labels.title, lead.title && truncate(lead.title, 200)),
    statusLine(values, strings),
    field(strings.labels.statusChangedAt, values.status_changed_at),
  ])
  return join(
    [
      main,
      enrichmentSection(options.enrichment, values, options, strings.labels.contact),
      comment('📝', strings.labels.managerComment, lead.manager_comment),
    ].filter(Boolean),
    '\n\n',
  )
}

function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value)
  return undefined
}

function unknownBody(event: UnknownKeycrmEvent, options: ResolvedFormatOptions): SafeHtml {
  const { strings } = options
  const scalars = Object.entries(event.context).flatMap(([key, value]) => {
    const shown = scalarText(value)
    return shown === undefined ? [] : [[key, shown] as const]
  })
  const lines = scalars
    .slice(0, UNKNOWN_EVENT_FIELD_LIMIT)
    .map(([key, value]) => html`• ${b(truncate(key, 64))}: ${truncate(value, 200)}`)
  if (scalars.length > UNKNOWN_EVENT_FIELD_LIMIT) {
    lines.push(html`${strings.more.fields(scalars.length - UNKNOWN_EVENT_FIELD_LIMIT)}`)
  }
  return join(
    [
      html`🔔 ${b(strings.headline.unknown)}`,
      html`${strings.labels.event}: ${code(truncate(event.event, 100))}`,
      ...lines,
    ],
    '\n',
  )
}

/** The message Keygram sends for an event when no template overrides it. */
export function defaultBody(
  event: KeycrmEvent,
  values: TemplateValues,
  options: ResolvedFormatOptions,
): SafeHtml {
  switch (event.kind) {
    case 'order_status':
    case 'payment_status':
      return orderBody(event, values, options)
    case 'lead_status':
      return leadBody(event.context, values, options)
    default:
      return unknownBody(event, options)
  }
}
