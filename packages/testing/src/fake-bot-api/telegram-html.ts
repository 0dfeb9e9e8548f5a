/**
 * Telegram's HTML parse mode, ported from tdlib's `parse_html` (td/telegram/MessageEntity.cpp), so error texts,
 * byte offsets and UTF-16 entity offsets match the real server.
 *
 * This is the independent oracle `@keygram/core`'s formatter is tested against: it must never import or share
 * code with the core, or a shared bug would pass its own test.
 *
 * @module
 */
import type { FakeMessageEntity } from './types.ts'

/** Result of {@link parseTelegramHtml}: the visible text and its entities, or the parser's error message. */
export type HtmlParseResult =
  | { ok: true; text: string; entities: FakeMessageEntity[] }
  | { ok: false; error: string }

/** Options of {@link parseTelegramHtml}. */
export interface HtmlParseOptions {
  /** Also reject `&` that is not a complete `&lt; &gt; &amp; &quot;` or numeric reference (Telegram keeps it). */
  strict: boolean
}

const AMP = 0x26
const LT = 0x3c
const GT = 0x3e
const SLASH = 0x2f
const EQUALS = 0x3d
const QUOTE = 0x22
const APOSTROPHE = 0x27
const SEMICOLON = 0x3b
const HASH = 0x23

const SUPPORTED_TAGS = new Set([
  'a',
  'b',
  'strong',
  'i',
  'em',
  's',
  'strike',
  'del',
  'u',
  'ins',
  'tg-spoiler',
  'tg-emoji',
  'tg-time',
  'span',
  'pre',
  'code',
  'blockquote',
])

const NAMED_ENTITIES: Record<string, number> = { lt: 0x3c, gt: 0x3e, amp: 0x26, quot: 0x22 }

const encoder = new TextEncoder()
const decoder = new TextDecoder()

// tdlib's is_space: the C string terminator counts as a space, which is how its loops stop at the end.
const isSpace = (c: number): boolean =>
  c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a || c === 0x00 || c === 0x0b || c === 0x0c
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39
const isAlpha = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)
const isHexDigit = (c: number): boolean => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66)
const isAlnum = (c: number): boolean => isDigit(c) || isAlpha(c)
const asciiLower = (s: string): string => s.replace(/[A-Z]+/g, (m) => m.toLowerCase())

interface DecodedEntity {
  code: number
  next: number
  terminated: boolean
}

/** Mirrors tdlib's decode_html_entity: `null` when `&` at `pos` does not start a reference Telegram decodes. */
function decodeHtmlEntity(at: (i: number) => number, pos: number): DecodedEntity | null {
  let end = pos + 1
  let code = 0
  if (at(pos + 1) === HASH) {
    end++
    if (at(pos + 2) === 0x78) {
      end++
      while (isHexDigit(at(end))) code = code * 16 + Number.parseInt(String.fromCharCode(at(end++)), 16)
    } else {
      while (isDigit(at(end))) code = code * 10 + (at(end++) - 0x30)
    }
    if (code === 0 || code >= 0x10ffff || end - pos >= 10) return null
  } else {
    let name = ''
    while (isAlpha(at(end))) name += String.fromCharCode(at(end++))
    const named = NAMED_ENTITIES[name]
    if (named === undefined) return null
    code = named
  }
  const terminated = at(end) === SEMICOLON
  return { code, next: terminated ? end + 1 : end, terminated }
}

/** Why strict mode refuses the `&` at `pos`, in the parser's own wording style. */
function strictEntityError(at: (i: number) => number, pos: number, decoded: DecodedEntity | null): string {
  let end = pos + 1
  while (isAlnum(at(end)) || at(end) === HASH) end++
  const name = String.fromCharCode(...Array.from({ length: end - pos }, (_, k) => at(pos + k)))
  if (decoded !== null) {
    return `Character entity "${name}" must end with ";" at byte offset ${pos}`
  }
  if (name === '&') return `Character "&" must be escaped as "&amp;" at byte offset ${pos}`
  return `Unsupported character entity "${name}${at(end) === SEMICOLON ? ';' : ''}" at byte offset ${pos}`
}

function appendUtf8(out: number[], code: number): void {
  if (code < 0x80) out.push(code)
  else if (code < 0x800) out.push(0xc0 | (code >> 6), 0x80 | (code & 0x3f))
  else if (code < 0x10000) out.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f))
  else {
    out.push(
      0xf0 | (code >> 18),
      0x80 | ((code >> 12) & 0x3f),
      0x80 | ((code >> 6) & 0x3f),
      0x80 | (code & 0x3f),
    )
  }
}

/** A simplified tdlib LinkManager::get_checked_link: keep web and tg links, default to http, drop the rest. */
function checkedLink(url: string): string | null {
  const trimmed = url.trim()
  if (trimmed === '') return null
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(trimmed)?.[1]?.toLowerCase()
  const candidate = scheme === undefined ? `http://${trimmed}` : trimmed
  if (scheme !== undefined && !['http', 'https', 'tg', 'ton', 'mailto'].includes(scheme)) return null
  if (scheme === 'tg' || scheme === 'ton' || scheme === 'mailto') return candidate
  try {
    return new URL(candidate).href
  } catch {
    return null
  }
}

