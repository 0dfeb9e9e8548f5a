/**
 * A small tokenizer for Telegram HTML, shared by the validator, the splitter and the
 * visible-text helpers so they agree on what is a tag, an entity and a character.
 *
 * @module
 */
import { decodeEntity, entityPattern } from './escape.ts'

/** An attribute as written: name (lower-cased) and decoded value (`null` for a bare attribute). */
export type HtmlAttribute = readonly [name: string, value: string | null]

/** An opening tag, e.g. `<a href="…">`. */
export interface OpenTagToken {
  type: 'open'
  /** Lower-cased tag name. */
  name: string
  raw: string
  attributes: HtmlAttribute[]
}

/** A closing tag, e.g. `</b>`. */
export interface CloseTagToken {
  type: 'close'
  name: string
  raw: string
}

/**
 * One visible character: a code point (a surrogate pair stays together) or one entity.
 * `bare` marks a `<`, `>` or `&` that is neither part of a tag nor of an entity (invalid for Telegram).
 */
export interface CharToken {
  type: 'char'
  raw: string
  /** The character after entity decoding. */
  text: string
  bare: boolean
}

/** A token of Telegram HTML. */
export type HtmlToken = OpenTagToken | CloseTagToken | CharToken

const attributePart = `[a-zA-Z][a-zA-Z0-9-]*(?:\\s*=\\s*(?:"[^"<]*"|'[^'<]*'|[^\\s"'=<>\`]+))?`
const openTagPattern = new RegExp(`<([a-zA-Z][a-zA-Z0-9-]*)((?:\\s+${attributePart})*)\\s*>`, 'y')
const closeTagPattern = /<\/([a-zA-Z][a-zA-Z0-9-]*)\s*>/y
const attributePattern = /([a-zA-Z][a-zA-Z0-9-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g

/** Decodes the entities of an attribute value; undecodable `&…;` sequences stay as written. */
function decodeAttributeValue(value: string): string {
  return value.replace(/&#?[a-zA-Z0-9]{1,8};/g, (entity) => decodeEntity(entity) ?? entity)
}

function parseAttributes(source: string): HtmlAttribute[] {
  const attributes: HtmlAttribute[] = []
  for (const match of source.matchAll(attributePattern)) {
    const value = match[2] ?? match[3] ?? match[4]
    attributes.push([match[1]!.toLowerCase(), value === undefined ? null : decodeAttributeValue(value)])
  }
  return attributes
}

function matchAt(pattern: RegExp, source: string, index: number): RegExpExecArray | null {
  pattern.lastIndex = index
  return pattern.exec(source)
}

/**
 * Splits Telegram HTML into tags and visible characters. Never throws: malformed markup comes out
 * as `bare` characters, so callers decide whether that is an error.
 */
export function tokenizeHtml(html: string): HtmlToken[] {
  const tokens: HtmlToken[] = []
  let index = 0
  while (index < html.length) {
    const char = html[index]!
    if (char === '<') {
      const close = matchAt(closeTagPattern, html, index)
      if (close) {
        tokens.push({ type: 'close', name: close[1]!.toLowerCase(), raw: close[0] })
        index += close[0].length
        continue
      }
      const open = matchAt(openTagPattern, html, index)
      if (open) {
        const attributes = parseAttributes(open[2] ?? '')
        tokens.push({ type: 'open', name: open[1]!.toLowerCase(), raw: open[0], attributes })
        index += open[0].length
        continue
      }
    } else if (char === '&') {
      const entity = matchAt(entityPattern, html, index)
      const decoded = entity ? decodeEntity(entity[0]) : undefined
      if (entity && decoded !== undefined) {
        tokens.push({ type: 'char', raw: entity[0], text: decoded, bare: false })
        index += entity[0].length
        continue
      }
    }
    const codePoint = html.codePointAt(index)!
    const raw = String.fromCodePoint(codePoint)
    tokens.push({ type: 'char', raw, text: raw, bare: char === '<' || char === '>' || char === '&' })
    index += raw.length
  }
  return tokens
}
