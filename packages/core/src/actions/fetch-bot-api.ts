/**
 * The {@link ActionBotApi} over `fetch`: what the standalone server's bot role answers presses with.
 *
 * @module
 */
import { createBotApiCaller, type FetchTransportOptions } from '../telegram/fetch-transport.ts'
import type { ActionBotApi } from './telegram.ts'

/** Creates the action calls over `fetch` (same options as `createFetchTransport`). */
export function createFetchActionBotApi(options: FetchTransportOptions): ActionBotApi {
  const call = createBotApiCaller(options, 'createFetchActionBotApi')
  return {
    async answerCallbackQuery(queryId, answer) {
      // An answer that fails (the query expired meanwhile) leaves nothing to undo: the spinner stops anyway.
      await call('answerCallbackQuery', {
        callback_query_id: queryId,
        ...(answer.text === undefined ? {} : { text: answer.text }),
        ...(answer.showAlert ? { show_alert: true } : {}),
      })
    },
    async editMessageReplyMarkup(target, messageId, markup) {
      const reply = await call('editMessageReplyMarkup', {
        chat_id: target.chatId,
        message_id: messageId,
        reply_markup: markup,
      })
      return reply.ok ? { ok: true, messageId } : reply
    },
    async getChatMemberStatus(chatId, userId) {
      const reply = await call('getChatMember', { chat_id: chatId, user_id: userId })
      if (!reply.ok) throw new Error(`getChatMember: ${reply.description}`)
      const status = (reply.result as { status?: unknown } | null)?.status
      if (typeof status !== 'string') throw new Error('getChatMember: the reply has no status')
      return status
    },
  }
}
