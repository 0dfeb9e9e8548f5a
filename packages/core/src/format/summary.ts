/**
 * Burst summaries in the chat's language: a bulk change of 50 orders reads
 * `<b>50 оновлень</b>` and `🚚 → <b>Відправлено</b> (23 · 27 540 ₴): #7000201, #7000203, …`, grouped by
 * where the orders went, instead of 50 lines of `Замовлення #7000211 → #3`.
 *
 * @module
 */
import type { KeycrmEvent } from '../webhook/types.ts'
import { escapeHtml } from './escape.ts'
import { b, html, type SafeHtml } from './html.ts'
import { formatMoney } from './intl.ts'
import { statusGroupEmoji, truncate } from './labels.ts'
import { localeStrings } from './locales/index.ts'
import type { LocaleStrings } from './locales/types.ts'
import type { FormatLocale, FormatOptions, TemplateValues } from './types.ts'
import {
  buildTemplateValues,
  eventStatus,
  orderFigures,
  type ResolvedFormatOptions,
  resolveFormatOptions,
} from './values.ts'

/**
 * What a burst summary knows of one order or lead notification, so it can group and count it. Plain JSON:
 * a job carries it through every store.
 */
export interface SummaryItem {
  /** The language `to` is written in; the summary's header follows its first item. */
  locale: FormatLocale
  kind: 'order_status' | 'payment_status' | 'lead_status'
  /** The order or lead id. */
  id: number
  /** Where it went, as shown: the status name, or the payment status for payment events (`Відправлено`). */
  to: string
  /** The status group of `to` (1..6), for the emoji and the order of the groups. */
  groupId?: number
  /** The order's total, when known. */
  total?: number
  /** The currency of `total` (ISO 4217). */
  currency?: string
}

/** One notification in a burst summary: its plain line (HTML-escaped, no tags), and its item when it has one. */
export interface SummaryEntry {
  line: string
  item?: SummaryItem
}

/** The summary's first line for `count` merged notifications, in `locale` (English when none is known). */
export type SummaryHeader = (count: number, locale?: FormatLocale) => string

/** The default header: `<b>50 оновлень</b>`, `<b>50 updates</b>`, `<b>50 обновлений</b>`. */
export const summaryHeader: SummaryHeader = (count, locale) =>
  String(
    b(
      localeStrings[
        locale !== undefined && Object.hasOwn(localeStrings, locale) ? locale : 'en'
      ].summary.updates(count),
    ),
  )

/** One line for a summary from the event's formatted values (see {@link summaryLine}). */
function lineOf(event: KeycrmEvent, values: TemplateValues, options: ResolvedFormatOptions): string {
  const { labels, headline } = options.strings
  const status = truncate(values.status, 60)
  let line: string
  switch (event.kind) {
    case 'order_status':
      line = [`${labels.order} #${values.id}${status && ` → ${status}`}`, values.total]
        .filter(Boolean)
        .join(' · ')
      break
    case 'payment_status':
      line = [`${labels.order} #${values.id}`, truncate(values.payment, 40), values.total]
        .filter(Boolean)
        .join(' · ')
      break
    case 'lead_status':
      line = `${labels.lead} #${values.id}${status && ` → ${status}`}`
      break
    default:
      line = `${headline.unknown}: ${truncate(event.event, 80)}${values.number && ` ${values.number}`}`
  }
  return escapeHtml(truncate(line, 200))
}

/** The item of an order, payment or lead event from its formatted values (see {@link summaryItem}). */
function itemOf(
  event: KeycrmEvent,
  values: TemplateValues,
  options: ResolvedFormatOptions,
): SummaryItem | undefined {
  if (event.kind === 'unknown') return undefined
  const to = truncate(event.kind === 'payment_status' ? values.payment : values.status, 60)
  if (to === '') return undefined
  const item: SummaryItem = { locale: options.locale, kind: event.kind, id: event.context.id, to }
  if (event.kind === 'lead_status') return item
  const groupId =
    event.kind === 'order_status'
      ? (event.context.status_group_id ?? eventStatus(event, options)?.groupId)
      : undefined
  if (groupId !== undefined) item.groupId = groupId
  const total = orderFigures(event.context, options.enrichment).grandTotal
  if (total !== null) Object.assign(item, { total, currency: options.currency })
  return item
}

/**
 * One short line for summaries of merged bursts, e.g. `Замовлення #23196 → Відправлено · 1 198 ₴`: how a
 * summary lists a notification it cannot group, and how dead letters are listed. HTML-escaped plain text
 * without tags, at most about 200 characters.
 */
export function summaryLine(event: KeycrmEvent, options: FormatOptions = {}): string {
  const resolved = resolveFormatOptions(options)
  return lineOf(event, buildTemplateValues(event, resolved), resolved)
}

/**
 * The {@link SummaryItem} of an order, payment or lead event, in the options' language with status names
 * from `statuses`; `undefined` for unknown events and events that name no status.
 */
