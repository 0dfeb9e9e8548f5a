/**
 * The Bot API calls action buttons need besides sending and editing messages.
 *
 * @module
 */
import type { ChatTarget, TelegramFailure, TelegramSuccess } from '../delivery/types.ts'
import type { InlineKeyboardMarkup } from '../telegram/types.ts'

/** A chat member's status as `getChatMember` reports it. */
export type ChatMemberStatus = 'creator' | 'administrator' | 'member' | 'restricted' | 'left' | 'kicked'

/** What the action handler calls on Telegram. Implementations never throw for a Bot API error reply. */
export interface ActionBotApi {
  /** `answerCallbackQuery`: stops the button's spinner; `showAlert` makes the text a dialog. */
  answerCallbackQuery(queryId: string, answer: { text?: string; showAlert?: boolean }): Promise<void>
  /** `editMessageReplyMarkup`: replaces a message's buttons. */
  editMessageReplyMarkup(
    target: ChatTarget,
    messageId: number,
    markup: InlineKeyboardMarkup,
  ): Promise<TelegramSuccess | TelegramFailure>
  /** `getChatMember(...).status`. Rejects when Telegram cannot tell (then nobody is taken for an admin). */
  getChatMemberStatus(chatId: string, userId: number): Promise<ChatMemberStatus | string>
}
