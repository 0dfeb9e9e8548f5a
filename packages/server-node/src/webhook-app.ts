/**
 * The webhook server's h3 app (port 9000): KeyCRM webhooks in, durable jobs out, plus health, readiness
 * and metrics.
 *
 * @module
 */
import {
  DEFAULT_MAX_WEBHOOK_BYTES,
  type DeliveryWorker,
  isKeycrmWebhookError,
  type KeycrmEvent,
  type KeycrmWebhookError,
  type KeygramStore,
  type Notifier,
  type StockAlerter,
  type StockBalanceRow,
} from '@keygram/core'
import { H3, type H3Event } from 'h3'
import { createFastPath, type FastPath } from './http/fast-path.ts'
import { type KeycrmWebhookBody, readKeycrmBody } from './http/read-keycrm-body.ts'
import {
  type JsonReply,
  json,
  jsonError,
  jsonReply,
  metricsResponse,
  replyResponse,
  withTimeout,
} from './http/responses.ts'
import { createSecretCheck, createSecretMatcher } from './http/secret.ts'
import type { KeygramMetrics } from './metrics/index.ts'

/** What the apps log through; a consola instance fits. */
export interface AppLogger {
  /** consola's numeric level (4 is debug): below it, per-request debug lines are not even built. */
  level?: number
  debug(message: string): void
  info(message: string): void
  warn(message: string): void
  error(message: string, error?: unknown): void
}

/** Options of {@link createWebhookApp}. */
export interface WebhookAppOptions {
  /** The webhook secret the URL must carry. */
  secret: string
  notifier: Pick<Notifier, 'accept'>
  /** Pinged by `/readyz`. */
  store: Pick<KeygramStore, 'ping'>
  /** The delivery worker this process runs; `/readyz` requires it running. `null`: not checked. */
  worker: Pick<DeliveryWorker, 'status'> | null
  metrics: KeygramMetrics
  logger?: AppLogger
  /** Largest accepted body in bytes. Default 1 MiB. */
  maxBodyBytes?: number
  /**
   * KeyCRM's stock-balance webhook on the same URL: a JSON array body is a stock webhook. `alerter`
   * `null` accepts it with `unrouted` (no stock rules configured). Without this option an array is
   * refused with 400, as before.
   */
  stock?: { alerter: Pick<StockAlerter, 'accept'> | null; maxBodyBytes: number }
  /** The path before the secret. Default `/webhooks/keycrm`. */
  pathPrefix?: string
  /** How long `/readyz` waits for the store, in ms. Default 2000. */
  readyTimeoutMs?: number
  /** While it returns true `/readyz` answers 503, so a balancer stops sending before shutdown. */
  isShuttingDown?: () => boolean
}

const CLOSE = { connection: 'close' }
const CLOSE_ALLOW_POST = { connection: 'close', allow: 'POST' }

const silentLogger: AppLogger = { debug() {}, info() {}, warn() {}, error() {} }

/**
 * Creates the webhook app.
 *
 * - `POST /webhooks/keycrm/<secret>` (or the secret in `?secret=` or the `x-keygram-secret` header):
 *   `200 {status: 'queued'|'duplicate'|'unrouted', deliveryKey}` once the event is durably queued.
 *   A missing secret is `401`; a wrong one `404` (the URL does not exist for whoever lacks the secret).
 *   Then `400` (bad JSON or fields, with the field `path`), `405` (GET: pick POST in the KeyCRM trigger),
 *   `413` (body over the limit), `415` (not JSON); `503` when the store cannot take the event (KeyCRM
 *   retries). Every refusal is one warning line; the secret is never echoed or logged.
 * - `GET /healthz`: liveness. `GET /readyz`: store answers and the worker runs. `GET /metrics`: Prometheus.
 */
export function createWebhookApp(options: WebhookAppOptions): H3 {
  return createWebhookHandlers(options).app
}

/** The webhook app and its `node:http` fast path (see {@link createWebhookHandlers}). */
export interface WebhookHandlers {
  /** The h3 app: every route, including the webhook. */
  app: H3
  /**
   * Takes plain KeyCRM webhooks (`POST <prefix>/<secret>`, JSON) straight from `node:http` with the same
   * answers as the app's route, and returns `false` for every other request (pass those to the app).
   */
  fastPath: FastPath
}

