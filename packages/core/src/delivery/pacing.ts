/**
 * Per-chat pacing: the least time between two messages to one chat, so a burst gets no 429.
 *
 * @module
 */
import type { ChatId } from './types.ts'

/** Per-chat minimum intervals. */
export interface ChatPacing {
  /** Between messages to a private chat (positive id), in ms. Default 1000 (Telegram: about 1/s). */
  privateChatIntervalMs?: number
  /**
   * Between messages to a group, supergroup or channel (negative id or `@username`), in ms. Default 3000
   * (Telegram: 20 messages per minute per group).
   */
  groupChatIntervalMs?: number
}

/** Default {@link ChatPacing}. */
export const defaultChatPacing: Required<ChatPacing> = {
  privateChatIntervalMs: 1000,
  groupChatIntervalMs: 3000,
}

/** Whether a chat id names a group, supergroup or channel rather than a user. */
export function isGroupChat(chatId: ChatId): boolean {
  return chatId.startsWith('-') || chatId.startsWith('@')
}

/** The least time between two messages to `chatId`, in ms. */
export function chatIntervalMs(chatId: ChatId, pacing: ChatPacing = {}): number {
  const { privateChatIntervalMs, groupChatIntervalMs } = { ...defaultChatPacing, ...pacing }
  return isGroupChat(chatId) ? groupChatIntervalMs : privateChatIntervalMs
}
