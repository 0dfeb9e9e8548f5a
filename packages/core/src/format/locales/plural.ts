/**
 * Counted nouns for languages with several plural forms.
 *
 * @module
 */
import { pluralCategory } from '../intl.ts'

/** The forms of a counted noun by `Intl.PluralRules` category; `other` covers any form not given. */
export type PluralForms = Partial<Record<Intl.LDMLPluralRule, string>> & { other: string }

/** The form of a noun `Intl` picks for `count` in `intlLocale`: `plural(5, 'uk-UA', forms)` is `forms.many`. */
export function plural(count: number, intlLocale: string, forms: PluralForms): string {
  return forms[pluralCategory(count, intlLocale)] ?? forms.other
}
