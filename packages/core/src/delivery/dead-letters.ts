/**
 * Dead letters: jobs that ended undelivered, for the CLI and the status page.
 *
 * @module
 */
import { type Clock, systemClock } from './clock.ts'
import type { DeadJob, KeygramStore } from './types.ts'

/** Dead-lettered jobs, oldest first (at most `limit`). */
export function listDeadLetters(
  store: Pick<KeygramStore, 'queue'>,
  options: { limit?: number } = {},
): Promise<DeadJob[]> {
  return store.queue.listDead(options)
}

/**
 * Puts dead jobs (all, or those in `ids`) back at the end of their chats' lines with attempts reset,
 * e.g. after the bot was re-added to a group. Resolves how many were replayed.
 */
export function replayDeadLetters(
  store: Pick<KeygramStore, 'queue'>,
  ids?: readonly string[],
  options: { clock?: Pick<Clock, 'now'> } = {},
): Promise<number> {
  const now = (options.clock ?? systemClock).now()
  return ids === undefined ? store.queue.replayDead({ now }) : store.queue.replayDead({ ids: [...ids], now })
}
