/**
 * Live order cards: one message per order (or funnel card) and chat, edited in place as it moves, showing
 * where it is now and how it got there.
 *
 * @module
 */
import type { InlineKeyboardMarkup, TelegramMessage } from '../telegram/types.ts'
import type {
  KeycrmEvent,
  LeadStatusChangedEvent,
  OrderPaymentStatusChangedEvent,
  OrderStatusChangedEvent,
} from '../webhook/types.ts'
import { defaultBody } from './body.ts'
import { historyLine, stepTime } from './history.ts'
import { b, html, type SafeHtml } from './html.ts'
import { localDay } from './intl.ts'
import {
  findStatus,
  paymentStatusEmoji,
  statusGroupEmoji,
  statusGroupLabel,
  statusLabel,
  truncate,
} from './labels.ts'
import {
  blocks,
  buyerLine,
  headline,
  managerLine,
  orderSubtitle,
  productBlock,
  section,
  shippingLine,
  statusLine,
} from './parts.ts'
import { splitTelegramHtml, TELEGRAM_TEXT_LIMIT } from './split.ts'
import type { FormatOptions, TemplateValues } from './types.ts'
import {
  buildTemplateValues,
  orderFigures,
  type ResolvedFormatOptions,
  resolveFormatOptions,
} from './values.ts'
import { visibleLength } from './visible.ts'

/** One step of a card's status history. */
export interface CardHistoryStep {
  statusId: number
  /** Epoch ms (the event's `status_changed_at`). */
  at: number
}

/** What a card is rendered from. */
export interface CardRenderInput {
  /** The latest event of the order or lead (its context: number, source, totals, payment status, manager, ...). */
  event: KeycrmEvent
  /**
   * Status steps, oldest first; the last is the current status. May hold steps delivered out of order,
   * already sorted by `at`.
   */
  history: readonly CardHistoryStep[]
  /** For two-way actions: "changed by <name> at <time>". */
  changedBy?: { name: string; at: number }
}

/** How many products a card lists at most (fewer when the card would not fit one message). */
export const CARD_PRODUCT_LIMIT = 10

/** The current status of the card: the last history step, else the event's status. */
interface CurrentStatus {
  label: string
  groupId: number | undefined
  groupLabel: string
}

/** The status names of the event's kind: order statuses, or funnel statuses for a lead. */
function statusDictionary(event: KeycrmEvent, options: ResolvedFormatOptions) {
  return event.kind === 'lead_status' ? options.statuses?.lead : options.statuses?.order
}

function currentStatus(input: CardRenderInput, options: ResolvedFormatOptions): CurrentStatus {
  const { event } = input
  if (event.kind === 'unknown') return { label: '', groupId: undefined, groupLabel: '' }
  const statusId = input.history.at(-1)?.statusId ?? event.context.status_id
  const info = findStatus(statusDictionary(event, options), statusId)
  // The webhook names the group of its own status; a later step's group comes from the status list.
  const webhookGroup =
    event.kind !== 'lead_status' && statusId === event.context.status_id
      ? event.context.status_group_id
      : null
  const groupId = webhookGroup ?? info?.groupId
  return {
    label: statusLabel(info, statusId, options.strings),
    groupId,
    groupLabel: event.kind === 'lead_status' ? '' : statusGroupLabel(groupId, options.strings),
  }
}

/** `Сума: <b>1 198 ₴</b> · ❌ Не оплачено` (and the paid amount when partly paid). */
function moneyLine(
  event: OrderStatusChangedEvent | OrderPaymentStatusChangedEvent,
  values: TemplateValues,
  options: ResolvedFormatOptions,
): SafeHtml | undefined {
  const { labels } = options.strings
  const { paymentStatus } = orderFigures(event.context, options.enrichment)
  const payment = values.payment && `${paymentStatusEmoji(paymentStatus)} ${truncate(values.payment, 60)}`
  const paid = paymentStatus === 'part_paid' && values.paid ? ` · ${labels.paid}: ${values.paid}` : ''
  if (values.total) return html`${labels.total}: ${b(values.total)}${payment && ` · ${payment}`}${paid}`
  return payment ? html`${labels.payment}: ${payment}` : undefined
}

/** `✏️ Змінено: Іван, 14:41` after a change made from the chat; the day too when it differs from the last step's. */
function changedByLine(input: CardRenderInput, options: ResolvedFormatOptions): SafeHtml | undefined {
  const { changedBy } = input
  const name = changedBy?.name.trim()
  if (changedBy === undefined || !name || !Number.isFinite(changedBy.at)) return undefined
  const last = input.history.at(-1)?.at
  const day = (at: number) => localDay(at, options.timeZone)
  const sameDay = last !== undefined && Number.isFinite(last) && day(last) === day(changedBy.at)
  return html`${options.strings.card.changedBy(truncate(name, 64), stepTime(changedBy.at, !sameDay, options))}`
}

