import { testCommandsAdapter } from '@keygram/testing'
import { Telegraf } from 'telegraf'
import type { Update, UserFromGetMe } from 'telegraf/types'
import { keygramCommands, registerKeygramCommands } from '../src/commands.ts'

testCommandsAdapter<Telegraf>('Telegraf', {
  createBot(fake, options) {
    const bot = new Telegraf(fake.token, { telegram: { apiRoot: fake.url } })
    // Known up front, so handling an update makes no getMe call.
    bot.botInfo = fake.botInfo as UserFromGetMe
    bot.use(keygramCommands(options))
    return bot
  },
  handleUpdate: (bot, update) => bot.handleUpdate(update as Update),
  registerCommands: (bot, locale, other) => registerKeygramCommands(bot.telegram, locale, other),
  getMyCommands: (bot, other) => bot.telegram.getMyCommands(other),
})
