/**
 * Small text helpers of the bot commands.
 *
 * @module
 */

/**
 * The arguments of a command message: the text after `/command` or `/command@bot`, trimmed.
 * Text that does not start with a command gives `''`.
 */
export function commandArgs(text: string): string {
  const match = /^\/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]+)?(?:\s+|$)/.exec(text)
  return match ? text.slice(match[0].length).trim() : ''
}

// Control characters, line and paragraph separators and bidi overrides/isolates: in a title they could
// fake extra lines ("Chat id: ...") or reverse the text that follows them.
const UNSAFE_TITLE_CHARACTERS =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f]+/g

/** The longest title shown, in code points (Telegram allows 128). */
export const MAX_SHOWN_TITLE = 128

/**
 * A chat title safe to show on one line: control, separator and bidi characters become spaces, runs of
 * spaces collapse, and it is cut to {@link MAX_SHOWN_TITLE} code points. Escape it still.
 */
export function cleanTitle(title: string): string {
  const flat = title.replace(UNSAFE_TITLE_CHARACTERS, ' ').replace(/\s+/g, ' ').trim()
  const points = [...flat]
  return points.length > MAX_SHOWN_TITLE ? `${points.slice(0, MAX_SHOWN_TITLE - 1).join('')}…` : flat
}

/** A user-typed word cut to `max` code points, for echoing it back in an error. */
export function shortWord(word: string, max = 32): string {
  const points = [...cleanTitle(word)]
  return points.length > max ? `${points.slice(0, max - 1).join('')}…` : points.join('')
}

const durationFormats = new Map<string, Intl.NumberFormat>()

/**
 * A rough duration in the largest fitting unit, e.g. `45 s`, `3 min`, `2 h`, `4 days`, localized by `Intl`.
 * Negative durations count as zero.
 */
export function formatDuration(ms: number, intlLocale: string): string {
  const seconds = Math.max(0, Math.round(ms / 1000))
  const [value, unit] =
    seconds < 120
      ? [seconds, 'second']
      : seconds < 120 * 60
        ? [Math.round(seconds / 60), 'minute']
        : seconds < 48 * 3600
          ? [Math.round(seconds / 3600), 'hour']
          : [Math.round(seconds / 86_400), 'day']
  const key = `${intlLocale}|${unit}`
  let format = durationFormats.get(key)
  if (format === undefined) {
    format = new Intl.NumberFormat(intlLocale, { style: 'unit', unit, unitDisplay: 'short' })
    durationFormats.set(key, format)
  }
  return format.format(value)
}
