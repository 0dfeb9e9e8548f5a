/**
 * The `text` of `sendMessage`/`editMessageText` the way the Bot API and tdlib check it: empty text, raw size,
 * entity parsing, whitespace trimming, then the 4096-character limit.
 *
 * @module
 */
import { badRequest } from './bot-api-error.ts'
import { jsonArg, type Params, stringArg } from './request-params.ts'
import { parseTelegramHtml } from './telegram-html.ts'
import type { FakeMessageEntity } from './types.ts'

/** The limit Telegram puts on message text, in characters (Unicode code points, as tdlib counts). */
export const MESSAGE_TEXT_LIMIT = 4096

// The Bot API refuses raw text above 32 KiB before parsing anything.
const RAW_TEXT_LIMIT_BYTES = 1 << 15

/** Message text after parsing: what the recipient sees. */
export interface PreparedText {
  /** The text as the client sent it. */
  source: string
  /** Visible text after entity parsing and trimming. */
  text: string
  entities: FakeMessageEntity[]
  parseMode: string | undefined
}

/** Parse and check the text of a message; throws the Bot API's 400 for bad text. */
export function prepareMessageText(params: Params, strictHtml: boolean): PreparedText {
  const source = stringArg(params, 'text')
  if (source === '') throw badRequest('message text is empty')
  if (new TextEncoder().encode(source).length > RAW_TEXT_LIMIT_BYTES) throw badRequest('text is too long')

  const parseModeArg = stringArg(params, 'parse_mode')
  const parseMode = parseModeArg === '' ? undefined : parseModeArg
  const mode = parseModeArg.toLowerCase()
  let text = source
  let entities: FakeMessageEntity[] = []
  if (mode === 'html') {
    const parsed = parseTelegramHtml(source, { strict: strictHtml })
    if (!parsed.ok) throw badRequest(`can't parse entities: ${parsed.error}`)
    text = parsed.text
    entities = parsed.entities
  } else if (mode === '' || mode === 'none') {
    entities = clientEntities(params)
  } else if (mode !== 'markdown' && mode !== 'markdownv2') {
    throw badRequest('unsupported parse_mode')
  }
  // Markdown modes are passed through unparsed: Keygram only sends HTML, and a half-right Markdown parser
  // would be a worse oracle than none.
  return { source, ...trimText(text, entities), parseMode }
}

/** Throw "message is too long" when the visible text exceeds Telegram's limit. */
export function checkMessageLength(prepared: PreparedText): void {
  let codePoints = 0
  for (const _ of prepared.text) codePoints++
  if (codePoints > MESSAGE_TEXT_LIMIT) throw badRequest('message is too long')
}

function clientEntities(params: Params): FakeMessageEntity[] {
  const value = jsonArg(params, 'entities', 'entities')
  if (value === undefined) return []
  if (!Array.isArray(value)) throw badRequest("can't parse entities JSON object")
  return value.map((entity: unknown) => {
    const e = entity as Partial<FakeMessageEntity> | null
    if (e === null || typeof e !== 'object' || typeof e.type !== 'string') {
      throw badRequest('can\'t parse MessageEntity: Field "type" must be of type String')
    }
    if (typeof e.offset !== 'number' || typeof e.length !== 'number') {
      throw badRequest('can\'t parse MessageEntity: Field "offset" must be of type Number')
    }
    return { ...e } as FakeMessageEntity
  })
}

const isTrailingSpace = (ch: string): boolean => /\s/.test(ch)

/**
 * tdlib's fix_formatted_text trimming: trailing whitespace goes, entities are clipped to the text; leading spaces
 * and newlines before the first entity go. Whitespace-only text is "text must be non-empty".
 */
function trimText(
  text: string,
  entities: FakeMessageEntity[],
): { text: string; entities: FakeMessageEntity[] } {
  let end = text.length
  while (end > 0 && isTrailingSpace(text.charAt(end - 1))) end--
  if (end === 0) throw badRequest('text must be non-empty')
  const clipped = entities
    .filter((e) => e.offset < end && e.length > 0)
    .map((e) => (e.offset + e.length > end ? { ...e, length: end - e.offset } : e))
  const firstEntity = clipped.reduce((min, e) => Math.min(min, e.offset), end)
  let start = 0
  while (start < firstEntity && (text.charAt(start) === ' ' || text.charAt(start) === '\n')) start++
  return {
    text: text.slice(start, end),
    entities: start === 0 ? clipped : clipped.map((e) => ({ ...e, offset: e.offset - start })),
  }
}
