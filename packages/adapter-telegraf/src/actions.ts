/**
 * Two-way actions for Telegraf: presses of Keygram's action buttons answered by `@keygram/core`'s handler,
 * and the Bot API calls it needs over the bot's own `Telegram` client.
 *
 * @module
 */
import {
  type ActionBotApi,
  type ActionHandler,
  type CallbackQueryLike,
  isActionTokenShape,
} from '@keygram/core'
import type { Context, Middleware, Telegram } from 'telegraf'
import { classifyTelegrafError } from './transport.ts'

/**
 * A middleware that hands presses of Keygram's action buttons to `handler`; every other update (the bot's
 * own buttons included) passes on untouched.
 *
 * @example
 * ```ts
 * const actions = await createKeygramActions({ ..., api: createTelegrafActionBotApi(bot.telegram) })
 * bot.use(keygramActions(actions.handler))
 * ```
 */
export function keygramActions<C extends Context = Context>(handler: ActionHandler): Middleware<C> {
  return async (ctx, next) => {
    const query = ctx.callbackQuery
    if (query === undefined || !('data' in query) || !isActionTokenShape(query.data)) return next()
    await handler.handle(query as CallbackQueryLike)
  }
}

/** The calls actions make besides sending and editing, over Telegraf's `Telegram` client. */
export function createTelegrafActionBotApi(telegram: Telegram): ActionBotApi {
  return {
    async answerCallbackQuery(queryId, answer) {
      // An answer that fails (the query expired meanwhile) leaves nothing to undo.
      await telegram
        .answerCbQuery(queryId, answer.text, answer.showAlert ? { show_alert: true } : {})
        .catch(() => {})
    },
    async editMessageReplyMarkup(target, messageId, markup) {
      try {
        await telegram.editMessageReplyMarkup(target.chatId, messageId, undefined, markup)
        return { ok: true, messageId }
      } catch (error) {
        return classifyTelegrafError(error, telegram.token)
      }
    },
    async getChatMemberStatus(chatId, userId) {
      return (await telegram.getChatMember(chatId, userId)).status
    },
  }
}
