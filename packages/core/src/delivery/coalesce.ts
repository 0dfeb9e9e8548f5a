/**
 * Burst coalescing: when many notifications wait for one chat (a bulk status change in KeyCRM), send
 * one summary of them instead of dozens of messages that the per-chat rate limit would spread over minutes.
 *
 * @module
 */
import {
  formatSummary,
  type SummaryEntry,
  type SummaryHeader,
  splitTelegramHtml,
  summaryHeader,
  TELEGRAM_TEXT_LIMIT,
  visibleLength,
} from '../format/index.ts'
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
  /**
   * The summary's first line (Telegram HTML) for `count` merged jobs, in the language of their summary items
   * (`undefined` when none has one). Default {@link summaryHeader}: `<b>50 оновлень</b>`, `<b>50 updates</b>`.
   */
  header?: SummaryHeader
}

/** Default {@link CoalesceOptions}. */
export const defaultCoalesce: Required<CoalesceOptions> = {
  enabled: true,
  threshold: 10,
  maxJobsPerChat: 50,
  header: summaryHeader,
}

/** Jobs merged into one summary message. */
export interface CoalescedBatch {
  /** The merged jobs, a head run of the chat's line, in order. */
  jobs: QueuedJob[]
  message: TelegramMessage
}

const entryOf = (job: QueuedJob): SummaryEntry =>
  job.summary === undefined ? { line: job.summaryLine } : { line: job.summaryLine, item: job.summary }

/** The largest `count` in `[1, max]` for which `fits(count)` holds (it only stops holding as `count` grows), or 0. */
function largestFitting(max: number, fits: (count: number) => boolean): number {
  let low = 0
  let high = max
  while (low < high) {
    const middle = Math.ceil((low + high) / 2)
    if (fits(middle)) low = middle
    else high = middle - 1
  }
  return low
}

/**
 * Merges the head of a chat's due jobs into one summary message, if there are enough of them.
 *
 * Only the leading run of jobs sharing the first job's topic is considered (later ones must not overtake
 * it). When that run reaches `threshold`, as many of its jobs as fit in one message (at most `maxLength`
 * visible characters) are merged, in order; the rest stay queued for the next round. So every merged job
 * appears in exactly one summary and none is silently dropped. Jobs with a summary item (orders, payments,
 * leads) are grouped by where they went, in their language (see `formatSummary`); the others keep their
 * line. A single line too long for a message is shortened with `…`.
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

  const entries = run.map(entryOf)
  const summaryOf = (count: number) => formatSummary(entries.slice(0, count), header)
  const count = largestFitting(run.length, (count) => visibleLength(summaryOf(count)) <= maxLength)
  const text = count > 0 ? summaryOf(count) : shortenedSummary(first.summaryLine, header, maxLength)
  const merged = run.slice(0, Math.max(1, count))
  const message: TelegramMessage = { text, parse_mode: 'HTML', link_preview_options: { is_disabled: true } }
  if (merged.every((job) => job.message.disable_notification === true)) message.disable_notification = true
  return { jobs: merged, message }
}

/** A summary of one job whose line alone is too long for a message: the line cut to fit, ending in `…`. */
function shortenedSummary(line: string, header: SummaryHeader, maxLength: number): string {
  const headerHtml = header(1)
  // The splitter keeps markup well-formed and never cuts an entity or a surrogate pair.
  const room = Math.max(2, maxLength - visibleLength(headerHtml) - 2)
  return `${headerHtml}\n${splitTelegramHtml(line, room)[0] ?? ''}…`
}
