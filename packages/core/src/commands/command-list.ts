/**
 * The command menu for `setMyCommands`.
 *
 * @module
 */
import type { FormatLocale } from '../format/types.ts'
import { commandStrings } from './locales/index.ts'
import { type KeygramCommand, keygramCommandNames } from './types.ts'

/** One entry of `setMyCommands`. */
export interface BotCommandEntry {
  command: KeygramCommand
  description: string
}

/**
 * Keygram's commands with localized descriptions, ready for `setMyCommands`.
 *
 * @throws TypeError for an unsupported locale.
 * @example
 * ```ts
 * await bot.api.setMyCommands(commandList('en'))
 * ```
 */
export function commandList(locale: FormatLocale = 'uk'): BotCommandEntry[] {
  const strings = resolveCommandStrings(locale)
  return keygramCommandNames.map((command) => ({ command, description: strings.descriptions[command] }))
}

/**
 * The command texts of `locale`.
 *
 * @throws TypeError for an unsupported locale.
 */
export function resolveCommandStrings(locale: FormatLocale): (typeof commandStrings)[FormatLocale] {
  if (!Object.hasOwn(commandStrings, locale))
    throw new TypeError(`Unsupported locale "${String(locale)}": expected one of uk, en, ru`)
  return commandStrings[locale]
}
