/**
 * The existing bot of `bot.ts` with Keygram added: notifications of KeyCRM webhooks sent through the bot's
 * own `bot.telegram` client, Keygram's commands, guarded polling instead of `bot.launch()`, all on one SQLite file.
 *
 * @module
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
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
  type DeliveryWorker,
  type FormatLocale,
  type GuardedPoller,
  type KeygramStore,
  redactSecret,
  toNodeListener,
} from '@keygram/core'
import { sqliteStore } from '@keygram/store-sqlite'
import type { Telegraf } from 'telegraf'
import { createBot } from './bot.ts'

/** Options of {@link start}. */
export interface StartOptions {
  /** The bot token from @BotFather. */
  token: string
  /** The secret in the webhook URL given to KeyCRM: `https://<host>/webhooks/keycrm/<secret>`. */
  webhookSecret: string
  /** The chat (or `-100...` group) notifications go to; `/chatid` in that chat tells it. */
  chatId: string
  /** The folder of the SQLite file `keygram.db`. */
  dataDir: string
  /** User ids allowed to `/subscribe`, `/unsubscribe` and `/test`. Default none. */
  admins?: readonly (number | string)[]
  /** Port of the webhook endpoint; 0 picks a free one. Default 9000. */
  port?: number
  /** Interface to listen on. Default `0.0.0.0`. */
  host?: string
  /** Bot API root (a local Bot API server, or a fake in tests). Default: Telegram's. */
  apiRoot?: string
  /** Language of notifications and command replies. Default `en`. */
  locale?: FormatLocale
}

/** The running example. */
export interface RunningBot {
  /** Base URL of the webhook endpoint, e.g. `http://0.0.0.0:9000`. */
  url: string
  bot: Telegraf
  store: KeygramStore
  poller: GuardedPoller
  worker: DeliveryWorker
  /** Stops taking webhooks, stops polling (confirming handled updates), lets the worker settle, closes the store. */
  stop(): Promise<void>
}

/** Starts the bot with Keygram: webhook endpoint, delivery worker and guarded polling. */
export async function start(options: StartOptions): Promise<RunningBot> {
  const locale = options.locale ?? 'en'
  const bot = createBot(options.token, options.apiRoot === undefined ? {} : { apiRoot: options.apiRoot })

  // Keygram: a store, the notifier, and a worker that sends through the bot's own client.
  const store = sqliteStore({ path: join(options.dataDir, 'keygram.db') })
  const notifier = createNotifier({ store, routes: [{ chatId: options.chatId }], format: { locale } })
  const worker = createDeliveryWorker({ store, transport: createTelegrafTransport(bot.telegram) })
  worker.start()

  // /start, /chatid, /status, /subscribe, /unsubscribe and /test. The menu is a nicety: Telegram being
  // unreachable at boot must not turn into a crash loop.
  bot.use(keygramCommands({ store, admins: options.admins ?? [], locale, notifier }))
  registerKeygramCommands(bot.telegram, locale).catch((error: unknown) =>
    console.warn(`could not set the command menu: ${redactSecret(String(error), options.token)}`),
  )

  // Instead of bot.launch(): poll only while holding the lease, survive 409s, hand over cleanly.
  const poller = startPolling(bot, { guard: store.guard })

  async function stopKeygram(): Promise<void> {
    await poller.stop() // confirms handled updates, then releases the lease
    await worker.stop()
    await store.close()
  }

  // The KeyCRM endpoint: 200 once an event is durably queued. `toNodeListener` mounts it on node:http here;
  // the same listener is an Express handler: app.post('/webhooks/keycrm/:secret', toNodeListener(webhook)).
  const webhook = createKeycrmWebhookHandler({ notifier, secret: options.webhookSecret })
  const health = () => ({ polling: poller.status().state, delivery: worker.status().totals })
  const server = createServer(toNodeListener(routes(webhook, health)))
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject).listen(options.port ?? 9000, options.host ?? '0.0.0.0', resolve)
    })
  } catch (error) {
    await stopKeygram() // e.g. the port is taken: release the lease and the store before failing
    throw error
  }
  const { address, family, port } = server.address() as AddressInfo

  let stopped: Promise<void> | undefined
  return {
    url: `http://${family === 'IPv6' ? `[${address}]` : address}:${port}`,
    bot,
    store,
    poller,
    worker,
    stop() {
      // Keep-alive connections would hold close() open until they time out.
      stopped ??= new Promise((resolve) => server.close(resolve).closeIdleConnections()).then(stopKeygram)
      return stopped
    },
  }
}

/** The webhook endpoint under `/webhooks/keycrm/`, a health report at `/health`, 404 elsewhere. */
function routes(
  webhook: (request: Request) => Promise<Response>,
  health: () => Record<string, unknown>,
): (request: Request) => Promise<Response> {
  return async (request) => {
    const { pathname } = new URL(request.url)
    if (pathname.startsWith('/webhooks/keycrm/')) return webhook(request)
    if (pathname === '/health') return Response.json(health())
    return Response.json({ error: 'not_found' }, { status: 404 })
  }
}
