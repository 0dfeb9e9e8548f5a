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
  const hasType = BUTTON_TYPE_FIELDS.some((field) => fields[field] !== undefined && fields[field] !== '')
  if (!hasType) throw fail('Text buttons are unallowed in the inline keyboard')
}

/** The server-side checks: URL buttons take http(s) or tg:// links, callback data is 1-64 bytes. */
export function checkReplyMarkupOnServer(markup: Record<string, unknown> | undefined): void {
  const rows = markup?.inline_keyboard
  if (!Array.isArray(rows)) return
  for (const button of rows.flat() as InlineButton[]) {
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
