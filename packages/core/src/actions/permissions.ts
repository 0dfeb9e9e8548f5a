/**
 * Who may press a transition's button: the configured admins, a list of user ids, or the chat's Telegram
 * administrators (asked with `getChatMember` and remembered for a while, so a busy chat does not ask on
 * every press).
 *
 * @module
 */
import { ANONYMOUS_SENDER_IDS } from '../commands/handlers.ts'
import type { KeyValueStore } from '../delivery/types.ts'
import type { ResolvedActionRule } from './rules.ts'
import type { ActionBotApi } from './telegram.ts'

/** How long a chat member's status is remembered, in ms. */
export const CHAT_MEMBER_CACHE_MS = 10 * 60 * 1000

/** What {@link mayPress} checks against. */
export interface PresserCheck {
  admins: ReadonlySet<string>
  api: Pick<ActionBotApi, 'getChatMemberStatus'>
  kv: KeyValueStore
  cacheMs?: number
}

/** Whether `userId` may press a button of `rule` in `chatId`. Telegram failing to answer means no. */
export async function mayPress(
  rule: Pick<ResolvedActionRule, 'who'>,
  userId: number,
  chatId: string,
  check: PresserCheck,
): Promise<boolean> {
  const user = String(userId)
  // Anonymous group admins and channels stand for someone unknown: never allowed, listed or not.
  if (ANONYMOUS_SENDER_IDS.has(user)) return false
  if (rule.who.userIds.has(user)) return true
  if (rule.who.admins && check.admins.has(user)) return true
  if (!rule.who.chatAdmins) return false
  const status = await memberStatus(chatId, userId, check)
  return status === 'creator' || status === 'administrator'
}

async function memberStatus(chatId: string, userId: number, check: PresserCheck): Promise<string | null> {
  const key = `chat-member:${chatId}:${userId}`
  const cached = await check.kv.get<string>(key)
  if (typeof cached === 'string') return cached
  let status: string
  try {
    status = await check.api.getChatMemberStatus(chatId, userId)
  } catch {
    return null
  }
  await check.kv.set(key, status, { ttlMs: check.cacheMs ?? CHAT_MEMBER_CACHE_MS }).catch(() => {})
  return status
}
