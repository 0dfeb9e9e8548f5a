/**
 * Chats that answer 403 (the bot was blocked by the user, kicked from the group, or the chat was deleted):
 * Telegram will refuse every later message too. A chat that subscribed with `/subscribe` is unsubscribed,
 * so later events no longer route to it (and no longer pile up as dead letters); a chat from the
 * configuration is left routed (the file is the operator's) and reported, at most once an hour.
 *
 * @module
 */

import type { ChatId, KeyValueStore } from '../delivery/types.ts'
import type { DeliveryEvent } from '../delivery/worker.ts'
import { readSubscriptions, type Subscription, updateSubscription } from './subscriptions.ts'

/** How often a configured chat that keeps answering 403 is reported again, in ms. */
export const FORBIDDEN_CHAT_WARN_EVERY_MS = 3_600_000

/** What {@link createForbiddenChatHandler} did about a chat that answered 403. */
export type ForbiddenChatOutcome =
  /** It had subscribed with `/subscribe`: its subscriptions (every topic) were removed. */
  | { action: 'unsubscribed'; chatId: ChatId; error: string; topics: number }
  /** It is not a subscriber (it comes from the configuration): it stays routed. */
  | { action: 'configured'; chatId: ChatId; error: string }

/** Options of {@link createForbiddenChatHandler}. */
export interface ForbiddenChatOptions {
  kv: Pick<KeyValueStore, 'get' | 'set'>
  now?: () => number
  /** Called when something was done or should be; log it as a warning. */
  onOutcome: (outcome: ForbiddenChatOutcome, message: string) => void
  /** Called when the subscriptions could not be read or written. */
  onError?: (error: unknown) => void
}

/**
 * A delivery-event hook (pass every event of `createDeliveryWorker`'s `onEvent`) that acts on `dead` events
 * with reason `forbidden`. Resolves when done; never rejects.
 */
export function createForbiddenChatHandler(
  options: ForbiddenChatOptions,
): (event: DeliveryEvent) => Promise<void> {
  const now = options.now ?? Date.now
  const warnedAt = new Map<ChatId, number>()

  async function unsubscribe(chatId: ChatId, error: string): Promise<boolean> {
    const subscribed = (await readSubscriptions(options.kv)).filter(
      (entry: Subscription) => String(entry.chatId) === String(chatId),
    )
    if (subscribed.length === 0) return false
    for (const entry of subscribed) {
      const target = entry.threadId === undefined ? { chatId } : { chatId, threadId: entry.threadId }
      await updateSubscription(options.kv, target, { remove: entry.kinds, by: 'keygram', now: now() })
    }
    const message =
      `chat ${chatId} answered 403 (${error}): unsubscribed it (it had subscribed with /subscribe); ` +
      'its queued notifications went to the dead letters (keygram replay sends them once the bot is back)'
    options.onOutcome({ action: 'unsubscribed', chatId, error, topics: subscribed.length }, message)
    return true
  }

  function warnConfigured(chatId: ChatId, error: string): void {
    const last = warnedAt.get(chatId)
    if (last !== undefined && now() - last < FORBIDDEN_CHAT_WARN_EVERY_MS) return
    warnedAt.set(chatId, now())
    const message =
      `chat ${chatId} answered 403 (${error}) and comes from the configuration, so it stays routed and its ` +
      'notifications go to the dead letters: add the bot back (then keygram replay) or remove the chat from the routes'
    options.onOutcome({ action: 'configured', chatId, error }, message)
  }

  return async (event) => {
    if (event.type !== 'dead' || event.reason !== 'forbidden') return
    try {
      if (!(await unsubscribe(event.chatId, event.error))) warnConfigured(event.chatId, event.error)
    } catch (error) {
      options.onError?.(error)
    }
  }
}
