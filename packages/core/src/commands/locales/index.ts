/**
 * Command-reply languages.
 *
 * @module
 */
import type { FormatLocale } from '../../format/types.ts'
import { en } from './en.ts'
import { ru } from './ru.ts'
import type { CommandStrings } from './types.ts'
import { uk } from './uk.ts'

export type { CommandStrings } from './types.ts'

/** The command texts of every supported language. */
export const commandStrings: Readonly<Record<FormatLocale, CommandStrings>> = { uk, en, ru }
