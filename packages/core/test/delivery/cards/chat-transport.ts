/**
 * An in-process Telegram for card tests: messages kept per chat, edits with Telegram's answers ("not
 * modified", "message to edit not found", "message can't be edited"), and failures scripted per call.
 */
import type { TelegramFailure, TelegramTransport } from '../../../src/delivery/types.ts'
import { visibleText } from '../../../src/format/index.ts'
import { classifyTelegramFailure } from '../../../src/telegram/classify.ts'
import type { OutgoingMessage } from '../../../src/telegram/types.ts'

export interface ChatCall {
  method: 'sendMessage' | 'editMessageText'
  chatId: string
  messageId: number
  /** Visible text. */
  text: string
  silent: boolean
  ok: boolean
}

interface Shown {
  text: string
  markup: string
  frozen: boolean
}

export function chatTransport(options: { edits?: boolean } = {}) {
  const messages = new Map<string, Shown>()
  const calls: ChatCall[] = []
  const failures: TelegramFailure[] = []
  let nextId = 0
  const key = (chatId: string, messageId: number) => `${chatId}:${messageId}`
  const shownOf = (message: OutgoingMessage): Shown => ({
    text: message.parse_mode === 'HTML' ? visibleText(message.text) : message.text,
    markup: JSON.stringify(message.reply_markup ?? null),
    frozen: false,
  })
  const record = (call: Omit<ChatCall, 'ok'>, ok: boolean) => calls.push({ ...call, ok })

  const transport: TelegramTransport = {
    async sendMessage(target, message) {
      const failure = failures.shift()
      const shown = shownOf(message)
      const call = {
        method: 'sendMessage' as const,
        chatId: target.chatId,
        messageId: 0,
        text: shown.text,
        silent: message.disable_notification === true,
      }
      if (failure !== undefined) {
        record(call, false)
        return failure
      }
      const messageId = ++nextId
      messages.set(key(target.chatId, messageId), shown)
      record({ ...call, messageId }, true)
      return { ok: true, messageId }
    },
  }
  if (options.edits !== false) {
    transport.editMessageText = async (target, messageId, message) => {
      const shown = shownOf(message)
      const call = {
        method: 'editMessageText' as const,
        chatId: target.chatId,
        messageId,
        text: shown.text,
        silent: true,
      }
      const failure = failures.shift()
      const current = messages.get(key(target.chatId, messageId))
      const refusal =
        failure ??
        (current === undefined
          ? classifyTelegramFailure(400, 'Bad Request: message to edit not found')
          : current.frozen
            ? classifyTelegramFailure(400, "Bad Request: message can't be edited")
            : current.text === shown.text && current.markup === shown.markup
              ? classifyTelegramFailure(400, 'Bad Request: message is not modified')
              : undefined)
      if (refusal !== undefined) {
        record(call, false)
        return refusal
      }
      messages.set(key(target.chatId, messageId), shown)
      record(call, true)
      return { ok: true, messageId }
    }
  }
  return {
    transport,
    calls,
    /** The next calls fail with these, in order. */
    fail: (...next: TelegramFailure[]) => failures.push(...next),
    shown: (chatId: string, messageId: number) => messages.get(key(chatId, messageId))?.text,
    remove: (chatId: string, messageId: number) => messages.delete(key(chatId, messageId)),
    freeze: (chatId: string, messageId: number) => {
      const shown = messages.get(key(chatId, messageId))
      if (shown !== undefined) shown.frozen = true
    },
    sends: () => calls.filter((call) => call.method === 'sendMessage' && call.ok),
    edits: () => calls.filter((call) => call.method === 'editMessageText' && call.ok),
  }
}
