import {
  type CardHistoryStep,
  type FormatOptions,
  formatCard,
  type KeycrmEvent,
  messageHash,
} from '@keygram/core'

// #region card
const format: FormatOptions = {
  locale: 'uk',
  keycrmDomain: 'myshop',
  // Mention the order's manager (KeyCRM user 6) so they are notified in a group.
  managers: { 6: { telegramUserId: 123456789, name: 'Олена Коваль' } },
}

/**
 * The card of an order from its latest event and its status steps (oldest first, the last is the current
 * status), or `null` when the chat already shows exactly this card.
 */
export function renderCard(event: KeycrmEvent, history: CardHistoryStep[], shownHash?: string) {
  const card = formatCard({ event, history }, format) // one message, at most 4096 characters
  const hash = messageHash(card) // text and buttons; store it with the card's message id
  return hash === shownHash ? null : { card, hash }
}
// #endregion card