function linkUserId(url: string): number | null {
  const match = /^tg:\/\/user\?id=(\d+)$/i.exec(url.trim())
  return match?.[1] === undefined ? null : Number(match[1])
}

interface OpenTag {
  tagName: string
  argument: string
  date: number
  entityOffset: number
  beginPos: number
}

/**
 * Parse Telegram HTML into visible text and entities, exactly as the Bot API does with `parse_mode: 'HTML'`.
 * Errors are the text after "Bad Request: can't parse entities: ".
 */
export function parseTelegramHtml(input: string, options: HtmlParseOptions): HtmlParseResult {
  const bytes = encoder.encode(input)
  const at = (i: number): number => bytes[i] ?? 0
  const slice = (from: number, to: number): string => decoder.decode(bytes.subarray(from, to))
  const fail = (error: string): HtmlParseResult => ({ ok: false, error })

  const out: number[] = []
  const entities: FakeMessageEntity[] = []
  const open: OpenTag[] = []
  let utf16Offset = 0
  let decodedSurrogate = false

  for (let i = 0; i < bytes.length; i++) {
    const c = at(i)
    if (c === AMP) {
      const decoded = decodeHtmlEntity(at, i)
      if (options.strict && (decoded === null || !decoded.terminated))
        return fail(strictEntityError(at, i, decoded))
      if (decoded !== null) {
        utf16Offset += decoded.code > 0xffff ? 2 : 1
        if (decoded.code >= 0xd800 && decoded.code <= 0xdfff) decodedSurrogate = true
        appendUtf8(out, decoded.code)
        i = decoded.next - 1
        continue
      }
    }
    if (c !== LT) {
      if ((c & 0xc0) !== 0x80) utf16Offset += c >= 0xf0 ? 2 : 1
      out.push(c)
      continue
    }

    const beginPos = i++
    if (at(i) !== SLASH) {
      while (!isSpace(at(i)) && at(i) !== GT) i++
      if (at(i) === 0) return fail(`Unclosed start tag at byte offset ${beginPos}`)

      const tagName = asciiLower(slice(beginPos + 1, i))
      if (!SUPPORTED_TAGS.has(tagName)) {
        return fail(`Unsupported start tag "${tagName}" at byte offset ${beginPos}`)
      }

      let argument = ''
      let date = 0
      while (at(i) !== GT) {
        while (at(i) !== 0 && isSpace(at(i))) i++
        if (at(i) === GT) break
        const attributeBegin = i
        while (
          !isSpace(at(i)) &&
          at(i) !== EQUALS &&
          at(i) !== GT &&
          at(i) !== SLASH &&
          at(i) !== QUOTE &&
          at(i) !== APOSTROPHE
        ) {
          i++
        }
        const attributeName = slice(attributeBegin, i)
        if (attributeName === '') {
          return fail(`Empty attribute name in the tag "${tagName}" at byte offset ${beginPos}`)
        }
        while (at(i) !== 0 && isSpace(at(i))) i++
        if (at(i) !== EQUALS) {
          if (at(i) === 0) return fail(`Unclosed start tag "${tagName}" at byte offset ${beginPos}`)
          if (tagName === 'blockquote' && attributeName === 'expandable') argument = '1'
          continue
        }
        i++
        while (at(i) !== 0 && isSpace(at(i))) i++
        if (at(i) === 0) return fail(`Unclosed start tag "${tagName}" at byte offset ${beginPos}`)

        let attributeValue: string
        if (at(i) !== APOSTROPHE && at(i) !== QUOTE) {
          // An unquoted name token: letters, digits, periods and hyphens, case-insensitive.
          const tokenBegin = i
          while (isAlnum(at(i)) || at(i) === 0x2e || at(i) === 0x2d) i++
          attributeValue = asciiLower(slice(tokenBegin, i))
          if (!isSpace(at(i)) && at(i) !== GT) {
            return fail(`Unexpected end of name token at byte offset ${tokenBegin}`)
          }
        } else {
          const endCharacter = at(i++)
          const value: number[] = []
          while (at(i) !== endCharacter && at(i) !== 0) {
            if (at(i) === AMP) {
              const decoded = decodeHtmlEntity(at, i)
              if (options.strict && (decoded === null || !decoded.terminated)) {
                return fail(strictEntityError(at, i, decoded))
              }
              if (decoded !== null) {
                appendUtf8(value, decoded.code)
                i = decoded.next
                continue
              }
            }
            value.push(at(i++))
          }
          if (at(i) === endCharacter) i++
          attributeValue = decoder.decode(Uint8Array.from(value))
        }
        if (at(i) === 0) return fail(`Unclosed start tag at byte offset ${beginPos}`)

        if (tagName === 'a' && attributeName === 'href') argument = attributeValue
        else if (tagName === 'code' && attributeName === 'class' && attributeValue.startsWith('language-')) {
          argument = attributeValue.slice(9)
        } else if (tagName === 'span' && attributeName === 'class' && attributeValue.startsWith('tg-')) {
          argument = attributeValue.slice(3)
        } else if (tagName === 'tg-emoji' && attributeName === 'emoji-id') argument = attributeValue
        else if (tagName === 'blockquote' && attributeName === 'expandable') argument = '1'
        else if (tagName === 'tg-time' && attributeName === 'unix')
          date = Number.parseInt(attributeValue, 10) || 0
        else if (tagName === 'tg-time' && attributeName === 'format') argument = attributeValue
      }

      if (tagName === 'span' && argument !== 'spoiler') {
        return fail(`Tag "span" must have class "tg-spoiler" at byte offset ${beginPos}`)
      }
      open.push({ tagName, argument, date, entityOffset: utf16Offset, beginPos: out.length })
      continue
    }

    // An end tag.
    const top = open.at(-1)
    if (top === undefined) return fail(`Unexpected end tag at byte offset ${beginPos}`)
    while (!isSpace(at(i)) && at(i) !== GT) i++
    const endTagName = asciiLower(slice(beginPos + 2, i))
    while (isSpace(at(i)) && at(i) !== 0) i++
    if (at(i) !== GT) return fail(`Unclosed end tag at byte offset ${beginPos}`)
    if (endTagName !== '' && endTagName !== top.tagName) {
      return fail(
        `Unmatched end tag at byte offset ${beginPos}, expected "</${top.tagName}>", found "</${endTagName}>"`,
      )
    }

    if (utf16Offset > top.entityOffset) {
      const error = closeEntity(top, utf16Offset - top.entityOffset, entities, () =>
        decoder.decode(Uint8Array.from(out.slice(top.beginPos))),
      )
      if (error !== null) return fail(error)
    }
    open.pop()
  }

  const unclosed = open.at(-1)
  if (unclosed !== undefined) {
    return fail(`Can't find end tag corresponding to start tag "${unclosed.tagName}"`)
  }
  if (decodedSurrogate) {
    return fail(
      'Text contains invalid Unicode characters after decoding HTML entities, check for unmatched surrogate code units',
    )
  }
  for (const entity of entities) if (entity.type === 'code') delete entity.language
  entities.sort((a, b) => a.offset - b.offset || b.length - a.length)
  return { ok: true, text: decoder.decode(Uint8Array.from(out)), entities }
}

