/**
 * Telling a redeploy from a cold start. The standalone server drops the updates queued at Telegram when it
 * starts cold (as the seed bot did), but a redeploy that stops the old bot before the new one starts
 * (`docker compose up -d --force-recreate`, `--build`) would then lose what people sent in the seconds
 * between. A bot that stops gracefully leaves a short-lived mark in the store; a bot that finds it was
 * handed over to, and keeps those updates.
 *
 * @module
 */
import type { KeyValueStore } from '@keygram/core'

/** How long a graceful stop counts as a handover (a redeploy), in ms. */
export const HANDOVER_WINDOW_MS = 10 * 60 * 1000

function handoverKey(token: string): string {
  // The bot's id (the token's part before the colon) is public; the rest of the token never goes here.
  return `polling-handover:${token.split(':')[0] ?? ''}`
}

/** Whether a bot on this token stopped gracefully within {@link HANDOVER_WINDOW_MS}. A store error says no. */
export async function wasHandedOver(kv: Pick<KeyValueStore, 'get'>, token: string): Promise<boolean> {
  try {
    return (await kv.get(handoverKey(token))) !== null
  } catch {
    return false
  }
}

/** Marks a graceful stop of the bot on this token (best effort: a store error only costs the next start's queue). */
export async function markHandover(
  kv: Pick<KeyValueStore, 'set'>,
  token: string,
  holder: string,
): Promise<void> {
  await kv.set(handoverKey(token), { holder, at: Date.now() }, { ttlMs: HANDOVER_WINDOW_MS }).catch(() => {})
}
