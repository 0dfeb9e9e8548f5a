/**
 * Options and data shapes of the notification formatter.
 *
 * @module
 */
import type { KeycrmEvent, KeycrmLeadContext, KeycrmOrderContext } from '../webhook/types.ts'
import type { SafeHtml } from './html.ts'

/** Languages the notifications come in. */
export type FormatLocale = 'uk' | 'en' | 'ru'

/** What a status id means, e.g. from KeyCRM's `GET /order/status` or a pipeline's statuses. */
export interface StatusInfo {
  /** The status name; built-in statuses come from the API with system names like `new`. */
  name: string
  /** The system alias (`new`, `completed`, …) when KeyCRM has one. */
  alias?: string
  /** The status group (1 new, 2 approval, 3 production, 4 delivery, 5 completed, 6 canceled). */
  groupId?: number
}

/** Status dictionaries by status id. */
export interface StatusDictionary {
  order?: Record<number, StatusInfo>
  lead?: Record<number, StatusInfo>
}

/** The buyer (or lead contact), e.g. from `include=buyer`. */
export interface EnrichmentBuyer {
  full_name?: string | null
  phone?: string | null
  email?: string | null
}

/** One order line, e.g. from `include=products.offer`. */
export interface EnrichmentProduct {
  name?: string | null
  quantity?: number | null
  /** Unit price in the order currency. */
  price?: number | null
  sku?: string | null
}

/** The responsible manager, e.g. from `include=manager`. */
export interface EnrichmentManager {
  /** The KeyCRM user id, to find the manager's Telegram account in {@link FormatOptions.managers}. */
  id?: number | null
  full_name?: string | null
}

/** Carriers whose public tracking page a tracking number links to. */
export type Carrier = 'nova_poshta' | 'ukrposhta' | 'meest'

/** Shipping details, e.g. from `include=shipping.deliveryService`. */
export interface EnrichmentShipping {
  /** The delivery service name, e.g. "Нова Пошта". */
  service?: string | null
  /** The carrier, when the service is one Keygram knows; else it is guessed from `service`. */
  carrier?: Carrier | null
  tracking_code?: string | null
  address?: string | null
}

/** The order's own figures from the API, shown when the webhook lacks them. */
export interface EnrichmentTotals {
  grand_total?: number | null
  payments_total?: number | null
  /** `paid`, `part_paid`, `not_paid`, `overpaid`. */
  payment_status?: string | null
}

/** Where the order came from (KeyCRM's "source": a shop, a marketplace, a manual channel). */
export interface EnrichmentSource {
  name?: string | null
}

/** Optional extra data about the order or lead, fetched from the KeyCRM API; shown when present. */
export interface OrderEnrichment {
  buyer?: EnrichmentBuyer | null
  products?: readonly EnrichmentProduct[] | null
  manager?: EnrichmentManager | null
  shipping?: EnrichmentShipping | null
  totals?: EnrichmentTotals | null
  source?: EnrichmentSource | null
}

/** A KeyCRM manager's Telegram account, so messages about their orders mention them. */
export interface ManagerContact {
  /** The Telegram user id mentioned (`tg://user?id=<id>`); in a group, that person is notified. */
  telegramUserId: number
  /** The name the mention shows; default the manager's KeyCRM name. */
  name?: string
}

/**
 * Values already formatted for display (plain text, not escaped), as templates see them.
 * Missing values are empty strings.
 */
export interface TemplateValues {
  /** The event name, e.g. `order.change_order_status`. */
  event: string
  kind: KeycrmEvent['kind']
  /** The order or lead id as text, e.g. `23196`. */
  id: string
  /** `#23196`, plus the shop's own number when present: `#23196 (№18766)`. */
  number: string
  source_uuid: string
  /** The status name from the dictionary (localized for built-in ones), else `#<status_id>`. */
  status: string
  status_group: string
  payment: string
  total: string
  paid: string
  status_changed_at: string
  created_at: string
  ordered_at: string
  /** The KeyCRM page of the order or lead, when `keycrmDomain` is set. */
  url: string
  buyer: { full_name: string; phone: string; email: string }
  manager: { full_name: string }
  shipping: { service: string; tracking_code: string; address: string }
}

/** What a template gets. */
export interface TemplateContext {
  event: KeycrmEvent
  locale: FormatLocale
  /** Formatted values; these are plain text, so pass them to the builder, which escapes them. */
  values: TemplateValues
  /** The order context for `order.*` events. */
  order?: KeycrmOrderContext
  /** The lead context for `lead.*` events. */
  lead?: KeycrmLeadContext
  /** The raw context as received. */
  context: Record<string, unknown>
  enrichment?: OrderEnrichment
  /** The message Keygram would send without a template, to extend or reuse. */
  defaultBody: SafeHtml
}

/**
 * A custom message body for one event kind.
 *
 * - A function gets a {@link TemplateContext} and must build its markup with the safe builder
 *   (`html\`…\``, `b()`, `blockquote()`, …), which escapes every value. A plain `string` it returns
 *   is treated as text and escaped entirely, so a hand-concatenated string can never inject markup.
 * - A string is Telegram HTML written by the operator with `{placeholders}` such as
 *   `"<b>Order {id}</b>: {status}"` or `{order.client_comment}`; values are looked up in
 *   {@link TemplateValues}, then `order.*`, `lead.*`, `context.*`, and are always escaped.
 *   Unknown placeholders become empty. A string whose own markup is invalid is sent as plain text.
 */
export type Template = ((context: TemplateContext) => SafeHtml | string) | string

/** Options of `formatNotification`, `formatCard`, `summaryLine` and `summaryItem`. */
export interface FormatOptions {
  /** Language; default `uk`. */
  locale?: FormatLocale
  /** ISO 4217 currency of the account; default `UAH`. */
  currency?: string
  /** IANA time zone dates are shown in; default `Europe/Kyiv`. */
  timeZone?: string
  /**
   * The KeyCRM account (`myshop`) or host (`myshop.keycrm.app`); when set, messages get an
   * "Open in KeyCRM" button.
   */
  keycrmDomain?: string
  /** Status names by id; without them statuses show as `#<id>`. */
  statuses?: StatusDictionary
  /** Extra data from the KeyCRM API. */
  enrichment?: OrderEnrichment
  /** Custom message bodies by event kind. */
  templates?: Partial<Record<KeycrmEvent['kind'], Template>>
  /** Send silently. */
  disableNotification?: boolean
  /**
   * Telegram accounts of KeyCRM managers by KeyCRM user id (`manager_id`): messages mention the order's
   * manager as a `tg://user?id=` link.
   */
  managers?: Readonly<Record<number, ManagerContact>>
}
