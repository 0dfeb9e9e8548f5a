/**
 * Action buttons on live cards: the decorator the delivery worker renders every card through, and the same
 * for the action handler when it edits a card after a press.
 *
 * @module
 */
import type { CardDecoration } from '../delivery/cards/deliver.ts'
import type { CardRecord } from '../delivery/cards/record.ts'
import type { TelegramMessage } from '../telegram/types.ts'
import { type ActionKeyboards, withActionRows } from './keyboard.ts'

/** The status a card shows and its group (orders), or `null` when it shows none. */
export function cardStatusOf(
  record: CardRecord,
  entity: 'order' | 'lead',
  keyboards: Pick<ActionKeyboards, 'statuses'>,
): { statusId: number; groupId: number | null } | null {
  const context = record.latest.context
  const statusId = record.steps.at(-1)?.statusId ?? wholeNumber(context.status_id)
  if (statusId === null) return null
  if (entity === 'lead') return { statusId, groupId: null }
  const groupId =
    keyboards.statuses.order?.[statusId]?.groupId ??
    (wholeNumber(context.status_id) === statusId ? wholeNumber(context.status_group_id) : null)
  return { statusId, groupId }
}

/** Adds a card's action buttons above its own buttons; `now` is the clock tokens expire by. */
export function createActionCardDecorator(
  keyboards: ActionKeyboards,
  now: () => number = Date.now,
): (decoration: CardDecoration) => Promise<TelegramMessage> {
  return async ({ target, card, record, messageId, message }) => {
    const status = cardStatusOf(record, card.entity, keyboards)
    if (status === null) return message
    const rows = await keyboards.card(
      { target, messageId, entity: card.entity, id: card.id, ...status },
      now(),
    )
    return withActionRows(message, rows)
  }
}

function wholeNumber(value: unknown): number | null {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value
  return typeof number === 'number' && Number.isInteger(number) && number > 0 ? number : null
}
