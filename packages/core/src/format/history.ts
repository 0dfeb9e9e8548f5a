/**
 * A card's history line: the last few status steps with their local times,
 * `Новий 10:02 → Підтверджено 10:15 → Відправлено 14:40`.
 *
 * @module
 */
import type { CardHistoryStep } from './card.ts'
import { formatClockTime, formatDayMonth, localDay } from './intl.ts'
import { findStatus, statusLabel, truncate } from './labels.ts'
import type { StatusInfo } from './types.ts'
import type { ResolvedFormatOptions } from './values.ts'

/** How many steps the history line shows (the latest ones). */
export const HISTORY_STEPS = 5

/** `14:40`, or `29.01 14:40` with the day. */
export function stepTime(at: number, withDay: boolean, options: ResolvedFormatOptions): string {
  const { intlLocale } = options.strings
  const time = formatClockTime(at, intlLocale, options.timeZone)
  return withDay ? `${formatDayMonth(at, intlLocale, options.timeZone)} ${time}` : time
}

/**
 * The history line as plain text, or `''` without steps. Times are in the format's time zone; when the
 * shown steps span several days, the first step and each step on a new day carry the date too. Earlier
 * steps than the last {@link HISTORY_STEPS} are left out behind a leading `… →`.
 */
export function historyLine(
  steps: readonly CardHistoryStep[],
  dictionary: Readonly<Record<number, StatusInfo>> | undefined,
  options: ResolvedFormatOptions,
): string {
  const shown = steps.slice(-HISTORY_STEPS)
  const timed = shown.filter((step) => Number.isFinite(step.at))
  const spansDays = new Set(timed.map((step) => localDay(step.at, options.timeZone))).size > 1
  let previousDay: string | undefined
  const parts = shown.map((step) => {
    const label = truncate(
      statusLabel(findStatus(dictionary, step.statusId), step.statusId, options.strings),
      40,
    )
    if (!Number.isFinite(step.at)) return label
    const day = localDay(step.at, options.timeZone)
    const withDay = spansDays && day !== previousDay
    previousDay = day
    return `${label} ${stepTime(step.at, withDay, options)}`
  })
  if (parts.length === 0) return ''
  return `${steps.length > shown.length ? '… → ' : ''}${parts.join(' → ')}`
}
