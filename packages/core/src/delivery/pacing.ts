/**
 * Per-chat pacing: the least time between two messages to one chat, so a burst gets no 429.
 *
 * @module
 */
import type { ChatId } from './types.ts'

/** Per-chat pacing. */
export interface ChatPacing {
  /** Between messages to a private chat (positive id), in ms. Default 1000 (Telegram: about 1/s). */
  privateChatIntervalMs?: number
  /**
   * Between messages to a group, supergroup or channel (negative id or `@username`), in ms. Default 1000:
   * a burst goes out at about 1/s until {@link ChatPacing.groupMessagesPerMinute} is reached.
   */
  groupChatIntervalMs?: number
  /** At most this many messages to one group in any minute. Default 20 (Telegram's limit); `Infinity`: no budget. */
  groupMessagesPerMinute?: number
}

/** Default {@link ChatPacing}. */
export const defaultChatPacing: Required<ChatPacing> = {
  privateChatIntervalMs: 1000,
  groupChatIntervalMs: 1000,
  groupMessagesPerMinute: 20,
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

/** The window of {@link ChatPacing.groupMessagesPerMinute}, in ms. */
export const GROUP_WINDOW_MS = 60_000

/**
 * Whether pacing `chatId` needs the times of its recent sends: only for a group whose per-minute budget
 * can bind at its interval (20/min at 1 s can; 3000/min at 20 ms cannot).
 */
export function needsSendHistory(chatId: ChatId, pacing: ChatPacing = {}): boolean {
  const { groupChatIntervalMs, groupMessagesPerMinute } = { ...defaultChatPacing, ...pacing }
  return (
    isGroupChat(chatId) &&
    Number.isFinite(groupMessagesPerMinute) &&
    groupMessagesPerMinute * groupChatIntervalMs < GROUP_WINDOW_MS
  )
}

/**
 * When the next message may go to `chatId`, given the times of its recent sends (oldest first, the one
 * just made last; see {@link recentSendTimes}).
 *
 * Telegram allows a group 20 messages in any minute, sent about 1/s, so a burst goes out at the group
 * interval until the minute's budget is used, then waits for the oldest send to leave the window. A fixed
 * 3 s gap (20/min spread evenly) would take 117 s for 40 messages where 79 s are allowed.
 */
export function nextChatSendTime(chatId: ChatId, recent: readonly number[], pacing: ChatPacing = {}): number {
  const last = recent[recent.length - 1]
  if (last === undefined) return 0
  const interval = chatIntervalMs(chatId, pacing)
  if (!needsSendHistory(chatId, pacing)) return last + interval
  const { groupMessagesPerMinute } = { ...defaultChatPacing, ...pacing }
  const oldestInBudget = recent[recent.length - groupMessagesPerMinute]
  return oldestInBudget === undefined
    ? last + interval
    : Math.max(last + interval, oldestInBudget + GROUP_WINDOW_MS)
}

/** The send times worth keeping for {@link nextChatSendTime}: the newest `groupMessagesPerMinute` within the window. */
export function recentSendTimes(
  previous: readonly number[],
  sentAt: readonly number[],
  pacing: ChatPacing = {},
): number[] {
  const { groupMessagesPerMinute } = { ...defaultChatPacing, ...pacing }
  const newest = sentAt[sentAt.length - 1] ?? previous[previous.length - 1] ?? 0
  return [...previous, ...sentAt].filter((at) => at > newest - GROUP_WINDOW_MS).slice(-groupMessagesPerMinute)
}

/** The key-value record holding a group's recent send times (shared by every worker). */
export function chatSendHistoryKey(chatId: ChatId): string {
  return `chat-sends:${chatId}`
}
