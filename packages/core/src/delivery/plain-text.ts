/**
 * The last resort for a message Telegram refuses as it is: send its visible text as plain text, split
 * when too long. A notification is never dropped because of its markup or its size.
 *
 * @module
 */
import { TELEGRAM_TEXT_LIMIT, visibleText } from '../format/index.ts'
import type { OutgoingMessage } from '../telegram/types.ts'

/** The same message as plain text: HTML tags stripped, entities decoded, no `parse_mode`. */
export function toPlainText(message: OutgoingMessage): OutgoingMessage {
  if (message.parse_mode === undefined) return message
  const { parse_mode: _parseMode, ...rest } = message
  return { ...rest, text: visibleText(message.text) }
}

/**
 * Splits plain text into parts of at most `maxLength` code units, preferring to cut at a line break,
 * then at a space, and never inside a surrogate pair. Whitespace-only parts are left out (Telegram
 * rejects empty text); every other character is kept, in order.
 */
export function splitPlainText(text: string, maxLength: number = TELEGRAM_TEXT_LIMIT): string[] {
  if (!(maxLength >= 2)) throw new RangeError('splitPlainText: maxLength must be >= 2')
  const parts: string[] = []
  let rest = text
  while (rest.length > maxLength) {
    let cut = rest.lastIndexOf('\n', maxLength)
    if (cut < maxLength / 2) cut = Math.max(cut, rest.lastIndexOf(' ', maxLength))
    // A separator cut drops only that separator; a hard cut must not split an emoji's surrogate pair.
    let skip = 1
    if (cut < maxLength / 4) {
      cut = maxLength
      if (isHighSurrogate(rest.charCodeAt(cut - 1))) cut--
      skip = 0
    }
    parts.push(rest.slice(0, cut))
    rest = rest.slice(cut + skip)
  }
  parts.push(rest)
  return parts.filter((part) => part.trim() !== '')
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff
}
