/**
 * Two-way actions for grammY: presses of Keygram's action buttons answered by `@keygram/core`'s handler,
 * and the Bot API calls it needs over the bot's own `Api`.
 *
 * @module
 */
import {
  type ActionBotApi,
  type ActionHandler,
  type CallbackQueryLike,
  isActionTokenShape,
} from '@keygram/core'
import { type Api, Composer, type Context } from 'grammy'
import { classifyGrammyError } from './transport.ts'

/**
 * A composer that hands presses of Keygram's action buttons to `handler`; every other callback query (the
 * bot's own buttons) passes on untouched.
 *
 * @example
 * ```ts
 * const actions = await createKeygramActions({ ..., api: createGrammyActionBotApi(bot.api) })
 * bot.use(keygramActions(actions.handler))
 * ```
 */
export function keygramActions<C extends Context = Context>(handler: ActionHandler): Composer<C> {
  const composer = new Composer<C>()
  composer.on('callback_query:data', async (ctx, next) => {
    if (!isActionTokenShape(ctx.callbackQuery.data)) return next()
    await handler.handle(ctx.callbackQuery as CallbackQueryLike)
  })
  return composer
}

/** The calls actions make besides sending and editing, over grammY's `Api` (and its transformers). */
export function createGrammyActionBotApi(api: Api): ActionBotApi {
  return {
    async answerCallbackQuery(queryId, answer) {
      // An answer that fails (the query expired meanwhile) leaves nothing to undo.
      await api
        .answerCallbackQuery(queryId, {
          ...(answer.text === undefined ? {} : { text: answer.text }),
          ...(answer.showAlert ? { show_alert: true } : {}),
        })
        .catch(() => {})
    },
    async editMessageReplyMarkup(target, messageId, markup) {
      try {
        await api.editMessageReplyMarkup(target.chatId, messageId, { reply_markup: markup })
        return { ok: true, messageId }
      } catch (error) {
        return classifyGrammyError(error, api.token)
      }
    },
    async getChatMemberStatus(chatId, userId) {
      return (await api.getChatMember(chatId, userId)).status
    },
  }
}