/**
 * Creates the webhook app (see {@link createWebhookApp}) plus a `node:http` fast path for the webhook
 * route, sharing its metrics and logging. Install the fast path in front of the app's Node handler.
 */
export function createWebhookHandlers(options: WebhookAppOptions): WebhookHandlers {
  const { secret, notifier, store, worker, metrics } = options
  const logger = options.logger ?? silentLogger
  const maxBytes = options.maxBodyBytes ?? DEFAULT_MAX_WEBHOOK_BYTES
  const pathPrefix = (options.pathPrefix ?? '/webhooks/keycrm').replace(/\/+$/, '')
  const checkSecret = createSecretCheck(secret, { pathPrefix: `${pathPrefix}/` })
  const readyTimeoutMs = options.readyTimeoutMs ?? 2000
  const received = {
    queued: metrics.webhooksReceived.bind({ status: 'queued' }),
    duplicate: metrics.webhooksReceived.bind({ status: 'duplicate' }),
    unrouted: metrics.webhooksReceived.bind({ status: 'unrouted' }),
  }
  const stockReceived = {
    queued: metrics.webhooksReceived.bind({ status: 'stock_queued' }),
    duplicate: metrics.webhooksReceived.bind({ status: 'stock_duplicate' }),
    no_alerts: metrics.webhooksReceived.bind({ status: 'stock_no_alerts' }),
    unrouted: metrics.webhooksReceived.bind({ status: 'stock_unrouted' }),
  }
  const stock = options.stock
  let warnedNoStockRules = false

  function refuse(
    client: string,
    status: number,
    reason: string,
    message: string,
    path: string | null = null,
  ): Response {
    metrics.webhooksRejected.inc({ reason })
    logger.warn(
      `webhook refused ${status} ${reason}${path === null ? '' : ` at ${path}`}: ${message}${client}`,
    )
    // The body may be unread (or cut off): the connection cannot carry another request, so close it
    // instead of leaving a half-read socket open (it would also hold up a graceful shutdown).
    return jsonError(status, reason, message, path, status === 405 ? CLOSE_ALLOW_POST : CLOSE)
  }

  async function handleWebhook(event: H3Event): Promise<Response> {
    const request = event.req
    const auth = checkSecret(request)
    if (!auth.ok) {
      discardBody(request)
      return auth.reason === 'missing_secret'
        ? refuse(
            clientOf(request),
            401,
            'missing_secret',
            `The webhook URL must end with the secret: ${pathPrefix}/<KEYGRAM_WEBHOOK_SECRET>.`,
          )
        : refuse(
            clientOf(request),
            404,
            'wrong_secret',
            'No webhook endpoint at this URL: check the secret at the end of the URL in the KeyCRM trigger.',
          )
    }
    let body: KeycrmWebhookBody
    try {
      body = await readKeycrmBody(request, { maxBytes, stockMaxBytes: stock?.maxBodyBytes ?? null })
    } catch (error) {
      if (isKeycrmWebhookError(error)) return refuseError(error, clientOf(request))
      return aborted(error)
    }
    if (body.kind === 'stock') return handleStock(body.rows)
    return replyResponse(await acceptEvent(body.event))
  }

  function refuseError(error: KeycrmWebhookError, client: string): Response {
    return refuse(client, error.status, error.code, error.message, error.path)
  }

  function aborted(error: unknown): Response {
    // The client went away mid-body: nothing to answer, nothing was accepted.
    metrics.webhooksRejected.inc({ reason: 'aborted' })
    logger.debug(`webhook body could not be read: ${errorText(error)}`)
    return jsonError(400, 'aborted', 'The request body could not be read.')
  }

  // A reply, not a web Response: the fast path writes it to node:http as it is.
  async function acceptEvent(keycrmEvent: KeycrmEvent): Promise<JsonReply> {
    try {
      const result = await notifier.accept(keycrmEvent)
      received[result.status].inc()
      if ((logger.level ?? 4) >= 4) {
        logger.debug(
          `webhook ${keycrmEvent.event} #${keycrmEvent.context.id} ${result.status} (${result.jobs} jobs)`,
        )
      }
      return jsonReply(200, { status: result.status, deliveryKey: result.deliveryKey })
    } catch (error) {
      metrics.webhooksRejected.inc({ reason: 'store_unavailable' })
      logger.error(`webhook ${keycrmEvent.event} #${keycrmEvent.context.id} could not be queued`, error)
      return jsonReply(503, {
        error: 'store_unavailable',
        message: 'The event could not be queued right now; KeyCRM will retry the webhook.',
        path: null,
      })
    }
  }

  async function handleStock(rows: StockBalanceRow[]): Promise<Response> {
    const alerter = stock?.alerter ?? null
    if (alerter === null) {
      stockReceived.unrouted.inc()
      if (!warnedNoStockRules) {
        warnedNoStockRules = true
        logger.warn(
          'a KeyCRM stock-balance webhook arrived but no stock alerts are configured: set KEYGRAM_STOCK_LOW (with KEYGRAM_CHAT_ID) or stockRules in keygram.config.ts',
        )
      }
      return json(200, { status: 'unrouted', deliveryKey: null, rows: rows.length })
    }
    try {
      const started = performance.now()
      const result = await alerter.accept(rows)
      stockReceived[result.status].inc()
      logger.debug(
        `stock webhook: ${result.rows} rows, ${result.offers} offers watched, ${result.crossings} crossings, ${result.status} (${result.jobs} messages) in ${(performance.now() - started).toFixed(0)} ms`,
      )
      return json(200, {
        status: result.status,
        deliveryKey: result.deliveryKey,
        rows: result.rows,
        crossings: result.crossings,
        messages: result.jobs,
      })
    } catch (error) {
      metrics.webhooksRejected.inc({ reason: 'store_unavailable' })
      logger.error(`stock webhook (${rows.length} rows) could not be applied`, error)
      return jsonError(
        503,
        'store_unavailable',
        'The stock webhook could not be applied right now; KeyCRM will retry it.',
      )
    }
  }

  const app = new H3({
    silent: true,
    onError(error) {
      logger.error('unhandled error in the webhook app', error)
    },
  })
  app.all(pathPrefix, handleWebhook)
  app.all(`${pathPrefix}/**`, handleWebhook)
  app.get('/healthz', () => json(200, { status: 'ok' }))
  app.get('/readyz', async () => {
    const checks: Record<string, string> = {}
    let ready = true
    if (options.isShuttingDown?.()) {
      checks.server = 'shutting_down'
      ready = false
    }
    try {
      await withTimeout(store.ping(), readyTimeoutMs, 'the store')
      checks.store = 'ok'
    } catch (error) {
      checks.store = 'unreachable'
      ready = false
      logger.warn(`readyz: store unreachable: ${errorText(error)}`)
    }
    if (worker !== null) {
      const running = worker.status().running
      checks.worker = running ? 'running' : 'stopped'
      if (!running) ready = false
    }
    return json(ready ? 200 : 503, { status: ready ? 'ready' : 'not_ready', checks })
  })
  app.get('/metrics', () => metricsResponse(metrics))
  app.all('/**', () => jsonError(404, 'not_found', 'No such endpoint.'))

  const fastPath = createFastPath({
    pathPrefix,
    matchesSecret: createSecretMatcher(secret),
    maxBytes,
    stockMaxBytes: stock?.maxBodyBytes ?? null,
    acceptEvent,
    acceptStock: handleStock,
    refuse: refuseError,
    aborted,
  })
  return { app, fastPath }
}

/**
 * Lets the runtime drop a body nobody will read. Under srvx the Node request is drained directly: touching
 * `request.body` would first wrap it in a web stream only to cancel it.
 */
function discardBody(request: Request): void {
  const req = (request as Request & { runtime?: { node?: { req?: { resume(): unknown } } } }).runtime?.node
    ?.req
  if (req !== undefined) {
    req.resume()
    return
  }
  const body = request.body
  if (body !== null && !body.locked) body.cancel().catch(() => {})
}

function clientOf(request: Request): string {
  const ip = (request as Request & { ip?: string }).ip
  return typeof ip === 'string' && ip !== '' ? ` (from ${ip})` : ''
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
