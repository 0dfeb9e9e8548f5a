import { testActionsAdapter } from '@keygram/testing'
import { Bot } from 'grammy'
import {
  createGrammyActionBotApi,
  createGrammyTransport,
  keygramActions,
  startPolling,
} from '../src/index.ts'

testActionsAdapter('grammY', {
  createBot(apiRoot, token, handler, ownButton) {
    const bot = new Bot(token, { client: { apiRoot } })
    bot.use(keygramActions(handler))
    bot.on('callback_query:data', async (ctx) => {
      ownButton(ctx.callbackQuery.data)
      await ctx.answerCallbackQuery()
    })
    return bot
  },
  startPolling,
  createTransport: (bot) => createGrammyTransport(bot.api),
  createActionBotApi: (bot) => createGrammyActionBotApi(bot.api),
})