/** The history line and who changed the order from the chat. */
function footer(input: CardRenderInput, options: ResolvedFormatOptions): SafeHtml | undefined {
  const history = historyLine(input.history, statusDictionary(input.event, options), options)
  return section([history ? html`🕓 ${history}` : undefined, changedByLine(input, options)])
}

function orderCard(
  input: CardRenderInput,
  event: OrderStatusChangedEvent | OrderPaymentStatusChangedEvent,
  values: TemplateValues,
  options: ResolvedFormatOptions,
  productLimit: number,
): SafeHtml {
  const { strings, enrichment } = options
  const status = currentStatus(input, options)
  return blocks([
    section([
      headline(
        statusGroupEmoji(status.groupId),
        strings.headline.order_status,
        values.id,
        orderSubtitle(event.context, enrichment),
      ),
      statusLine(status.label, status.groupLabel, strings),
      moneyLine(event, values, options),
    ]),
    section([
      buyerLine(values, strings.labels.buyer),
      productBlock(enrichment?.products, options, productLimit),
      shippingLine(values, options),
      managerLine(event, options),
    ]),
    footer(input, options),
  ])
}

function leadCard(
  input: CardRenderInput,
  event: LeadStatusChangedEvent,
  values: TemplateValues,
  options: ResolvedFormatOptions,
  productLimit: number,
): SafeHtml {
  const { strings, enrichment } = options
  const status = currentStatus(input, options)
  return blocks([
    section([
      headline('🎯', strings.headline.lead_status, values.id, event.context.title),
      statusLine(status.label, status.groupLabel, strings),
    ]),
    section([
      buyerLine(values, strings.labels.contact),
      productBlock(enrichment?.products, options, productLimit),
      managerLine(event, options),
    ]),
    footer(input, options),
  ])
}

function cardBody(
  input: CardRenderInput,
  values: TemplateValues,
  options: ResolvedFormatOptions,
  productLimit: number,
): SafeHtml {
  const { event } = input
  switch (event.kind) {
    case 'order_status':
    case 'payment_status':
      return orderCard(input, event, values, options, productLimit)
    case 'lead_status':
      return leadCard(input, event, values, options, productLimit)
    default:
      return defaultBody(event, values, options)
  }
}

/**
 * The card's text within Telegram's limit: with fewer products listed ("…and N more") until it fits, and
 * cut as a last resort (every field is already shortened, so only an extreme product list gets there).
 */
function fit(render: (productLimit: number) => SafeHtml, products: number): string {
  let text = ''
  for (let limit = Math.min(products, CARD_PRODUCT_LIMIT); limit >= 0; limit--) {
    text = String(render(limit))
    if (visibleLength(text) <= TELEGRAM_TEXT_LIMIT) return text
  }
  return `${splitTelegramHtml(text, TELEGRAM_TEXT_LIMIT - 1)[0] ?? ''}…`
}

/**
 * Renders the live card of an order or funnel card: exactly one message (it is edited in place), at most
 * 4096 visible characters, Telegram HTML, link previews off, with the "Open in KeyCRM" button when
 * `keycrmDomain` is set and silent when `disableNotification` is.
 *
 * An order card shows the number, the shop's own number and the source, the current status by name with
 * its group's emoji, the total and payment status (the webhook's, else enrichment's), the buyer, the
 * products (at most {@link CARD_PRODUCT_LIMIT}, fewer if the card would not fit, then "…and N more"), the
 * delivery with the tracking number linked to the carrier, the manager (mentioned when configured in
 * `managers`), and the history line of the last few steps in `timeZone`. A funnel card shows its title,
 * status, contact, products and manager the same way. `templates` do not apply to cards. An unknown event
 * renders as its notification would, shortened to one message.
 *
 * @throws TypeError for an unsupported locale or malformed `keycrmDomain`; RangeError for a currency or time
 *   zone `Intl` rejects (configuration errors, the same for every card).
 * @example
 * ```ts
 * const card = formatCard(
 *   { event, history: [{ statusId: 1, at: Date.parse('2026-01-29T08:02:00Z') }, { statusId: 3, at: Date.now() }] },
 *   { locale: 'uk', keycrmDomain: 'myshop', statuses },
 * )
 * await bot.api.editMessageText(chatId, messageId, card.text, card)
 * ```
 */
export function formatCard(input: CardRenderInput, options: FormatOptions = {}): TelegramMessage {
  const resolved = resolveFormatOptions(options)
  const values = buildTemplateValues(input.event, resolved)
  const products = resolved.enrichment?.products?.length ?? 0
  const text = fit((limit) => cardBody(input, values, resolved, limit), products)
  const message: TelegramMessage = { text, parse_mode: 'HTML', link_preview_options: { is_disabled: true } }
  if (values.url) {
    const keyboard: InlineKeyboardMarkup = {
      inline_keyboard: [[{ text: resolved.strings.openInKeycrm, url: values.url }]],
    }
    message.reply_markup = keyboard
  }
  if (resolved.disableNotification) message.disable_notification = true
  return message
}
