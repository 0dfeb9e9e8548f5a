/**
 * Coercions of single KeyCRM column values. KeyCRM (PHP) sends numbers as strings ("2.00"), booleans
 * as 0/1, and timestamps in two formats; these functions turn what really arrives into one shape and
 * return {@link INVALID} for anything else, so the caller can name the field.
 *
 * @module
 */

/** Returned by a coercion when the value cannot be read as the wanted type. */
export const INVALID: unique symbol = Symbol('invalid')
/** The type of {@link INVALID}. */
export type Invalid = typeof INVALID

// Decimal only: Number() would also read "0x10", "0b1" and "Infinity", which no CRM column means.
const NUMERIC = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/

/** A finite number from a number or a numeric string (trimmed); `null`, absent or `""` give `null`. */
export function toNumber(value: unknown): number | null | Invalid {
  if (value === null || value === undefined) return null
  if (typeof value === 'number') return Number.isFinite(value) ? value + 0 : INVALID
  if (typeof value !== 'string') return INVALID
  const text = value.trim()
  if (text === '') return null
  if (!NUMERIC.test(text)) return INVALID
  // `+ 0` turns "-0" into 0, as a JSON round trip through the queue would.
  const number = Number(text) + 0
  return Number.isFinite(number) ? number : INVALID
}

/** A non-negative safe integer (a row id) from a number or a numeric string; empty gives `null`. */
export function toId(value: unknown): number | null | Invalid {
  const number = toNumber(value)
  if (number === null || number === INVALID) return number
  if (!Number.isSafeInteger(number) || number < 0) return INVALID
  return number === 0 ? 0 : number // turns -0 into 0
}

/** A positive safe integer: the one field an entity context cannot do without. */
export function toRequiredId(value: unknown): number | Invalid {
  const id = toId(value)
  return id === null || id === 0 ? INVALID : id
}

/** A boolean from `true`/`false`, `0`/`1`, `"0"`/`"1"` or `"true"`/`"false"`; empty gives `null`. */
export function toBoolean(value: unknown): boolean | null | Invalid {
  if (value === null || value === undefined) return null
  if (typeof value === 'boolean') return value
  if (value === 1) return true
  if (value === 0) return false
  if (typeof value !== 'string') return INVALID
  switch (value.trim().toLowerCase()) {
    case '1':
    case 'true':
      return true
    case '0':
    case 'false':
      return false
    case '':
      return null
    default:
      return INVALID
  }
}

/** A string kept verbatim (HTML, RTL, emoji untouched); numbers are accepted as their decimal text. */
export function toText(value: unknown): string | null | Invalid {
  if (value === null || value === undefined) return null
  if (typeof value === 'string') return value
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  return INVALID
}

// 2026-01-29T18:53:35.000000Z, 2024-05-28 09:34:10, 2026-04-02T12:00:00Z, 2026-04-02T15:00:00+03:00, 2026-04-02
const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?(?:\s*(Z|[+-]\d{2}:?\d{2}))?$/i

/**
 * An ISO 8601 UTC timestamp with milliseconds (`2026-01-29T18:53:35.000Z`) from KeyCRM's formats.
 * A time without a zone is UTC (KeyCRM stores UTC). Fractions beyond milliseconds are truncated.
 * MySQL's zero date `0000-00-00 00:00:00` and `""` give `null`.
 */
export function toTimestamp(value: unknown): string | null | Invalid {
  if (value === null || value === undefined) return null
  if (typeof value !== 'string') return INVALID
  // KeyCRM's usual form takes a shortcut: 4-6 timestamps per webhook, and the general match below (nine
  // groups, a Date for zones) is most of the cost of reading an order.
  if (value.length === 27 && KEYCRM_UTC.test(value) && validDate(value)) return `${value.slice(0, 23)}Z`
  const text = value.trim()
  if (text === '' || text.startsWith('0000-00-00')) return null
  const match = TIMESTAMP.exec(text)
  if (match === null) return INVALID
  const [
    ,
    year = '',
    month = '',
    day = '',
    hour = '00',
    minute = '00',
    second = '00',
    fraction = '',
    zone = 'Z',
  ] = match
  const y = Number(year)
  const mo = Number(month)
  const d = Number(day)
  const h = Number(hour)
  const mi = Number(minute)
  const s = Number(second)
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) return INVALID
  const millis = fraction.padEnd(3, '0').slice(0, 3)
  const offset = zoneOffsetMinutes(zone)
  if (offset === INVALID) return INVALID
  // UTC, what KeyCRM sends: the fields are already validated and zero-padded, so no Date is needed
  // (this is the hot path, 4-6 timestamps per webhook).
  if (offset === 0) return `${year}-${month}-${day}T${hour}:${minute}:${second}.${millis}Z`
  // setUTCFullYear, unlike Date.UTC, does not map years 0-99 to 1900-1999.
  const local = new Date(0)
  local.setUTCFullYear(y, mo - 1, d)
  local.setUTCHours(h, mi, s, Number(millis))
  return new Date(local.getTime() - offset * 60_000).toISOString()
}

// `2026-01-29T18:53:35.000000Z`: what KeyCRM sends for order and lead times.
const KEYCRM_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/

/** The date and time fields of a `KEYCRM_UTC` text are in range. */
function validDate(text: string): boolean {
  const mo = digits(text, 5, 2)
  const d = digits(text, 8, 2)
  return (
    mo >= 1 &&
    mo <= 12 &&
    d >= 1 &&
    d <= daysInMonth(digits(text, 0, 4), mo) &&
    digits(text, 11, 2) <= 23 &&
    digits(text, 14, 2) <= 59 &&
    digits(text, 17, 2) <= 59
  )
}

/** The number written by `length` ASCII digits at `start` (the caller has matched them as digits). */
function digits(text: string, start: number, length: number): number {
  // Char codes instead of `Number(text.slice())`: no string per field, on the path every webhook takes.
  let value = 0
  for (let index = start; index < start + length; index++) value = value * 10 + text.charCodeAt(index) - 48
  return value
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
}

function zoneOffsetMinutes(zone: string): number | Invalid {
  if (zone === 'Z' || zone === 'z') return 0
  const digits = zone.slice(1).replace(':', '')
  const hours = Number(digits.slice(0, 2))
  const minutes = Number(digits.slice(2))
  if (hours > 23 || minutes > 59) return INVALID
  return (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes)
}
