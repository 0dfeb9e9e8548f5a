/**
 * Turning KeyCRM ids and codes into words.
 *
 * @module
 */
import type { LocaleStrings } from './locales/types.ts'
import type { StatusInfo } from './types.ts'

function own<T>(
  record: Readonly<Record<string | number, T>> | undefined,
  key: string | number,
): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined
}

/** The dictionary entry for a status id, if any. */
export function findStatus(
  dictionary: Readonly<Record<number, StatusInfo>> | undefined,
  statusId: number | null,
): StatusInfo | undefined {
  return statusId === null ? undefined : own(dictionary, statusId)
}

/**
 * The label of a status: a built-in status (the API names it by its system alias, e.g. `new`) gets
 * the localized label, a custom one keeps its name; without a dictionary entry it is `#<id>`.
 */
export function statusLabel(
  info: StatusInfo | undefined,
  statusId: number | null,
  strings: LocaleStrings,
): string {
  if (info) {
    const name = info.name.trim()
    const system =
      own(strings.systemStatuses, name) ??
      (name === '' && info.alias ? own(strings.systemStatuses, info.alias) : undefined)
    if (system !== undefined) return system
    if (name !== '') return name
    if (info.alias) return info.alias
  }
  return statusId === null ? '' : `#${statusId}`
}

/** The localized name of a status group (1..6), or `''` when unknown. */
export function statusGroupLabel(groupId: number | null | undefined, strings: LocaleStrings): string {
  return groupId === null || groupId === undefined ? '' : (own(strings.statusGroups, groupId) ?? '')
}

/** The localized payment status; an unknown code is shown as it came. */
export function paymentStatusLabel(status: string | null, strings: LocaleStrings): string {
  if (status === null) return ''
  return own(strings.paymentStatus, status) ?? status
}

/** An emoji for a payment status. */
export function paymentStatusEmoji(status: string | null): string {
  switch (status) {
    case 'paid':
      return '✅'
    case 'part_paid':
      return '🌗'
    case 'overpaid':
      return '➕'
    case 'not_paid':
      return '❌'
    default:
      return '💳'
  }
}

/** An emoji for an order status change, by status group. */
export function statusGroupEmoji(groupId: number | null | undefined): string {
  const emoji: Record<number, string> = { 1: '🆕', 2: '🤝', 3: '🛠', 4: '🚚', 5: '✅', 6: '🚫' }
  return (groupId !== null && groupId !== undefined && own(emoji, groupId)) || '📦'
}

/** Shortens text to at most `max` code points, ending with `…` when cut; never splits a surrogate pair. */
export function truncate(value: string, max: number): string {
  if (value.length <= max) return value
  const codePoints = Array.from(value)
  if (codePoints.length <= max) return value
  return `${codePoints.slice(0, Math.max(0, max - 1)).join('')}…`
}
