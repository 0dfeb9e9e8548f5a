/**
 * A group's recent send times, kept in the store so every worker honours its 20-per-minute budget. The
 * worker reads them while it sends (its claim keeps other workers from adding to them) and writes them
 * after the settle, so the settle follows Telegram's answer with no store round trip in between: the
 * window in which a crash repeats a message is as short as it can be.
 *
 * @module
 */
import {
  type ChatPacing,
  chatSendHistoryKey,
  defaultChatPacing,
  GROUP_WINDOW_MS,
  needsSendHistory,
  nextChatSendTime,
  recentSendTimes,
} from './pacing.ts'
import type { ChatId, KeyValueStore } from './types.ts'

/** What was read: `none` when the chat keeps no history, `failed` when the store did not answer. */
export type SendHistory = { kind: 'none' } | { kind: 'read'; times: number[] } | { kind: 'failed' }

/** Reads `chatId`'s recent send times, if it keeps them. Never rejects. */
export async function readSendHistory(
  kv: Pick<KeyValueStore, 'get'>,
  chatId: ChatId,
  pacing: ChatPacing,
  onError: (error: unknown) => void,
): Promise<SendHistory> {
  if (!needsSendHistory(chatId, pacing)) return { kind: 'none' }
  try {
    const stored = await kv.get<number[]>(chatSendHistoryKey(chatId))
    return { kind: 'read', times: Array.isArray(stored) ? stored : [] }
  } catch (error) {
    onError(error)
    return { kind: 'failed' }
  }
}

/**
 * When the chat may get its next message after `sent` messages went out at `now`, and the history to keep
 * (`null`: nothing to write). Without a readable history the chat waits as if the group budget were spread
 * evenly (never faster than allowed).
 */
export function paceAfterSend(
  chatId: ChatId,
  now: number,
  sent: number,
  history: SendHistory,
  pacing: ChatPacing,
): { notBefore: number; keep: number[] | null } {
  const sentAt = Array.from({ length: Math.max(1, sent) }, () => now)
  if (history.kind === 'none') return { notBefore: nextChatSendTime(chatId, sentAt, pacing), keep: null }
  if (history.kind === 'failed') {
    const { groupMessagesPerMinute } = { ...defaultChatPacing, ...pacing }
    return { notBefore: now + Math.ceil(GROUP_WINDOW_MS / groupMessagesPerMinute), keep: null }
  }
  const recent = recentSendTimes(history.times, sentAt, pacing)
  return { notBefore: nextChatSendTime(chatId, recent, pacing), keep: recent }
}

/** Writes a chat's recent send times. Never rejects. */
export async function writeSendHistory(
  kv: Pick<KeyValueStore, 'set'>,
  chatId: ChatId,
  times: number[],
  onError: (error: unknown) => void,
): Promise<void> {
  try {
    await kv.set(chatSendHistoryKey(chatId), times, { ttlMs: GROUP_WINDOW_MS })
  } catch (error) {
    onError(error)
  }
}
