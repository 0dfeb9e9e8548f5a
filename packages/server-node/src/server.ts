/**
 * The Keygram server: the webhook server (9000) with the delivery worker, and the Telegram bot (9001)
 * with guarded polling, in one process or two.
 *
 * @module
 */
import { hostname } from 'node:os'
import {
  createDeliveryWorker,
  createDigestScheduler,
  createFetchTransport,
  createJobRenderer,
  createKeycrmClient,
  createNotifier,
  createStockAlerter,
  type DeliveryEvent,
  type DeliveryLimits,
  type DeliveryWorker,
  type DigestScheduler,
  type KeycrmClient,
  type KeygramStore,
  type PollingLogger,
  redactSecret,
  type StatusDictionary,
  type StockAlerter,
  type TelegramTransport,
} from '@keygram/core'
import type { ConsolaInstance } from 'consola'
import type { H3 } from 'h3'
import { serve as serveH3 } from 'h3/node'
import { type BotPoller, startBot } from './bot/start-bot.ts'
import { createBotApp } from './bot-app.ts'
import { describeStore, type KeygramConfig, type ServerRole } from './config/index.ts'
import { createConsoleTransport } from './console-transport.ts'
import type { FastPath } from './http/fast-path.ts'
import { createKeycrmServices, resolveStatusNames, routesUseStatusNames } from './keycrm.ts'
import { configSecrets, createLogger } from './logging/index.ts'
import { createKeygramMetrics, type KeygramMetrics } from './metrics/index.ts'
import { openStore } from './open-store.ts'
import { configRoutes, DEMO_CHAT_ID, subscriptionsAvailable } from './routing.ts'
import { createWebhookHandlers } from './webhook-app.ts'

type Server = ReturnType<typeof serveH3>

/** Options of {@link createKeygramServer}. */
export interface KeygramServerOptions {
  /** Which parts run. Default `all`. */
  role?: ServerRole
  /** Default: a consola logger per the config, with secrets redacted. */
  logger?: ConsolaInstance
  /** Default: the store the config names. It is closed on stop either way. */
  store?: KeygramStore
  /** Default: Telegram over `fetch`, or the console in demo mode. */
  transport?: TelegramTransport
  /** How long graceful shutdown may take before connections are cut, in ms. Default 10000. */
  shutdownTimeoutMs?: number
  /**
   * Limits on slow clients (slow-loris): a connection that has not sent its whole header block within
   * `headersMs`, or its whole request within `requestMs`, is answered 408 and closed; Node checks every
   * `checkIntervalMs`. Defaults: {@link DEFAULT_HTTP_TIMEOUTS}.
   */
  httpTimeouts?: { headersMs?: number; requestMs?: number; checkIntervalMs?: number }
}

/**
 * Default HTTP timeouts. KeyCRM posts bodies of a few kilobytes at once, so 10 s for headers and 30 s for
 * the whole request are generous, yet a stalled connection no longer waits Node's 5 minutes.
 */
export const DEFAULT_HTTP_TIMEOUTS: { headersMs: number; requestMs: number; checkIntervalMs: number } = {
  headersMs: 10_000,
  requestMs: 30_000,
  // Node's default is 30 s, which would let a stalled request live up to twice its timeout.
  checkIntervalMs: 1_000,
}

/** Where the servers listen once started. */
export interface KeygramServerAddresses {
  /** E.g. `http://127.0.0.1:9000`, when the webhook role runs. */
  webhook: string | null
  /** E.g. `http://127.0.0.1:9001`, when the bot role runs. */
  bot: string | null
}

/** A Keygram server: {@link KeygramServer.start} it, {@link KeygramServer.stop} it. */
export interface KeygramServer {
  readonly config: KeygramConfig
  readonly role: ServerRole
  readonly metrics: KeygramMetrics
  /** Opens the store, starts the worker, the poller and the HTTP servers. Rejects (with all started parts stopped) when one cannot start. */
  start(): Promise<KeygramServerAddresses>
  /** Stops accepting, finishes in-flight requests, stops the worker and the poller (releasing the lease), closes the store. Idempotent. */
  stop(): Promise<void>
  /** The addresses after {@link KeygramServer.start}. */
  addresses(): KeygramServerAddresses
  /**
   * The digest scheduler once started (webhook role with `digests` configured), else `null`; e.g.
   * `server.digests()?.runNow(0)` sends the first digest now.
   */
  digests(): DigestScheduler | null
}

/**
 * Creates a server for a validated configuration (see `loadConfig`). Nothing starts until `start()`.
 *
 * @example
 * ```ts
 * const server = createKeygramServer(await loadConfig(), { role: 'webhook' })
 * await server.start()
 * process.once('SIGTERM', () => void server.stop())
 * ```
 */
