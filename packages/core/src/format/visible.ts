/**
 * What Telegram counts: the text left after entity parsing.
 *
 * @module
 */
import { tokenizeHtml } from './tokens.ts'

/**
 * The visible text of Telegram HTML: tags stripped, entities (`&lt; &gt; &amp; &quot;` and numeric
 * ones) decoded. This is the text Telegram's 4096-character limit applies to.
 */
export function visibleText(html: string): string {
  let text = ''
  for (const token of tokenizeHtml(html)) if (token.type === 'char') text += token.text
  return text
}

/** The length of {@link visibleText} in UTF-16 code units, the unit Telegram counts in. */
export function visibleLength(html: string): number {
  return visibleText(html).length
}
