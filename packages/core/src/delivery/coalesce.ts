/**
 * Burst coalescing: when many notifications wait for one chat (a bulk status change in KeyCRM), send
 * one summary of their summary lines instead of dozens of messages that the per-chat rate limit would
 * spread over minutes.
 *
 * @module
 */
import { splitTelegramHtml, TELEGRAM_TEXT_LIMIT, visibleText } from '../format/index.ts'
import type { TelegramMessage } from '../telegram/types.ts'
import type { QueuedJob } from './types.ts'

/** Coalescing settings. */
export interface CoalesceOptions {
  /** Default `true`. */
  enabled?: boolean
  /** Coalesce when at least this many jobs for one chat (and topic) are due. Default 10. */
  threshold?: number
  /** At most this many jobs are considered per chat per round. Default 50. */
  maxJobsPerChat?: number
  /** The summary's first line (Telegram HTML) for `count` merged jobs. Default `<b>{count} updates</b>`. */
  header?: (count: number) => string
}

/** Default {@link CoalesceOptions}. */
export const defaultCoalesce: Required<CoalesceOptions> = {
  enabled: true,
  threshold: 10,
  maxJobsPerChat: 50,
  header: (count) => `<b>${count} updates</b>`,
}

/** Jobs merged into one summary message. */
export interface CoalescedBatch {
  /** The merged jobs, a head run of the chat's line, in order. */
  jobs: QueuedJob[]
  message: TelegramMessage
}

/**
 * Merges the head of a chat's due jobs into one summary message, if there are enough of them.
 *
 * Only the leading run of jobs sharing the first job's topic is considered (later ones must not overtake
 * it). When that run reaches `threshold`, as many of its jobs as fit in one message (at most `maxLength`
 * visible characters) are merged, in order; the rest stay queued for the next round. So every merged job
 * appears in exactly one summary and none is silently dropped. A single line too long for a message is
 * shortened with `…`.
 *
 * @returns The batch, or `null` when the run is below the threshold (send the first job on its own).
 */
export function coalesceJobs(
  jobs: readonly QueuedJob[],
  options: CoalesceOptions = {},
  maxLength: number = TELEGRAM_TEXT_LIMIT,
): CoalescedBatch | null {
  const { enabled, threshold, maxJobsPerChat, header } = { ...defaultCoalesce, ...options }
  const first = jobs[0]
  if (!enabled || first === undefined) return null
  const run: QueuedJob[] = []
  for (const job of jobs) {
    if (job.threadId !== first.threadId || run.length >= maxJobsPerChat) break
    run.push(job)
  }
  if (run.length < Math.max(2, threshold)) return null

  // Reserve room for the widest header this batch could get, then pack lines greedily.
  const headerRoom = visibleText(header(run.length)).length + 1
  const lines: string[] = []
  let used = headerRoom
  for (const job of run) {
    const line = job.summaryLine
    const length = visibleText(line).length
    const needed = (lines.length === 0 ? 0 : 1) + length
    if (used + needed <= maxLength) {
      lines.push(line)
      used += needed
    } else if (lines.length === 0) {
      // The splitter keeps markup well-formed and never cuts an entity or a surrogate pair.
      const room = Math.max(2, maxLength - headerRoom - 1)
      lines.push(`${splitTelegramHtml(line, room)[0] ?? ''}…`)
      used = maxLength
    } else break
  }
  // A header that grows as the count shrinks (unusual, but it is user code) still must fit.
  while (lines.length > 1 && visibleText(summaryText(header(lines.length), lines)).length > maxLength)
    lines.pop()

  const merged = run.slice(0, lines.length)
  const message: TelegramMessage = {
    text: summaryText(header(merged.length), lines),
    parse_mode: 'HTML',
    link_preview_options: { is_disabled: true },
  }
  if (merged.every((job) => job.message.disable_notification === true)) message.disable_notification = true
  return { jobs: merged, message }
}

function summaryText(headerHtml: string, lines: readonly string[]): string {
  return `${headerHtml}\n${lines.join('\n')}`
}
