import { testCommandsAdapter } from '@keygram/testing'
import { Bot } from 'grammy'
import type { Update, UserFromGetMe } from 'grammy/types'
import { keygramCommands, registerKeygramCommands } from '../src/commands.ts'

testCommandsAdapter<Bot>('grammY', {
  createBot(fake, options) {
    const bot = new Bot(fake.token, { botInfo: fake.botInfo as UserFromGetMe, client: { apiRoot: fake.url } })
    bot.use(keygramCommands(options))
    return bot
  },
  handleUpdate: (bot, update) => bot.handleUpdate(update as Update),
  // The suite passes a plain language code; grammY types it as a union of codes.
  registerCommands: (bot, locale, other) =>
    registerKeygramCommands(bot.api, locale, other as Parameters<Bot['api']['setMyCommands']>[1]),
  getMyCommands: (bot, other) => bot.api.getMyCommands(other as Parameters<Bot['api']['getMyCommands']>[0]),
})
