/**
 * Wall-clock time in an IANA time zone with `Intl` only (web standard): local parts of an instant, and the
 * instant a local day starts, DST included.
 *
 * @module
 */

/** The local calendar and clock parts of an instant in a time zone. */
export interface ZonedParts {
  year: number
  /** 1-12 */
  month: number
  day: number
  hour: number
  minute: number
  /** 0 Sunday ... 6 Saturday. */
  weekday: number
}

const formatters = new Map<string, Intl.DateTimeFormat>()
const weekdays: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 }

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone)
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    })
    formatters.set(timeZone, formatter)
  }
  return formatter
}

/** Whether `Intl` knows `timeZone`. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone)
    return true
  } catch {
    return false
  }
}

/**
 * The local parts of `epochMs` in `timeZone`.
 *
 * @throws {RangeError} for a time zone `Intl` does not know.
 */
export function zonedParts(epochMs: number, timeZone: string): ZonedParts {
  const parts: Record<string, string> = {}
  for (const part of formatterFor(timeZone).formatToParts(epochMs)) parts[part.type] = part.value
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour) % 24,
    minute: Number(parts.minute),
    weekday: weekdays[parts.weekday ?? ''] ?? 0,
  }
}

// Offset of the zone from UTC at an instant, in ms (positive east of Greenwich).
function offsetMs(epochMs: number, timeZone: string): number {
  const parts: Record<string, string> = {}
  for (const part of formatterFor(timeZone).formatToParts(epochMs)) parts[part.type] = part.value
  const asUtc = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour) % 24,
    Number(parts.minute),
    Number(parts.second),
  )
  return asUtc - Math.floor(epochMs / 1000) * 1000
}

/** The instant local midnight starts the day `year-month-day` in `timeZone`. */
export function zonedDayStart(year: number, month: number, day: number, timeZone: string): number {
  const guess = Date.UTC(year, month - 1, day)
  // Two passes settle the offset across a DST change between the guess and the answer.
  let instant = guess - offsetMs(guess, timeZone)
  instant = guess - offsetMs(instant, timeZone)
  return instant
}

/** `YYYY-MM-DD` of a local date. */
export function isoDate(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`
}

/** The local day before the one `epochMs` falls on: its `YYYY-MM-DD` and its `[start, end)` instants. */
export function previousZonedDay(
  epochMs: number,
  timeZone: string,
): { date: string; start: number; end: number } {
  const today = zonedParts(epochMs, timeZone)
  const end = zonedDayStart(today.year, today.month, today.day, timeZone)
  const yesterday = new Date(Date.UTC(today.year, today.month - 1, today.day - 1))
  const y = yesterday.getUTCFullYear()
  const m = yesterday.getUTCMonth() + 1
  const d = yesterday.getUTCDate()
  return { date: isoDate(y, m, d), start: zonedDayStart(y, m, d, timeZone), end }
}
