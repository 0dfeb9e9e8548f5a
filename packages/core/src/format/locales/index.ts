/**
 * Notification languages.
 *
 * @module
 */
import type { FormatLocale } from '../types.ts'
import { en } from './en.ts'
import { ru } from './ru.ts'
import type { LocaleStrings } from './types.ts'
import { uk } from './uk.ts'

export type { LocaleStrings } from './types.ts'

/** The texts of every supported language. */
export const localeStrings: Readonly<Record<FormatLocale, LocaleStrings>> = { uk, en, ru }
