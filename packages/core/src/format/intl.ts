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
  const key = `${intlLocale}|${timeZone}`
  let format = dateFormats.get(key)
  if (!format) {
    format = new Intl.DateTimeFormat(intlLocale, {
      timeZone,
      day: '2-digit',
      month: '2-digit',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
    dateFormats.set(key, format)
  }
  return format.format(date)
}
