import { createServer } from 'node:http'
import {
  createTelegrafTransport,
  keygramCommands,
  registerKeygramCommands,
  startPolling,
} from '@keygram/adapter-telegraf'
import {
  createDeliveryWorker,
  createKeycrmWebhookHandler,
  createNotifier,
  toNodeListener,
} from '@keygram/core'
import { sqliteStore } from '@keygram/store-sqlite'
import { Telegraf } from 'telegraf'

declare const env: { BOT_TOKEN: string; WEBHOOK_SECRET: string; ADMIN_ID: string }

// #region bot
const bot = new Telegraf(env.BOT_TOKEN)
bot.command('ping', (ctx) => ctx.reply('pong')) // your bot, as before
bot.catch((error) => console.error('handler failed', error)) // Telegraf's default handler rethrows

// Keygram: a store, the notifier, and a worker that sends through the bot's own client.
const store = sqliteStore({ path: './data/keygram.db' })
const notifier = createNotifier({ store, routes: [{ chatId: '-1001234567890' }], format: { locale: 'en' } })
const worker = createDeliveryWorker({ store, transport: createTelegrafTransport(bot.telegram) })
worker.start()

// /start, /chatid, /status, /subscribe, /unsubscribe and /test, answered in the chat's language.
bot.use(keygramCommands({ store, admins: [env.ADMIN_ID], locale: 'en', notifier }))
await registerKeygramCommands(bot.telegram, 'en')

// Instead of bot.launch(): poll only while holding the lease, survive 409s, hand over cleanly. Messages
// sent while the bot was down are answered once it is back (pass dropPendingUpdates: true to skip them).
const poller = startPolling(bot, { guard: store.guard })

// The KeyCRM endpoint, /webhooks/keycrm/<secret>: 200 once the event is durably queued.
const webhook = createKeycrmWebhookHandler({ notifier, secret: env.WEBHOOK_SECRET })
const server = createServer(toNodeListener(webhook)).listen(9000)

process.once('SIGTERM', async () => {
  server.close()
  await poller.stop() // confirms handled updates, then releases the lease
  await worker.stop()
  await store.close()
})
// #endregion bot
