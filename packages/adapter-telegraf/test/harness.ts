/**
 * The Telegraf adapter bound for the shared polling suite. Imports by relative path: child processes load
 * this module without vitest's aliases.
 */
import { Telegraf } from 'telegraf'
import { redisStore } from '../../store-redis/src/index.ts'
import { sqliteStore } from '../../store-sqlite/src/index.ts'
import type { ProcessHarness, UpdateListener } from '../../testing/src/adapter-suite/index.ts'
import { createTelegrafTransport, startPolling } from '../src/index.ts'

export { redisStore, sqliteStore, startPolling }

export function createBot(apiRoot: string, token: string, onUpdate: UpdateListener): Telegraf {
  const bot = new Telegraf(token, { telegram: { apiRoot } })
  bot.use(async (ctx) => {
    await onUpdate(ctx.update)
  })
  return bot
}

export const createTransport = (bot: Telegraf) => createTelegrafTransport(bot.telegram)

export const harness: ProcessHarness<Telegraf> = {
  createBot,
  startPolling,
  createTransport,
  sqliteStore,
  redisStore,
}
