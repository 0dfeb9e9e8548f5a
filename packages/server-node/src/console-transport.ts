/**
 * The demo-mode transport: prints each notification to the terminal instead of sending it to Telegram.
 *
 * @module
 */
import type { ChatTarget, OutgoingMessage, TelegramSuccess, TelegramTransport } from '@keygram/core'
import { visibleText } from '@keygram/core'

/** Options of {@link createConsoleTransport}. */
export interface ConsoleTransportOptions {
  /** Where the text goes. Default: stdout. */
  write?: (text: string) => void
}

/**
 * A {@link TelegramTransport} that never fails: it prints the message as Telegram would show it (the
 * visible text, the target chat and topic, and the URL buttons) and answers with an increasing message id.
 */
export function createConsoleTransport(options: ConsoleTransportOptions = {}): TelegramTransport {
  const write = options.write ?? ((text: string) => void process.stdout.write(text))
  // Ids that differ from run to run: a card kept in the store from an earlier demo is not mistaken for a
  // message this run printed.
  let nextId = (Math.floor(Date.now() / 1000) % 1_000_000) * 1000 + 1
  return {
    async sendMessage(target: ChatTarget, message: OutgoingMessage): Promise<TelegramSuccess> {
      write(renderNotification(target, message))
      return { ok: true, messageId: nextId++ }
    },
    async editMessageText(target, messageId, message): Promise<TelegramSuccess> {
      write(renderNotification(target, message, messageId))
      return { ok: true, messageId }
    },
  }
}

/**
 * The printed form of one message: a framed block with the chat, the text and the buttons. With
 * `editedMessageId`, the block says that message (a live card) now reads so.
 */
export function renderNotification(
  target: ChatTarget,
  message: OutgoingMessage,
  editedMessageId?: number,
): string {
  const text = message.parse_mode === 'HTML' ? visibleText(message.text) : message.text
  const where = `chat ${target.chatId}${target.threadId === undefined ? '' : `, topic ${target.threadId}`}`
  const heading =
    editedMessageId === undefined
      ? `Telegram message to ${where}${message.disable_notification ? ' (silent)' : ''}`
      : `Telegram message ${editedMessageId} in ${where}, edited`
  const lines = [`┌─ ${heading}`]
  for (const line of text.split('\n')) lines.push(`│ ${line}`)
  for (const row of message.reply_markup?.inline_keyboard ?? []) {
    for (const button of row) lines.push(`│ [${button.text}]${'url' in button ? ` → ${button.url}` : ''}`)
  }
  lines.push('└─')
  return `${lines.join('\n')}\n`
}
