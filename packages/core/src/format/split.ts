/**
 * Splitting long Telegram HTML into messages that each fit the 4096-character limit.
 *
 * @module
 */
import { type HtmlToken, type OpenTagToken, tokenizeHtml } from './tokens.ts'

/** Telegram's limit for a message text, in UTF-16 code units after entity parsing. */
export const TELEGRAM_TEXT_LIMIT = 4096

function isWhitespace(token: HtmlToken): boolean {
  return token.type === 'char' && /^\s$/u.test(token.text)
}

/** The stack of open tags after `tokens[from, to)`, starting from `stack`. */
function stackAfter(tokens: readonly HtmlToken[], from: number, to: number, stack: readonly OpenTagToken[]) {
  const open = [...stack]
  for (let index = from; index < to; index++) {
    const token = tokens[index]!
    if (token.type === 'open') open.push(token)
    else if (token.type === 'close') open.pop()
  }
  return open
}

function renderPart(
  tokens: readonly HtmlToken[],
  from: number,
  to: number,
  reopen: readonly OpenTagToken[],
  close: readonly OpenTagToken[],
): string {
  let part = reopen.map((tag) => tag.raw).join('')
  for (let index = from; index < to; index++) part += tokens[index]!.raw
  for (let index = close.length - 1; index >= 0; index--) part += `</${close[index]!.name}>`
  return part
}

/**
 * Chooses where the part that started at `start` ends, given that `tokens[overflow]` no longer
 * fits: after the last newline if the part has one, else after the last whitespace, else right
 * before the overflowing character. Closing tags that directly follow the point stay with the
 * part (so the next part does not open with an empty element) and opening tags that directly
 * precede it move to the next part.
 */
function chooseBreak(
  tokens: readonly HtmlToken[],
  start: number,
  overflow: number,
  lastNewline: number,
  lastSpace: number,
): number {
  let point = lastNewline > start ? lastNewline : lastSpace > start ? lastSpace : overflow
  while (point < tokens.length && tokens[point]!.type === 'close') point++
  let back = point
  while (back > start && tokens[back - 1]!.type === 'open') back--
  const hasVisibleBefore = tokens.slice(start, back).some((token) => token.type === 'char')
  return hasVisibleBefore ? back : point
}

/**
 * Splits Telegram HTML into parts of at most `limit` visible UTF-16 code units each.
 *
 * - Parts break after a newline when the part has one, else after a space, else between two
 *   characters; never inside a tag or an entity, never between the halves of a surrogate pair.
 * - Nothing is dropped: the newline or space at a break ends the earlier part (Telegram trims it
 *   when showing the message), so `parts.map(visibleText).join('') === visibleText(html)` holds.
 * - A tag open across a break is closed at the end of the part and reopened, with the same
 *   attributes, at the start of the next, so each part is well-formed on its own.
 * - Input that already fits is returned unchanged as the only part. A part can consist of
 *   whitespace only only if the input holds a run of at least `limit` whitespace characters.
 *
 * Expects valid Telegram HTML (see `validateTelegramHtml`); malformed markup is treated as text.
 *
 * @throws RangeError when `limit` is below 2 (one character may take two code units).
 */
export function splitTelegramHtml(html: string, limit: number = TELEGRAM_TEXT_LIMIT): string[] {
  if (!Number.isInteger(limit) || limit < 2)
    throw new RangeError('splitTelegramHtml: limit must be an integer >= 2')
  const tokens = tokenizeHtml(html)
  const parts: string[] = []
  let start = 0
  let reopen: OpenTagToken[] = []
  let length = 0
  let lastNewline = -1
  let lastSpace = -1
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index]!
    if (token.type !== 'char') continue
    if (length + token.text.length > limit) {
      const point = chooseBreak(tokens, start, index, lastNewline, lastSpace)
      const closing = stackAfter(tokens, start, point, reopen)
      parts.push(renderPart(tokens, start, point, reopen, closing))
      start = point
      reopen = closing
      length = 0
      lastNewline = -1
      lastSpace = -1
      index = point - 1
      continue
    }
    length += token.text.length
    if (token.text === '\n') lastNewline = index + 1
    else if (isWhitespace(token)) lastSpace = index + 1
  }
  if (parts.length === 0) return [html]
  parts.push(
    renderPart(tokens, start, tokens.length, reopen, stackAfter(tokens, start, tokens.length, reopen)),
  )
  return parts
}
