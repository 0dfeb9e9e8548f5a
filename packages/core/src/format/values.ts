/**
 * Options resolution and the formatted values every message (and template) is built from.
 *
 * @module
 */
import type { KeycrmEvent, KeycrmOrderContext } from '../webhook/types.ts'
import { formatDateTime, formatMoney } from './intl.ts'
import { keycrmLeadUrl, keycrmOrderUrl, normalizeKeycrmAccount } from './keycrm-link.ts'
import { findStatus, paymentStatusLabel, statusGroupLabel, statusLabel } from './labels.ts'
import { localeStrings } from './locales/index.ts'
import type { LocaleStrings } from './locales/types.ts'
import type {
  FormatLocale,
  FormatOptions,
  ManagerContact,
  OrderEnrichment,
  StatusInfo,
  TemplateValues,
} from './types.ts'

/** {@link FormatOptions} with defaults applied. */
export interface ResolvedFormatOptions extends FormatOptions {
  locale: FormatLocale
  currency: string
  timeZone: string
  strings: LocaleStrings
}

/**
 * Applies the defaults (`uk`, `UAH`, `Europe/Kyiv`) and checks the account name early.
 *
 * @throws TypeError for an unsupported locale or a malformed `keycrmDomain`.
 */
export function resolveFormatOptions(options: FormatOptions = {}): ResolvedFormatOptions {
  const locale = options.locale ?? 'uk'
  if (!Object.hasOwn(localeStrings, locale)) throw new TypeError(`Unsupported locale "${String(locale)}"`)
  if (options.keycrmDomain !== undefined) normalizeKeycrmAccount(options.keycrmDomain)
  return {
    ...options,
    locale,
    currency: options.currency ?? 'UAH',
    timeZone: options.timeZone ?? 'Europe/Kyiv',
    strings: localeStrings[locale],
  }
}

/** A positive integer id from an unknown event's context (`id` as number or digit string). */
export function unknownEventId(context: Record<string, unknown>): number | undefined {
  const id = Object.hasOwn(context, 'id') ? context.id : undefined
  const value = typeof id === 'string' && /^\d{1,15}$/.test(id) ? Number(id) : id
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : undefined
}

/** The KeyCRM page of the event's order or lead, when the account is configured and the id known. */
export function entityUrl(event: KeycrmEvent, options: ResolvedFormatOptions): string | undefined {
  const domain = options.keycrmDomain
  if (domain === undefined) return undefined
  if (event.kind === 'order_status' || event.kind === 'payment_status')
    return keycrmOrderUrl(domain, event.context.id)
  if (event.kind === 'lead_status') return keycrmLeadUrl(domain, event.context.id)
  const id = unknownEventId(event.context)
  if (id === undefined) return undefined
  if (event.event.startsWith('order.')) return keycrmOrderUrl(domain, id)
  if (event.event.startsWith('lead.')) return keycrmLeadUrl(domain, id)
  return undefined
}

/** The status dictionary entry for the event, if the dictionary has one. */
export function eventStatus(event: KeycrmEvent, options: ResolvedFormatOptions): StatusInfo | undefined {
  if (event.kind === 'order_status' || event.kind === 'payment_status') {
    return findStatus(options.statuses?.order, event.context.status_id)
  }
  if (event.kind === 'lead_status') return findStatus(options.statuses?.lead, event.context.status_id)
  return undefined
}

const empty = (value: string | null | undefined): string => value ?? ''

/** An order's money and payment state as shown. */
export interface OrderFigures {
  grandTotal: number | null
  paymentsTotal: number | null
  paymentStatus: string | null
}

/**
 * The order's total, paid amount and payment status: the webhook's (what the event says), else the API's
 * (a webhook may lack them; enrichment brings the order's own).
 */
export function orderFigures(
  order: KeycrmOrderContext,
  enrichment: OrderEnrichment | undefined,
): OrderFigures {
  const totals = enrichment?.totals
  return {
    grandTotal: order.grand_total ?? totals?.grand_total ?? null,
    paymentsTotal: order.payments_total ?? totals?.payments_total ?? null,
    paymentStatus: order.payment_status ?? totals?.payment_status ?? null,
  }
}

/** The manager of the event's order or lead: id, name and Telegram account, as far as known. */
export interface EventManager {
  id: number | null
  /** The name shown: the configured one, else KeyCRM's (enrichment); `''` when neither is known. */
  name: string
  /** The Telegram account from {@link FormatOptions.managers}, to mention. */
  contact?: ManagerContact
}

/** Who manages the event's order or lead, from the webhook's `manager_id` (else enrichment) and `managers`. */
export function eventManager(event: KeycrmEvent, options: ResolvedFormatOptions): EventManager {
  const fromWebhook = event.kind === 'unknown' ? null : event.context.manager_id
  const id = fromWebhook ?? options.enrichment?.manager?.id ?? null
  const contact =
    id !== null && options.managers !== undefined && Object.hasOwn(options.managers, id)
      ? options.managers[id]
      : undefined
  const name = contact?.name?.trim() || (options.enrichment?.manager?.full_name ?? '')
  const manager: EventManager = { id, name }
  if (contact !== undefined) manager.contact = contact
  return manager
}

/** Every value a notification shows, formatted as plain (unescaped) text. */
export function buildTemplateValues(event: KeycrmEvent, options: ResolvedFormatOptions): TemplateValues {
  const { strings, currency, timeZone } = options
  const date = (value: string | null) => formatDateTime(value, strings.intlLocale, timeZone)
  const money = (value: number | null) => formatMoney(value, strings.intlLocale, currency)
  const { buyer, shipping } = options.enrichment ?? {}
  const values: TemplateValues = {
    event: event.event,
    kind: event.kind,
    id: '',
    number: '',
    source_uuid: '',
    status: '',
    status_group: '',
    payment: '',
    total: '',
    paid: '',
    status_changed_at: '',
    created_at: '',
    ordered_at: '',
    url: entityUrl(event, options) ?? '',
    buyer: { full_name: empty(buyer?.full_name), phone: empty(buyer?.phone), email: empty(buyer?.email) },
    manager: { full_name: eventManager(event, options).name },
    shipping: {
      service: empty(shipping?.service),
      tracking_code: empty(shipping?.tracking_code),
      address: empty(shipping?.address),
    },
  }
  if (event.kind === 'unknown') {
    const id = unknownEventId(event.context)
    if (id !== undefined) Object.assign(values, { id: String(id), number: `#${id}` })
    return values
  }
  const context = event.context
  const info = eventStatus(event, options)
  values.id = String(context.id)
  values.number = `#${context.id}`
  values.status = statusLabel(info, context.status_id, strings)
  values.status_changed_at = date(context.status_changed_at)
  values.created_at = date(context.created_at)
  if (event.kind === 'lead_status') return values
  const order = event.context
  values.source_uuid = empty(order.source_uuid)
  if (order.source_uuid) values.number += ` (${order.source_uuid})`
  values.status_group = statusGroupLabel(order.status_group_id ?? info?.groupId, strings)
  const figures = orderFigures(order, options.enrichment)
  values.payment = paymentStatusLabel(figures.paymentStatus, strings)
  values.total = money(figures.grandTotal)
  values.paid = money(figures.paymentsTotal)
  values.ordered_at = date(order.ordered_at)
  return values
}
