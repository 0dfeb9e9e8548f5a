/**
 * `reply_markup` checks in Telegram's two stages: the Bot API parses the JSON shape first; the Telegram server
 * rejects bad button URLs and callback data only when the message is sent.
 *
 * @module
 */
import { badRequest } from './bot-api-error.ts'
import { jsonArg, type Params } from './request-params.ts'

const BUTTON_TYPE_FIELDS = [
  'url',
  'callback_data',
  'callback_game',
  'pay',
  'switch_inline_query',
  'switch_inline_query_chosen_chat',
  'switch_inline_query_current_chat',
  'login_url',
  'web_app',
  'copy_text',
]

interface InlineButton {
  text: string
  url?: string
  callback_data?: string
  [field: string]: unknown
}

/** The parsed `reply_markup`, or `undefined` when absent. Throws the Bot API's 400 for a bad shape. */
export function parseReplyMarkup(params: Params): Record<string, unknown> | undefined {
  const markup = jsonArg(params, 'reply_markup', 'reply keyboard markup')
  if (markup === undefined) return undefined
  if (markup === null || typeof markup !== 'object' || Array.isArray(markup)) {
    throw badRequest('object expected as reply markup')
  }
  const rows = (markup as Record<string, unknown>).inline_keyboard
  if (rows !== undefined) {
    if (!Array.isArray(rows) || !rows.every(Array.isArray)) {
      throw badRequest('Field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays')
    }
    for (const button of rows.flat()) checkButtonShape(button)
  }
  return markup as Record<string, unknown>
}

function checkButtonShape(button: unknown): asserts button is InlineButton {
  const fail = (why: string) => badRequest(`can't parse inline keyboard button: ${why}`)
  if (button === null || typeof button !== 'object' || Array.isArray(button)) {
    throw fail('InlineKeyboardButton must be an Object')
  }
  const fields = button as Record<string, unknown>
  if (fields.text === undefined) throw fail('Can\'t find field "text"')
  if (typeof fields.text !== 'string') throw fail('Field "text" must be of type String')
  const types = BUTTON_TYPE_FIELDS.filter((field) => fields[field] !== undefined && fields[field] !== '')
  if (types.length === 0) throw fail('Text buttons are unallowed in the inline keyboard')
  // Telegram keeps the first type it knows (a url wins over callback_data) and silently drops the rest, so
  // the button would not do what its author meant; the fake refuses it instead (the wording is the fake's).
  if (types.length > 1) throw fail(`exactly one button type expected, got ${types.join(' and ')}`)
}

/** Telegram's limit on the buttons of one inline keyboard. */
export const INLINE_KEYBOARD_MAX_BUTTONS = 100

/**
 * The server-side checks: at most 100 buttons, URL buttons take http(s) or tg:// links, callback data is
 * 1-64 bytes (empty callback data is no callback data: the shape check refuses such a button).
 */
export function checkReplyMarkupOnServer(markup: Record<string, unknown> | undefined): void {
  const rows = markup?.inline_keyboard
  if (!Array.isArray(rows)) return
  const buttons = rows.flat() as InlineButton[]
  if (buttons.length > INLINE_KEYBOARD_MAX_BUTTONS) throw badRequest('reply markup is too long')
  for (const button of buttons) {
    if (button.url !== undefined && button.url !== '' && !isAllowedButtonUrl(String(button.url))) {
      throw badRequest('BUTTON_URL_INVALID')
    }
    if (button.callback_data !== undefined && button.callback_data !== '') {
      const bytes = new TextEncoder().encode(String(button.callback_data)).length
      if (bytes > 64) throw badRequest('BUTTON_DATA_INVALID')
    }
  }
}

function isAllowedButtonUrl(url: string): boolean {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return false
  }
  if (parsed.protocol === 'tg:') return url.length > 'tg://'.length
  return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.hostname !== ''
}

/**
 * Whether two reply markups show the same inline keyboard, the way Telegram decides "message is not modified":
 * by the buttons, not by the JSON's key order; no keyboard and an empty one are the same.
 */
export function sameInlineKeyboard(
  a: Record<string, unknown> | undefined,
  b: Record<string, unknown> | undefined,
): boolean {
  return canonicalKeyboard(a) === canonicalKeyboard(b)
}

function canonicalKeyboard(markup: Record<string, unknown> | undefined): string {
  const rows = markup?.inline_keyboard
  if (!Array.isArray(rows)) return '[]'
  const shown = rows
    .filter((row): row is unknown[] => Array.isArray(row) && row.length > 0)
    .map((row) => row.map((button) => Object.entries(button as object).sort(([x], [y]) => (x < y ? -1 : 1))))
  return JSON.stringify(shown)
}
