/**
 * The Keygram server: the webhook server (9000) with the delivery worker, and the Telegram bot (9001)
 * with guarded polling, in one process or two. Each role starts in its own module (`server/webhook-role.ts`,
 * `server/bot-role.ts`); this one opens what they share and stops everything in order.
 *
 * @module
 */
import {
  createRedactor,
  type DigestScheduler,
  type KeygramStore,
  type TelegramTransport,
} from '@keygram/core'
import type { ConsolaInstance } from 'consola'
import { describeStore, type KeygramConfig, type ServerRole } from './config/index.ts'
import { errorText } from './error-text.ts'
import { createKeycrmServices } from './keycrm.ts'
import { createServerLogger, serverSecrets } from './logging/index.ts'
import { createKeygramMetrics, type KeygramMetrics } from './metrics/index.ts'
import { openStore } from './open-store.ts'
import { createServerActions } from './server/actions-setup.ts'
import { startBotRole } from './server/bot-role.ts'
import type { PartStop, RoleContext } from './server/context.ts'
import {
  closeHttpServer,
  DEFAULT_HTTP_TIMEOUTS,
  type HttpServer,
  type HttpTimeouts,
  type Listening,
  listenApp,
} from './server/http-host.ts'
import { createServerNotifier } from './server/notifier-setup.ts'
import { startWebhookRole } from './server/webhook-role.ts'

export { DEFAULT_HTTP_TIMEOUTS } from './server/http-host.ts'
export { stockAlerterOf } from './server/webhook-role.ts'

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
  httpTimeouts?: Partial<HttpTimeouts>
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
  const redact = createRedactor(serverSecrets(config))
  const logger = options.logger ?? createServerLogger(config)
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 10_000
  const httpTimeouts = { ...DEFAULT_HTTP_TIMEOUTS, ...options.httpTimeouts }
  const metrics = createKeygramMetrics()

  let store: KeygramStore | null = null
  let digests: DigestScheduler | null = null
  let lastDeliveryAt: number | null = null
  let shuttingDown = false
  let stopping: Promise<void> | null = null
  const httpServers: HttpServer[] = []
  const partStops: PartStop[] = []
  const addresses: KeygramServerAddresses = { webhook: null, bot: null }

  async function listen(
    app: Parameters<RoleContext['listen']>[0],
    which: 'webhook' | 'bot',
    fastPath?: Parameters<RoleContext['listen']>[2],
  ): Promise<Listening> {
    const { server, ...listening } = await listenApp(app, {
      host: config.host,
      port: which === 'webhook' ? config.webhookPort : config.botPort,
      what: `${which} server`,
      portVariable: which === 'webhook' ? 'WEBHOOK_PORT' : 'BOT_PORT',
      timeouts: httpTimeouts,
      ...(fastPath === undefined ? {} : { fastPath }),
    })
    httpServers.push(server)
    addresses[which] = listening.url
    return listening
  }

  async function openSharedStore(): Promise<KeygramStore> {
    const opened = options.store ?? openStore(config.store)
    store = opened
    try {
      await opened.ping()
    } catch (error) {
      throw new Error(
        `the store ${describeStore(config.store)} is unreachable: ${redact(errorText(error))}`,
        { cause: error },
      )
    }
    metrics.watchQueue(opened.queue)
    return opened
  }

  async function startParts(): Promise<KeygramServerAddresses> {
    const opened = await openSharedStore()
    // One client for everything that calls KeyCRM, so they share its 60 requests a minute (with every
    // replica on the store, when it keeps budgets).
    const keycrm = createKeycrmServices(
      config,
      opened.budgets === undefined ? {} : { budgets: opened.budgets },
    )
    const { notifier, statuses } = await createServerNotifier(config, opened, keycrm, logger)
    const actions = await createServerActions({
      config,
      store: opened,
      keycrm,
      statuses,
      transport: options.transport,
      logger,
      metrics,
      redact,
    })
    if (actions !== null) partStops.push(async () => actions.handler.stop())
    const context: RoleContext = {
      config,
      store: opened,
      notifier,
      statuses,
      keycrm,
      actions,
      logger,
      metrics,
      redact,
      transport: options.transport,
      listen,
      onStop: (stop) => partStops.push(stop),
      isShuttingDown: () => shuttingDown,
      lastDeliveryAt: () => lastDeliveryAt,
      markDelivered: () => {
        lastDeliveryAt = Date.now()
      },
    }
    if (role === 'webhook' || role === 'all') digests = (await startWebhookRole(context)).digests
    if (role === 'bot' || role === 'all') await startBotRole(context)
    return { ...addresses }
  }

  async function start(): Promise<KeygramServerAddresses> {
    try {
      return await startParts()
    } catch (error) {
      // Not "stopped in 0 ms": nothing ran. Whoever started it reports the failure (the CLI's fatal line).
      await shutdown('start failed: stopped what had started')
      throw error
    }
  }

  function stop(): Promise<void> {
    return shutdown(null)
  }

  /** Stops everything once; `failedStart` is the debug line's lead after a failed start, else `null`. */
  function shutdown(failedStart: string | null): Promise<void> {
    stopping ??= (async () => {
      shuttingDown = true
      const started = Date.now()
      // HTTP gets most of the budget; the worker, the poller and the store need a moment after it.
      const httpDeadline = started + Math.max(0, shutdownTimeoutMs - 3000)
      const results = await Promise.allSettled([
        ...httpServers.map((server) => closeHttpServer(server, httpDeadline)),
        ...partStops.map((stopPart) => stopPart(httpDeadline)),
      ])
      for (const result of results) {
        if (result.status === 'rejected') logger.warn(`shutdown: ${redact(errorText(result.reason))}`)
      }
      try {
        await store?.close()
      } catch (error) {
        logger.warn(`shutdown: closing the store failed: ${redact(errorText(error))}`)
      }
      if (failedStart === null) logger.info(`stopped in ${Date.now() - started} ms`)
      else logger.debug(`${failedStart} in ${Date.now() - started} ms`)
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
