/**
 * The action buttons of a card: one per transition the rules allow from its current status, each carrying a
 * signed token; and the "Confirm <status>? / Back" pair a confirmation shows for a minute.
 *
 * @module
 */
import type { ChatTarget } from '../delivery/types.ts'
import { findStatus, statusLabel } from '../format/labels.ts'
import { localeStrings } from '../format/locales/index.ts'
import type { FormatLocale, StatusDictionary } from '../format/types.ts'
import type { InlineButton, InlineCallbackButton, TelegramMessage } from '../telegram/types.ts'
import { type ResolvedActionRule, transitionsFrom } from './rules.ts'
import { actionStrings } from './strings.ts'
import { type ActionClaims, type ActionTokens, isTokenChatId } from './token.ts'

/** The card whose buttons are made. */
export interface ActionCard {
  target: ChatTarget
  /** The card's message, 0 while it has none yet (its first send). */
  messageId: number
  entity: 'order' | 'lead'
  id: number
  statusId: number
  /** The order's status group, for rules by group. */
  groupId: number | null
}

/** Options of {@link createActionKeyboards}. */
export interface ActionKeyboardOptions {
  tokens: ActionTokens
  rules: readonly ResolvedActionRule[]
  statuses?: StatusDictionary
  /** Language of the confirmation buttons; the status names come from `statuses`. */
  locale?: FormatLocale
  /** How long a card's buttons work, in seconds (the card's edit window: it is re-signed on every edit). */
  ttlSeconds: number
  /** How long a confirmation's buttons work, in seconds. Default 60. */
  confirmSeconds?: number
}

/** Makes action buttons. */
export interface ActionKeyboards {
  /** The card's buttons: rows of at most two. Empty when no rule applies (or the chat has no numeric id). */
  card(card: ActionCard, nowMs: number): Promise<InlineCallbackButton[][]>
  /** "Confirm <status>?" and "Back" for the transition a `go` token asked for. */
  confirmation(claims: ActionClaims, nowMs: number): Promise<InlineCallbackButton[][]>
  /** The name a button shows for a status. */
  label(entity: 'order' | 'lead', statusId: number): string
  readonly statuses: StatusDictionary
  readonly rules: readonly ResolvedActionRule[]
}

const BUTTONS_PER_ROW = 2

/** Creates the keyboards over a token signer and the resolved rules. */
export function createActionKeyboards(options: ActionKeyboardOptions): ActionKeyboards {
  const { tokens, rules } = options
  const statuses = options.statuses ?? {}
  const strings = actionStrings(options.locale)
  const formatStrings = localeStrings[options.locale ?? 'uk']
  const confirmSeconds = options.confirmSeconds ?? 60
  const label = (entity: 'order' | 'lead', statusId: number) =>
    statusLabel(
      findStatus(entity === 'order' ? statuses.order : statuses.lead, statusId),
      statusId,
      formatStrings,
    )

  return {
    statuses,
    rules,
    label,
    async card(card, nowMs) {
      if (!isTokenChatId(card.target.chatId)) return []
      const transitions = transitionsFrom(rules, card.entity, card.statusId, card.groupId, statuses)
      const expiresAt = Math.floor(nowMs / 1000) + options.ttlSeconds
      const buttons = await Promise.all(
        transitions.map(async (transition) => ({
          text: label(card.entity, transition.toStatus),
          callback_data: await tokens.sign({
            step: 'go',
            chatId: card.target.chatId,
            messageId: card.messageId,
            entity: card.entity,
            id: card.id,
            fromStatus: card.statusId,
            toStatus: transition.toStatus,
            expiresAt,
          }),
        })),
      )
      const rows: InlineCallbackButton[][] = []
      for (let index = 0; index < buttons.length; index += BUTTONS_PER_ROW)
        rows.push(buttons.slice(index, index + BUTTONS_PER_ROW))
      return rows
    },
    async confirmation(claims, nowMs) {
      const expiresAt = Math.floor(nowMs / 1000) + confirmSeconds
      const [confirm, back] = await Promise.all([
        tokens.sign({ ...claims, step: 'confirm', expiresAt }),
        tokens.sign({ ...claims, step: 'back', expiresAt }),
      ])
      return [
        [{ text: strings.confirm(label(claims.entity, claims.toStatus)), callback_data: confirm }],
        [{ text: strings.back, callback_data: back }],
      ]
    },
  }
}

/** `message` with `rows` of action buttons above its own buttons (the "Open in KeyCRM" link). */
export function withActionRows(message: TelegramMessage, rows: readonly InlineButton[][]): TelegramMessage {
  if (rows.length === 0) return message
  return {
    ...message,
    reply_markup: { inline_keyboard: [...rows, ...(message.reply_markup?.inline_keyboard ?? [])] },
  }
}
