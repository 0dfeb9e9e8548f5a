/**
 * The grammY adapter bound for the shared polling suite. Imports by relative path: child processes load
 * this module without vitest's aliases.
 */
import { Bot } from 'grammy'
import { redisStore } from '../../store-redis/src/index.ts'
import { sqliteStore } from '../../store-sqlite/src/index.ts'
import type { ProcessHarness, UpdateListener } from '../../testing/src/adapter-suite/index.ts'
import { createGrammyTransport, startPolling } from '../src/index.ts'

export { redisStore, sqliteStore, startPolling }

export function createBot(apiRoot: string, token: string, onUpdate: UpdateListener): Bot {
  const bot = new Bot(token, { client: { apiRoot } })
  bot.use(async (ctx) => {
    await onUpdate(ctx.update)
  })
  return bot
}

export const createTransport = (bot: Bot) => createGrammyTransport(bot.api)

export const harness: ProcessHarness<Bot> = {
  createBot,
  startPolling,
  createTransport,
  sqliteStore,
  redisStore,
}
