/**
 * Money and date formatting through `Intl`, with formatter caching (building an `Intl` formatter
 * costs far more than using one).
 *
 * @module
 */

const numberFormats = new Map<string, Intl.NumberFormat>()
const dateFormats = new Map<string, Intl.DateTimeFormat>()

/**
 * Formats an amount as money, e.g. `1 198 ₴` (uk-UA, UAH). Whole amounts show no fraction,
 * others show two digits. `null` and non-finite amounts give `''`.
 *
 * @throws RangeError for a currency code `Intl` does not accept.
 */
export function formatMoney(amount: number | null | undefined, intlLocale: string, currency: string): string {
  if (amount === null || amount === undefined || !Number.isFinite(amount)) return ''
  const fraction = Number.isInteger(amount) ? 0 : 2
  const key = `${intlLocale}|${currency}|${fraction}`
  let format = numberFormats.get(key)
  if (!format) {
    format = new Intl.NumberFormat(intlLocale, {
      style: 'currency',
      currency,
      minimumFractionDigits: fraction,
      maximumFractionDigits: fraction,
    })
    numberFormats.set(key, format)
  }
  return format.format(amount)
}

/**
 * Parses a KeyCRM time: ISO 8601 (`2026-01-29T18:53:35.000000Z`) or the API's
 * `2024-05-28 09:34:10`, which is UTC. Returns `undefined` when it is neither.
 */
export function parseKeycrmTime(value: string): Date | undefined {
  const spaced = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)$/.exec(value.trim())
  const iso = spaced ? `${spaced[1]}T${spaced[2]}Z` : value.trim()
  if (!/^\d{4}-\d{2}-\d{2}T/.test(iso)) return undefined
  // Trim microseconds to milliseconds: not every engine parses six fraction digits.
  const date = new Date(iso.replace(/(\.\d{3})\d+/, '$1'))
  return Number.isNaN(date.getTime()) ? undefined : date
}

/** The `Intl.DateTimeFormat` options of each style the messages use. */
const dateStyles = {
  /** `29.01.2026, 20:53` */
  dateTime: {
    day: '2-digit',
    month: '2-digit',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  },
  /** `20:53` */
  time: { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' },
  /** `29.01` (`29/01` in en-GB) */
  dayMonth: { day: '2-digit', month: '2-digit' },
  /** `2026-01-29` in en-CA: a calendar day to compare */
  day: { year: 'numeric', month: '2-digit', day: '2-digit' },
} as const satisfies Record<string, Intl.DateTimeFormatOptions>

function dateFormat(
  style: keyof typeof dateStyles,
  intlLocale: string,
  timeZone: string,
): Intl.DateTimeFormat {
  const key = `${style}|${intlLocale}|${timeZone}`
  let format = dateFormats.get(key)
  if (!format) {
    format = new Intl.DateTimeFormat(intlLocale, { timeZone, ...dateStyles[style] })
    dateFormats.set(key, format)
  }
  return format
}

/**
 * Formats a KeyCRM time as a local date and time, e.g. `29.01.2026, 20:53` in Europe/Kyiv.
 * An unparseable value is returned as it is; `null` gives `''`.
 *
 * @throws RangeError for a time zone `Intl` does not accept.
 */
export function formatDateTime(
  value: string | null | undefined,
  intlLocale: string,
  timeZone: string,
): string {
  if (value === null || value === undefined || value === '') return ''
  const date = parseKeycrmTime(value)
  if (!date) return value
  return dateFormat('dateTime', intlLocale, timeZone).format(date)
}

/** The local time of day of an epoch-ms instant, e.g. `14:40`. */
export function formatClockTime(at: number, intlLocale: string, timeZone: string): string {
  return dateFormat('time', intlLocale, timeZone).format(at)
}

/** The local day and month of an epoch-ms instant, e.g. `29.01`. */
export function formatDayMonth(at: number, intlLocale: string, timeZone: string): string {
  return dateFormat('dayMonth', intlLocale, timeZone).format(at)
}

/** The local calendar day of an epoch-ms instant as `YYYY-MM-DD`, to tell whether two instants share a day. */
export function localDay(at: number, timeZone: string): string {
  return dateFormat('day', 'en-CA', timeZone).format(at)
}

const pluralRules = new Map<string, Intl.PluralRules>()

/**
 * The plural form `Intl` picks for `count` in `intlLocale` (`one`, `few`, `many`, `other`...), for
 * counted nouns: `1 оновлення`, `5 оновлень`.
 */
export function pluralCategory(count: number, intlLocale: string): Intl.LDMLPluralRule {
  let rules = pluralRules.get(intlLocale)
  if (!rules) {
    rules = new Intl.PluralRules(intlLocale)
    pluralRules.set(intlLocale, rules)
  }
  return rules.select(count)
}
