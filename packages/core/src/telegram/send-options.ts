/**
 * How every transport sends: the `sendMessage` parameters besides `chat_id` and `text` (shared by the
 * fetch, grammY and Telegraf transports and the command replies) and the transport over a framework client.
 *
 * @module
 */
import type { ChatId, TelegramFailure, TelegramSuccess, TelegramTransport } from '../delivery/types.ts'
import type { InlineKeyboardMarkup, LinkPreviewOptions, OutgoingMessage } from './types.ts'

/** `sendMessage` options built by {@link sendMessageOptions}; only the ones that are set are present. */
export interface SendMessageOptions {
  message_thread_id?: number
  parse_mode?: 'HTML'
  link_preview_options?: LinkPreviewOptions
  reply_markup?: InlineKeyboardMarkup
  disable_notification?: boolean
}

/** `editMessageText` options built by {@link editMessageOptions}; only the ones that are set are present. */
export type EditMessageOptions = Omit<SendMessageOptions, 'message_thread_id' | 'disable_notification'>

/** The `editMessageText` options for `message` (an edit has no topic and makes no sound). */
export function editMessageOptions(message: OutgoingMessage): EditMessageOptions {
  const {
    message_thread_id: _thread,
    disable_notification: _silent,
    ...options
  } = sendMessageOptions(message)
  return options
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

/** A framework client's `editMessageText(chatId, messageId, text, options)`. */
export type ClientEdit = (
  chatId: ChatId,
  messageId: number,
  text: string,
  options: EditMessageOptions,
) => Promise<unknown>

/**
 * A {@link TelegramTransport} over a framework's own `sendMessage` (grammY's `bot.api`, Telegraf's
 * `bot.telegram`) and, when given, `editMessageText`: every adapter sends the same way and turns what its
 * client rejects with into a {@link TelegramFailure} through `classify`, so the transport never throws.
 */
export function createClientTransport(
  send: (chatId: ChatId, text: string, options: SendMessageOptions) => Promise<{ message_id: number }>,
  classify: (error: unknown) => TelegramFailure,
  edit?: ClientEdit,
): TelegramTransport {
  const transport: TelegramTransport = {
    async sendMessage(target, message): Promise<TelegramSuccess | TelegramFailure> {
      try {
        const sent = await send(target.chatId, message.text, sendMessageOptions(message, target.threadId))
        return { ok: true, messageId: sent.message_id }
      } catch (error) {
        return classify(error)
      }
    },
  }
  if (edit !== undefined) {
    transport.editMessageText = async (target, messageId, message) => {
      try {
        await edit(target.chatId, messageId, message.text, editMessageOptions(message))
        return { ok: true, messageId }
      } catch (error) {
        return classify(error)
      }
    }
  }
  return transport
}

/**
 * The failure for a call that got no Bot API reply (connection refused or reset, timeout, unreadable
 * body): `timeout` when `description` says so or `timedOut` is set, `network` otherwise.
 */
export function noReplyFailure(description: string, timedOut = false): TelegramFailure {
  const kind = timedOut || /timed out|timeout/i.test(description) ? 'timeout' : 'network'
  return { ok: false, kind, errorCode: null, description }
}