const SIMPLE_TYPES: Record<string, string> = {
  i: 'italic',
  em: 'italic',
  b: 'bold',
  strong: 'bold',
  s: 'strikethrough',
  strike: 'strikethrough',
  del: 'strikethrough',
  u: 'underline',
  ins: 'underline',
  'tg-spoiler': 'spoiler',
  span: 'spoiler',
}

/** Turns a closed tag into its entity (or none); returns an error message for an invalid one. */
function closeEntity(
  tag: OpenTag,
  length: number,
  entities: FakeMessageEntity[],
  innerText: () => string,
): string | null {
  const offset = tag.entityOffset
  const simple = SIMPLE_TYPES[tag.tagName]
  if (simple !== undefined) {
    entities.push({ type: simple, offset, length })
    return null
  }
  const last = entities.at(-1)
  const coversSameText = last !== undefined && last.offset === offset && last.length === length
  switch (tag.tagName) {
    case 'tg-emoji': {
      if (!/^-?\d+$/.test(tag.argument) || BigInt(tag.argument) === 0n) {
        return 'Invalid custom emoji identifier specified'
      }
      entities.push({ type: 'custom_emoji', offset, length, custom_emoji_id: tag.argument })
      return null
    }
    case 'tg-time': {
      if (tag.date > 0) {
        entities.push({
          type: 'date_time',
          offset,
          length,
          unix_time: tag.date,
          ...(tag.argument === '' ? {} : { date_time_format: tag.argument }),
        })
      }
      return null
    }
    case 'a': {
      const url = tag.argument === '' ? innerText() : tag.argument
      const userId = linkUserId(url)
      if (userId !== null) {
        entities.push({ type: 'text_mention', offset, length, user: { id: userId } })
        return null
      }
      const checked = checkedLink(url)
      if (checked !== null) entities.push({ type: 'text_link', offset, length, url: checked })
      return null
    }
    case 'pre': {
      if (coversSameText && last.type === 'code' && last.language !== undefined && last.language !== '') {
        last.type = 'pre'
      } else {
        entities.push({ type: 'pre', offset, length })
      }
      return null
    }
    case 'code': {
      if (coversSameText && last.type === 'pre' && tag.argument !== '') {
        last.language = tag.argument
      } else {
        entities.push({ type: 'code', offset, length, language: tag.argument })
      }
      return null
    }
    case 'blockquote': {
      entities.push({ type: tag.argument === '' ? 'blockquote' : 'expandable_blockquote', offset, length })
      return null
    }
    default:
      return `Unsupported start tag "${tag.tagName}"`
  }
}