export function summaryItem(event: KeycrmEvent, options: FormatOptions = {}): SummaryItem | undefined {
  const resolved = resolveFormatOptions(options)
  return itemOf(event, buildTemplateValues(event, resolved), resolved)
}

/** What a job carries for burst summaries: its {@link summaryLine} and {@link summaryItem}, formatted once. */
export function summarize(
  event: KeycrmEvent,
  options: FormatOptions = {},
): { line: string; item?: SummaryItem } {
  const resolved = resolveFormatOptions(options)
  const values = buildTemplateValues(event, resolved)
  const line = lineOf(event, values, resolved)
  const item = itemOf(event, values, resolved)
  return item === undefined ? { line } : { line, item }
}

const kinds: readonly SummaryItem['kind'][] = ['order_status', 'payment_status', 'lead_status']

/** An item as stored can be anything: only a well-formed one is grouped, anything else stays a plain line. */
function isSummaryItem(value: unknown): value is SummaryItem {
  if (value === null || typeof value !== 'object') return false
  const item = value as Record<string, unknown>
  return (
    typeof item.locale === 'string' &&
    Object.hasOwn(localeStrings, item.locale) &&
    kinds.includes(item.kind as SummaryItem['kind']) &&
    Number.isSafeInteger(item.id) &&
    typeof item.to === 'string' &&
    item.to !== '' &&
    (item.groupId === undefined || typeof item.groupId === 'number') &&
    (item.total === undefined || (typeof item.total === 'number' && Number.isFinite(item.total))) &&
    (item.currency === undefined || typeof item.currency === 'string')
  )
}

interface Group {
  first: SummaryItem
  /** The position of its first entry, to keep the order of groups stable. */
  position: number
  items: SummaryItem[]
}

function groupsOf(items: readonly (readonly [SummaryItem, number])[]): Group[] {
  const groups = new Map<string, Group>()
  for (const [item, position] of items) {
    const key = `${item.kind}\u0000${item.locale}\u0000${item.to}`
    const group = groups.get(key)
    if (group === undefined) groups.set(key, { first: item, position, items: [item] })
    else group.items.push(item)
  }
  const rank = (group: Group) => [kinds.indexOf(group.first.kind), group.first.groupId ?? 99, group.position]
  return [...groups.values()].sort((x, y) => {
    const [a, c] = [rank(x), rank(y)]
    return a[0]! - c[0]! || a[1]! - c[1]! || a[2]! - c[2]!
  })
}

/** The sum of the orders' totals when every order of the group has one, in one currency; else `''`. */
function groupTotal(orders: readonly SummaryItem[], strings: LocaleStrings): string {
  const currency = orders[0]?.currency
  if (currency === undefined || orders.some((item) => item.total === undefined || item.currency !== currency))
    return ''
  const sum = orders.reduce((total, item) => total + item.total!, 0)
  try {
    return formatMoney(Math.round(sum * 100) / 100, strings.intlLocale, currency)
  } catch {
    return '' // A currency `Intl` refuses came from outside; the count says enough.
  }
}

/** `🚚 → <b>Відправлено</b> (23 · 27 540 ₴): #7000201, #7000203`: each order once, by number. */
function groupLine(group: Group): SafeHtml {
  const { first } = group
  const strings = localeStrings[first.locale]
  const byId = new Map(group.items.map((item) => [item.id, item]))
  const orders = [...byId.values()].sort((x, y) => x.id - y.id)
  const total = first.kind === 'lead_status' ? '' : groupTotal(orders, strings)
  const count = total ? `${orders.length} · ${total}` : String(orders.length)
  const ids = orders.map((item) => `#${item.id}`).join(', ')
  const lead =
    first.kind === 'order_status'
      ? `${statusGroupEmoji(first.groupId)} →`
      : first.kind === 'payment_status'
        ? `💳 ${strings.labels.payment} →`
        : `🎯 ${strings.labels.lead} →`
  return html`${lead} ${b(first.to)} (${count}): ${ids}`
}

/**
 * The summary of merged notifications as Telegram HTML: the header, then one line per target status (orders
 * first, by status group; then payments; then leads), each listing its orders by number with their count and
 * total, then the plain lines of the entries without an item, in their order. Every entry is represented.
 */
export function formatSummary(
  entries: readonly SummaryEntry[],
  header: SummaryHeader = summaryHeader,
): string {
  const items: [SummaryItem, number][] = []
  const plain: string[] = []
  entries.forEach((entry, position) => {
    if (isSummaryItem(entry.item)) items.push([entry.item, position])
    else plain.push(entry.line)
  })
  const lines = [...groupsOf(items).map((group) => String(groupLine(group))), ...plain]
  // Group lines come from the builder; plain lines are HTML-escaped by whoever rendered them.
  return `${header(entries.length, items[0]?.[0].locale)}\n${lines.join('\n')}`
}
