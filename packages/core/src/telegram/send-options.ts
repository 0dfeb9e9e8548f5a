/**
 * The `sendMessage` parameters besides `chat_id` and `text`, shared by every transport (fetch, grammY,
 * Telegraf) and the command replies, so all of them send a message the same way.
 *
 * @module
 */
import type { InlineKeyboardMarkup, LinkPreviewOptions, OutgoingMessage } from './types.ts'

/** `sendMessage` options built by {@link sendMessageOptions}; only the ones that are set are present. */
export interface SendMessageOptions {
  message_thread_id?: number
  parse_mode?: 'HTML'
  link_preview_options?: LinkPreviewOptions
  reply_markup?: InlineKeyboardMarkup
  disable_notification?: boolean
}

/** The `sendMessage` options for `message`, in the forum topic `threadId` when given. */
export function sendMessageOptions(message: OutgoingMessage, threadId?: number): SendMessageOptions {
  const options: SendMessageOptions = {}
  if (threadId !== undefined) options.message_thread_id = threadId
  if (message.parse_mode !== undefined) options.parse_mode = message.parse_mode
  if (message.link_preview_options !== undefined) options.link_preview_options = message.link_preview_options
  if (message.reply_markup !== undefined) options.reply_markup = message.reply_markup
  if (message.disable_notification !== undefined) options.disable_notification = message.disable_notification
  return options
}
