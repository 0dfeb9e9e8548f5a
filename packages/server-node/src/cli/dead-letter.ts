/**
 * `keygram dead-letter list|replay`: notifications that ended undelivered.
 *
 * @module
 */
import {
  type DeadJob,
  type KeygramStore,
  listDeadLetters,
  replayDeadLetters,
  visibleText,
} from '@keygram/core'

/** One dead letter as a readable block. */
export function renderDeadLetter(job: DeadJob): string {
  const topic = job.threadId === undefined ? '' : ` topic ${job.threadId}`
  return [
    `${job.id}  chat ${job.chatId}${topic}  ${new Date(job.deadAt).toISOString()}  ${job.reason}`,
    `  ${visibleText(job.summaryLine)}`,
    `  last error: ${job.lastError ?? '-'} (${job.attempts} attempt${job.attempts === 1 ? '' : 's'})`,
  ].join('\n')
}

/** The dead letters, oldest first, as text. */
export async function listDeadLetterText(store: Pick<KeygramStore, 'queue'>, limit: number): Promise<string> {
  const jobs = await listDeadLetters(store, { limit })
  if (jobs.length === 0) return 'No dead letters.'
  return `${jobs.map(renderDeadLetter).join('\n')}\n${jobs.length} dead letter${jobs.length === 1 ? '' : 's'}${
    jobs.length === limit ? ` (first ${limit}; use --limit for more)` : ''
  }. Replay with: keygram dead-letter replay [--id <id>]`
}

/** Replays the given ids (or all); resolves how many went back into the queue. */
export function replayDeadLetterIds(
  store: Pick<KeygramStore, 'queue'>,
  ids: readonly string[],
): Promise<number> {
  return replayDeadLetters(store, ids.length === 0 ? undefined : ids)
}
