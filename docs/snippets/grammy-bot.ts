import {
  createGrammyTransport,
  keygramCommands,
  registerKeygramCommands,
  startPolling,
} from '@keygram/adapter-grammy'
import { createDeliveryWorker, createNotifier } from '@keygram/core'
import { sqliteStore } from '@keygram/store-sqlite'
import { Bot } from 'grammy'
import { keycrmWebhookHandler } from './webhook-handler.ts'

declare const env: { BOT_TOKEN: string; WEBHOOK_SECRET: string; ADMIN_ID: string }

// #region bot
const bot = new Bot(env.BOT_TOKEN)
bot.command('ping', (ctx) => ctx.reply('pong')) // your bot, as before

// Keygram: a store, the notifier, and a worker that sends through the bot's own API (and its transformers).
const store = sqliteStore({ path: './data/keygram.db' })
const notifier = createNotifier({ store, routes: [{ chatId: '-1001234567890' }], format: { locale: 'en' } })
const worker = createDeliveryWorker({ store, transport: createGrammyTransport(bot.api) })
worker.start()

// /start, /chatid, /status, /subscribe, /unsubscribe and /test, answered in the chat's language.
bot.use(keygramCommands({ store, admins: [env.ADMIN_ID], locale: 'en', notifier }))
await registerKeygramCommands(bot.api, 'en')

// Instead of bot.start(): poll only while holding the lease, survive 409s, hand over cleanly.
const poller = startPolling(bot, { guard: store.guard })

// Mount on your HTTP server at /webhooks/keycrm/<secret>.
export const handleKeycrmWebhook = keycrmWebhookHandler(notifier, env.WEBHOOK_SECRET)

process.once('SIGTERM', async () => {
  await poller.stop() // confirms handled updates, then releases the lease
  await worker.stop()
  await store.close()
})
// #endregion bot
