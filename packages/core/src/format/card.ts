/**
 * Live order cards: one message per order (or lead) per chat, edited as it moves.
 *
 * PROVISIONAL: the notification's first message plus a history line. Replaced by the full card layout.
 *
 * @module
 */
import type { TelegramMessage } from '../telegram/types.ts'
import type { KeycrmEvent } from '../webhook/types.ts'
import { escapeHtml } from './escape.ts'
import { findStatus, statusLabel } from './labels.ts'
import { formatNotification } from './notification.ts'
import type { FormatOptions } from './types.ts'
import { resolveFormatOptions } from './values.ts'

/** One step of a card's status history. */
export interface CardHistoryStep {
  statusId: number
  /** Epoch ms (`status_changed_at`). */
  at: number
}

/** What a card shows. */
export interface CardRenderInput {
  /** The latest event of the order or lead. */
  event: KeycrmEvent
  /** Status steps, oldest first; the last is the current status. */
  history: readonly CardHistoryStep[]
  /** For two-way actions: "changed by <name> at <time>". */
  changedBy?: { name: string; at: number }
}

/** The card: exactly one message, HTML, with the "Open in KeyCRM" button when the domain is known. */
export function formatCard(input: CardRenderInput, options: FormatOptions = {}): TelegramMessage {
  const resolved = resolveFormatOptions(options)
  // A card shows where the order is now, whichever change brought it there.
  const event: KeycrmEvent =
    input.event.kind === 'payment_status'
      ? { kind: 'order_status', event: 'order.change_order_status', context: input.event.context }
      : input.event
  const [first] = formatNotification(event, options)
  if (first === undefined) throw new Error('formatCard: the event renders no message')
  const dictionary = input.event.kind === 'lead_status' ? resolved.statuses?.lead : resolved.statuses?.order
  const time = new Intl.DateTimeFormat('uk-UA', {
    timeZone: resolved.timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  })
  const history = input.history
    .slice(-4)
    .map(
      (step) =>
        `${statusLabel(findStatus(dictionary, step.statusId), step.statusId, resolved.strings)} ${time.format(step.at)}`,
    )
    .join(' → ')
  const text = history === '' ? first.text : `${first.text}\n\n${escapeHtml(history)}`
  const { disable_notification: _silent, ...message } = first
  return { ...message, text }
}

/** A short, stable hash of what a message shows (text and buttons), to skip edits that change nothing. */
export function messageHash(message: Pick<TelegramMessage, 'text' | 'reply_markup'>): string {
  // FNV-1a, 32 bits, over the UTF-16 code units: cheap, web-standard, and collisions only cost a skipped
  // edit of a card whose next change repaints it anyway; no crypto API needed on every runtime.
  const input = `${message.text}\u0000${JSON.stringify(message.reply_markup ?? null)}`
  let hash = 0x811c9dc5
  for (let index = 0; index < input.length; index++) {
    hash ^= input.charCodeAt(index)
    hash = Math.imul(hash, 0x01000193)
  }
  return (hash >>> 0).toString(16).padStart(8, '0')
}