export function createKeygramServer(
  config: KeygramConfig,
  options: KeygramServerOptions = {},
): KeygramServer {
  const role = options.role ?? 'all'
  const runsWebhook = role === 'webhook' || role === 'all'
  const runsBot = role === 'bot' || role === 'all'
  const secrets = config.demoSecret ? configSecrets(config).slice(1) : configSecrets(config)
  const redact = (text: string) => redactSecret(text, secrets)
  const logger =
    options.logger ?? createLogger({ format: config.log.format, level: config.log.level, secrets })
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 10_000
  const httpTimeouts = { ...DEFAULT_HTTP_TIMEOUTS, ...options.httpTimeouts }
  const metrics = createKeygramMetrics()
  // One client for everything that calls KeyCRM, so they share its 60 requests a minute.
  const keycrm = createKeycrmServices(config)

  let store: KeygramStore | null = null
  let worker: DeliveryWorker | null = null
  let digests: DigestScheduler | null = null
  let poller: BotPoller | null = null
  let webhookServer: Server | null = null
  let botServer: Server | null = null
  let lastDeliveryAt: number | null = null
  let shuttingDown = false
  let stopping: Promise<void> | null = null
  const addresses: KeygramServerAddresses = { webhook: null, bot: null }

  function onDeliveryEvent(event: DeliveryEvent): void {
    metrics.onDeliveryEvent(event)
    switch (event.type) {
      case 'sent':
        lastDeliveryAt = Date.now()
        logger.debug(`delivered ${event.jobIds.length} notification(s) to chat ${event.chatId}`)
        return
      case 'retry':
        logger.warn(
          `sending to chat ${event.chatId} failed (${redact(event.error)}); attempt ${event.attempt}, retrying in ${Math.round(event.delayMs / 1000)} s`,
        )
        return
      case 'dead':
        logger.error(
          `notification to chat ${event.chatId} dead-lettered (${event.reason}): ${redact(event.error)}; see: keygram dead-letter list`,
        )
        return
      case 'rate_limited':
        logger.warn(
          `Telegram rate limit for chat ${event.chatId}: waiting ${event.retryAfterMs / 1000} s${event.global ? ' (whole bot)' : ''}`,
        )
        return
      case 'migrated':
        logger.info(`chat ${event.chatId} was upgraded to a supergroup; now sending to ${event.toChatId}`)
        return
      case 'error':
        logger.error(`delivery worker: ${redact(event.error)}`)
        return
      default:
        return
    }
  }

  function transportOf(): TelegramTransport {
    if (options.transport) return options.transport
    if (config.botToken === null) return createConsoleTransport()
    return createFetchTransport({ token: config.botToken, apiRoot: config.telegramApiRoot })
  }

  function limitsOf(): DeliveryLimits {
    // The console has no rate limits: demo notifications print at once.
    if (config.demo && options.transport === undefined) {
      return {
        privateChatIntervalMs: 0,
        groupChatIntervalMs: 0,
        groupMessagesPerMinute: Number.POSITIVE_INFINITY,
        ...config.limits,
      }
    }
    return config.limits
  }

  async function listen(
    app: H3,
    port: number,
    what: string,
    fastPath?: FastPath,
  ): Promise<{ server: Server; url: string }> {
    const server = serveH3(app, {
      port,
      hostname: config.host,
      silent: true,
      gracefulShutdown: false,
      manual: true,
      node: {
        // Node refuses a headers timeout above the request timeout.
        headersTimeout: Math.min(httpTimeouts.headersMs, httpTimeouts.requestMs),
        requestTimeout: httpTimeouts.requestMs,
        connectionsCheckingInterval: httpTimeouts.checkIntervalMs,
      },
    })
    const node = server.node
    if (fastPath !== undefined && node?.server !== undefined) {
      // Not listening yet (`manual`): put the fast path in front of srvx's handler for every request.
      const fallback = node.handler
      node.server.off('request', fallback)
      node.server.on('request', (req, res) => {
        if (!fastPath(req, res)) void fallback(req, res)
      })
    }
    try {
      await server.serve()
    } catch (error) {
      const code = (error as { code?: string }).code
      throw new Error(
        code === 'EADDRINUSE'
          ? `${what} cannot listen on ${config.host}:${port}: the port is in use (set ${what === 'webhook server' ? 'WEBHOOK_PORT' : 'BOT_PORT'})`
          : `${what} cannot listen on ${config.host}:${port}: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      )
    }
    const address = server.node?.server?.address()
    const boundPort = typeof address === 'object' && address !== null ? address.port : port
    const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host
    return { server, url: `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}` }
  }

  async function start(): Promise<KeygramServerAddresses> {
    try {
      return await startParts()
    } catch (error) {
      await stop()
      throw error
    }
  }

  async function startParts(): Promise<KeygramServerAddresses> {
    store = options.store ?? openStore(config.store)
    try {
      await store.ping()
    } catch (error) {
      throw new Error(
        `the store ${describeStore(config.store)} is unreachable: ${redact(error instanceof Error ? error.message : String(error))}`,
        { cause: error },
      )
    }
    metrics.watchQueue(store.queue)
    let statuses: StatusDictionary | undefined
    let resolvedRoutes: Parameters<typeof configRoutes>[2]
    if (routesUseStatusNames(config.routes)) {
      const resolved = await resolveStatusNames(config.routes, keycrm, {
        ...(config.format.timeZone === undefined ? {} : { timeZone: config.format.timeZone }),
      })
      statuses = resolved.statuses
      resolvedRoutes = resolved.rules
      logger.info("routes: status names resolved with KeyCRM's status list")
    }
    // Rendering at send time keeps formatting off the webhook's path: KeyCRM gets its answer once the
    // event is routed and durably queued, and the worker renders with the same options.
    const notifier = createNotifier({
      // The event log feeds digests alone: with none configured, a webhook skips the extra write.
      store: config.digests.length > 0 ? store : { queue: store.queue, kv: store.kv },
      routes: configRoutes(config, store, resolvedRoutes),
      format: config.format,
      ...(statuses === undefined ? {} : { statuses }),
      renderAt: 'send',
    })
    if (config.demo) {
      logger.warn(
        `demo mode: no TELEGRAM_BOT_TOKEN, so notifications are printed here${config.routes.length === 0 ? ` (as chat ${DEMO_CHAT_ID})` : ''} instead of sent to Telegram`,
      )
    } else if (config.routes.length === 0) {
      logger.warn(
        subscriptionsAvailable()
          ? 'no KEYGRAM_CHAT_ID or routes: notifications go only to chats that send /subscribe to the bot'
          : 'no KEYGRAM_CHAT_ID or routes: every event is accepted but sent nowhere',
      )
    }

    if (runsWebhook) {
      const stockAlerter = stockAlerterOf(config, store, keycrm?.client ?? null)
      if (stockAlerter !== null) {
        logger.info(
          `stock alerts: ${stockAlerter.rules.length} rule(s); KeyCRM's stock-balance webhook posts to the same URL`,
        )
      }
      worker = createDeliveryWorker({
        store,
        transport: transportOf(),
        limits: limitsOf(),
        onEvent: onDeliveryEvent,
        // Enrichment happens here, when the worker sends: the webhook never waits on KeyCRM's API.
        render: createJobRenderer({
          format: config.format,
          ...(statuses === undefined ? {} : { statuses }),
          ...(keycrm === null ? {} : { enrich: keycrm.enrich }),
        }),
      })
      worker.start()
      if (keycrm !== null) {
        logger.info(
          `KeyCRM enrichment on (${keycrm.client.baseUrl}, up to ${config.keycrm.budgetMs} ms per notification)`,
        )
      }
      if (config.digests.length > 0) {
        digests = createDigestScheduler({
          store,
          schedules: config.digests,
          onRun: (result) =>
            logger.info(
              `digest for chat ${result.chatId} (${result.deliveryKey}): ${result.status === 'queued' ? 'queued' : 'already sent'}`,
            ),
          onError: (error, schedule) =>
            logger.error(`digest for chat ${schedule.chatId} failed: ${redact(errorText(error))}`),
        })
        // Sends a digest missed while no replica ran (within 12 h), then waits for the schedule.
        await digests.start()
        logger.info(
          `digests: ${config.digests.map((digest) => `chat ${digest.chatId} at "${digest.cron ?? '0 9 * * *'}" ${digest.timeZone}`).join('; ')}`,
        )
      }
      const { app, fastPath } = createWebhookHandlers({
        secret: config.webhookSecret,
        notifier,
        store,
        worker,
        metrics,
        logger,
        maxBodyBytes: config.maxBodyBytes,
        stock: { alerter: stockAlerter, maxBodyBytes: config.stock.maxBodyBytes },
        isShuttingDown: () => shuttingDown,
      })
      const listening = await listen(app, config.webhookPort, 'webhook server', fastPath)
      webhookServer = listening.server
      addresses.webhook = listening.url
      logger.info(
        `webhook server listening on ${listening.url} (store ${describeStore(config.store)}); KeyCRM posts to ${
          config.demoSecret
            ? `${listening.url}/webhooks/keycrm/${config.webhookSecret}`
            : '/webhooks/keycrm/<secret>'
        }`,
      )
      if (config.demo) logger.info('send the bundled sample webhooks with: pnpm exec keygram send-test')
    }

    if (runsBot) {
      if (config.botToken === null) {
        logger.warn('bot role: no TELEGRAM_BOT_TOKEN, so there is nothing to poll (demo mode)')
      } else {
        const running = await startBot({
          framework: config.framework,
          token: config.botToken,
          apiRoot: config.telegramApiRoot,
          store,
          notifier,
          admins: config.admins,
          format: config.format,
          holder: `${hostname()}:${process.pid}`,
          logger: pollingLogger(logger),
          onError: (message, error) => logger.warn(`${message}: ${redact(errorText(error))}`),
          lastDeliveryAt: () => lastDeliveryAt,
        })
        poller = running.poller
      }
      const current = poller
      metrics.watchPolling(() => current?.status() ?? null)
      const app = createBotApp({
        polling: current,
        metrics,
        conflictGraceMs: config.conflictGraceMs,
        startGraceMs: config.botStartGraceMs,
        redact,
      })
      const listening = await listen(app, config.botPort, 'bot server')
      botServer = listening.server
      addresses.bot = listening.url
      logger.info(
        `bot server listening on ${listening.url} (${config.botToken === null ? 'polling off' : `${config.framework}, guarded polling`})`,
      )
    }
    return { ...addresses }
  }

  async function closeServer(server: Server | null, deadline: number): Promise<void> {
    if (server === null) return
    const closing = server.close()
    const http = server.node?.server as { closeIdleConnections?: () => void } | undefined
    // Keep-alive connections go idle as their in-flight requests finish; close them as they do.
    const sweeper = setInterval(() => http?.closeIdleConnections?.(), 100)
    const timer = setTimeout(
      () => {
        // In-flight requests had their time: cut what is left so the process can exit.
        void server.close(true)
      },
      Math.max(0, deadline - Date.now()),
    )
    try {
      await closing
    } finally {
      clearInterval(sweeper)
      clearTimeout(timer)
    }
  }

  function stop(): Promise<void> {
    stopping ??= (async () => {
      shuttingDown = true
      const started = Date.now()
      // HTTP gets most of the budget; the worker, the poller and the store need a moment after it.
      const httpDeadline = started + Math.max(0, shutdownTimeoutMs - 3000)
      const results = await Promise.allSettled([
        closeServer(webhookServer, httpDeadline),
        closeServer(botServer, httpDeadline),
        digests?.stop(),
        worker?.stop(),
        poller?.stop(),
      ])
      for (const result of results) {
        if (result.status === 'rejected') logger.warn(`shutdown: ${redact(errorText(result.reason))}`)
      }
      try {
        await store?.close()
      } catch (error) {
        logger.warn(`shutdown: closing the store failed: ${redact(errorText(error))}`)
      }
      logger.info(`stopped in ${Date.now() - started} ms`)
    })()
    return stopping
  }

  return {
    config,
    role,
    metrics,
    start,
    stop,
    addresses: () => ({ ...addresses }),
    digests: () => digests,
  }
}

