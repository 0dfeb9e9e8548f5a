/**
 * The subset of Telegram Bot API shapes Keygram produces.
 *
 * @module
 */

/** An inline keyboard button that opens a URL (http(s) or tg://). */
export interface InlineUrlButton {
  text: string
  url: string
}

/** An inline keyboard button that sends `callback_data` (1-64 bytes) back to the bot when pressed. */
export interface InlineCallbackButton {
  text: string
  callback_data: string
}

/** A button of an inline keyboard. */
export type InlineButton = InlineUrlButton | InlineCallbackButton

/** `reply_markup` with an inline keyboard: URL buttons, and callback buttons (two-way actions). */
export interface InlineKeyboardMarkup {
  inline_keyboard: InlineButton[][]
}

/** Link preview options as `sendMessage` takes them. */
export interface LinkPreviewOptions {
  is_disabled?: boolean
  url?: string
  prefer_small_media?: boolean
  prefer_large_media?: boolean
  show_above_text?: boolean
}

/**
 * One message ready for `sendMessage`, without the chat: text in Telegram HTML, at most
 * 4096 characters after entity parsing.
 */
export interface TelegramMessage {
  text: string
  parse_mode: 'HTML'
  link_preview_options: LinkPreviewOptions
  reply_markup?: InlineKeyboardMarkup
  disable_notification?: boolean
}

/**
 * What a transport can send: a {@link TelegramMessage}, or the same without `parse_mode` (plain text).
 * Plain text is how the delivery engine still delivers a message Telegram refused to parse
 * ("can't parse entities") or one too long to send whole. Every `TelegramMessage` is an `OutgoingMessage`.
 */
export interface OutgoingMessage extends Omit<TelegramMessage, 'parse_mode'> {
  /** `HTML`, or absent for plain text. */
  parse_mode?: 'HTML'
}
