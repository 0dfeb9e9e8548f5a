/**
 * The default message bodies, built with the escaping builder only.
 *
 * @module
 */
import type {
  KeycrmEvent,
  LeadStatusChangedEvent,
  OrderPaymentStatusChangedEvent,
  OrderStatusChangedEvent,
  UnknownKeycrmEvent,
} from '../webhook/types.ts'
import { b, blockquote, code, html, join, type SafeHtml } from './html.ts'
import { paymentStatusEmoji, statusGroupEmoji, truncate } from './labels.ts'
import {
  blocks,
  buyerLine,
  field,
  headline,
  managerLine,
  orderSubtitle,
  productBlock,
  section,
  shippingLine,
  statusLine,
} from './parts.ts'
import type { TemplateValues } from './types.ts'
import { eventStatus, orderFigures, type ResolvedFormatOptions } from './values.ts'

/** How many scalar context fields an unknown event shows. */
export const UNKNOWN_EVENT_FIELD_LIMIT = 15

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

function enrichmentSection(
  event: KeycrmEvent,
  values: TemplateValues,
  options: ResolvedFormatOptions,
  buyerLabel: string,
): SafeHtml | undefined {
  return section([
    buyerLine(values, buyerLabel),
    productBlock(options.enrichment?.products, options),
    managerLine(event, options),
    shippingLine(values, options),
  ])
}

function orderBody(
  event: OrderStatusChangedEvent | OrderPaymentStatusChangedEvent,
  values: TemplateValues,
  options: ResolvedFormatOptions,
): SafeHtml {
  const { strings } = options
  const order = event.context
  const isPayment = event.kind === 'payment_status'
  const { paymentStatus } = orderFigures(order, options.enrichment)
  const payment = values.payment && `${paymentStatusEmoji(paymentStatus)} ${truncate(values.payment, 60)}`
  const showPaid = isPayment || paymentStatus === 'part_paid'
  const paid = showPaid && values.paid ? ` · ${strings.labels.paid}: ${values.paid}` : ''
  const total = values.total ? html`${strings.labels.total}: ${b(values.total)}${paid}` : undefined
  const groupId = order.status_group_id ?? eventStatus(event, options)?.groupId
  const emoji = isPayment ? '💳' : statusGroupEmoji(groupId)
  const noun = strings.headline[event.kind]
  const status = statusLine(values.status, values.status_group, strings)
  const main = section([
    headline(emoji, noun, values.id, orderSubtitle(order, options.enrichment)),
    ...(isPayment
      ? [field(strings.labels.payment, payment), total, status]
      : [status, field(strings.labels.payment, payment), total]),
    field(strings.labels.promocode, order.promocode && truncate(order.promocode, 100)),
    field(strings.labels.statusChangedAt, values.status_changed_at),
    field(strings.labels.orderedAt, values.ordered_at),
  ])
  return blocks([
    main,
    enrichmentSection(event, values, options, strings.labels.buyer),
    section([
      comment('🎁', strings.labels.giftMessage, order.gift_message),
      comment('💬', strings.labels.clientComment, order.client_comment),
      comment('📝', strings.labels.managerComment, order.manager_comment),
    ]),
  ])
}

function leadBody(
  event: LeadStatusChangedEvent,
  values: TemplateValues,
  options: ResolvedFormatOptions,
): SafeHtml {
  const { strings } = options
  const lead = event.context
  const main = section([
    headline('🎯', strings.headline.lead_status, values.id),
    field(strings.labels.title, lead.title && truncate(lead.title, 200)),
    statusLine(values.status, values.status_group, strings),
    field(strings.labels.statusChangedAt, values.status_changed_at),
  ])
  return blocks([
    main,
    enrichmentSection(event, values, options, strings.labels.contact),
    comment('📝', strings.labels.managerComment, lead.manager_comment),
  ])
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
      return leadBody(event, values, options)
    default:
      return unknownBody(event, options)
  }
}