/**
 * The stock alerter of a configuration, or `null` without stock rules. A rule with no chat (the
 * `KEYGRAM_STOCK_LOW` rule in demo mode without `KEYGRAM_CHAT_ID`) alerts the demo chat. With a KeyCRM
 * client, alerts name their products; pass the process's shared one (default: a new client when the config
 * has an API key).
 */
export function stockAlerterOf(
  config: KeygramConfig,
  store: KeygramStore,
  keycrm: KeycrmClient | null = config.keycrm.apiKey === null
    ? null
    : createKeycrmClient({ apiKey: config.keycrm.apiKey, baseUrl: config.keycrm.apiUrl }),
): StockAlerter | null {
  if (config.stock.rules.length === 0) return null
  const rules = config.stock.rules.map((rule) =>
    rule.chats.length === 0 ? { ...rule, chats: [{ chatId: DEMO_CHAT_ID }] } : rule,
  )
  return createStockAlerter({
    store,
    rules,
    locale: config.format.locale ?? 'uk',
    ...(keycrm === null ? {} : { keycrm: { client: keycrm } }),
    ...(config.keycrm.domain === null ? {} : { keycrmDomain: config.keycrm.domain }),
  })
}

/**
 * The poller's log lines, through consola, fields as `key=value`, each led by `polling: `. Core's poller
 * already leads its messages with it; only the others get it, so no line reads `polling: polling: `.
 */
function pollingLogger(logger: ConsolaInstance): PollingLogger {
  const prefix = 'polling: '
  const line = (message: string, fields?: Record<string, unknown>) => {
    const text = message.startsWith(prefix) ? message : `${prefix}${message}`
    return fields === undefined || Object.keys(fields).length === 0
      ? text
      : `${text} ${Object.entries(fields)
          .map(([key, value]) => `${key}=${String(value)}`)
          .join(' ')}`
  }
  return {
    info: (message, fields) => logger.info(line(message, fields)),
    warn: (message, fields) => logger.warn(line(message, fields)),
    error: (message, fields) => logger.error(line(message, fields)),
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
