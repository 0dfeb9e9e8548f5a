import { testActionsAdapter } from '@keygram/testing'
import { Telegraf } from 'telegraf'
import {
  createTelegrafActionBotApi,
  createTelegrafTransport,
  keygramActions,
  startPolling,
} from '../src/index.ts'

testActionsAdapter('Telegraf', {
  createBot(apiRoot, token, handler, ownButton) {
    const bot = new Telegraf(token, { telegram: { apiRoot } })
    bot.use(keygramActions(handler))
    bot.on('callback_query', async (ctx) => {
      if ('data' in ctx.callbackQuery) ownButton(ctx.callbackQuery.data)
      await ctx.answerCbQuery()
    })
    return bot
  },
  startPolling,
  createTransport: (bot) => createTelegrafTransport(bot.telegram),
  createActionBotApi: (bot) => createTelegrafActionBotApi(bot.telegram),
})
