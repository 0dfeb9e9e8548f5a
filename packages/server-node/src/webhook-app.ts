/**
 * The webhook server's h3 app (port 9000): KeyCRM webhooks in, durable jobs out, plus health, readiness
 * and metrics. Each part lives in `webhook/`: refusals, accepting events, stock webhooks, readiness; this
 * module routes requests to them and builds the `node:http` fast path over the same parts.
 *
 * @module
 */
import {
  DEFAULT_MAX_WEBHOOK_BYTES,
  type DeliveryWorker,
  isKeycrmWebhookError,
  type KeygramStore,
  type Notifier,
  type StockAlerter,
} from '@keygram/core'
import { H3, type H3Event } from 'h3'
import { createFastPath, type FastPath } from './http/fast-path.ts'
import { type KeycrmWebhookBody, readKeycrmBody } from './http/read-keycrm-body.ts'
import { json, jsonError, metricsResponse, replyResponse } from './http/responses.ts'
import { createSecretCheck, createSecretMatcher } from './http/secret.ts'
import type { KeygramMetrics } from './metrics/index.ts'
import { STORE_DEADLINE_MS } from './store-deadline.ts'
import { createEventAcceptor } from './webhook/accept-event.ts'
import { createStockAcceptor } from './webhook/accept-stock.ts'
import { type AppLogger, silentLogger } from './webhook/app-logger.ts'
import { createReadinessCheck } from './webhook/readiness.ts'
import { clientOf, createRefusals, discardBody } from './webhook/refusals.ts'
import { createStoreOutageLog } from './webhook/store-outage-log.ts'

export type { AppLogger } from './webhook/app-logger.ts'

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
  /**
   * How long a webhook waits for the store to queue it before it is answered `503 store_unavailable`, in ms.
   * Default {@link STORE_DEADLINE_MS} (2500), whatever the store and however its client retries.
   */
  storeDeadlineMs?: number
  /**
   * Smallest gap between two log lines about the same kind of store failure, in ms: an outage logs its first
   * failure of each kind, a reminder per interval, and its end. Default 60 000.
   */
  storeOutageLogIntervalMs?: number
  /** While it returns true `/readyz` answers 503, so a balancer stops sending before shutdown. */
  isShuttingDown?: () => boolean
}

/**
 * Creates the webhook app.
 *
 * - `POST /webhooks/keycrm/<secret>` (or the secret in `?secret=` or the `x-keygram-secret` header):
 *   `200 {status: 'queued'|'duplicate'|'unrouted', deliveryKey}` once the event is durably queued.
 *   A missing secret is `401`; a wrong one `404` (the URL does not exist for whoever lacks the secret).
 *   Then `400` (bad JSON or fields, with the field `path`), `405` (GET: pick POST in the KeyCRM trigger),
 *   `413` (body over the limit), `415` (not JSON); `503 store_unavailable` when the store cannot take the
 *   event or does not answer within `storeDeadlineMs` (KeyCRM retries). Every refusal is one warning line;
 *   store failures a few lines per outage; the secret is never echoed or logged.
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
  const { secret, metrics } = options
  const logger = options.logger ?? silentLogger
  const maxBytes = options.maxBodyBytes ?? DEFAULT_MAX_WEBHOOK_BYTES
  const stockMaxBytes = options.stock?.maxBodyBytes ?? null
  const pathPrefix = (options.pathPrefix ?? '/webhooks/keycrm').replace(/\/+$/, '')
  const refusals = createRefusals(metrics, logger)
  const outages = createStoreOutageLog(
    logger,
    options.storeOutageLogIntervalMs === undefined ? {} : { intervalMs: options.storeOutageLogIntervalMs },
  )
  const guarding = { deadlineMs: options.storeDeadlineMs ?? STORE_DEADLINE_MS, outages }
  const acceptEvent = createEventAcceptor(options.notifier, metrics, logger, guarding)
  const acceptStock = createStockAcceptor(options.stock?.alerter ?? null, metrics, logger, guarding)
  const handleWebhook = createWebhookRoute({
    secret,
    pathPrefix,
    maxBytes,
    stockMaxBytes,
    refusals,
    acceptEvent,
    acceptStock,
  })

  const app = new H3({
    silent: true,
    onError(error) {
      logger.error('unhandled error in the webhook app', error)
    },
  })
  app.all(pathPrefix, handleWebhook)
  app.all(`${pathPrefix}/**`, handleWebhook)
  app.get('/healthz', () => json(200, { status: 'ok' }))
  app.get(
    '/readyz',
    createReadinessCheck({
      store: options.store,
      worker: options.worker,
      timeoutMs: options.readyTimeoutMs ?? 2000,
      outages,
      ...(options.isShuttingDown === undefined ? {} : { isShuttingDown: options.isShuttingDown }),
    }),
  )
  app.get('/metrics', () => metricsResponse(metrics))
  app.all('/**', () => jsonError(404, 'not_found', 'No such endpoint.'))

  const fastPath = createFastPath({
    pathPrefix,
    matchesSecret: createSecretMatcher(secret),
    maxBytes,
    stockMaxBytes,
    acceptEvent,
    acceptStock,
    refuse: refusals.refuseError,
    aborted: refusals.aborted,
  })
  return { app, fastPath }
}

interface WebhookRouteParts {
  secret: string
  pathPrefix: string
  maxBytes: number
  stockMaxBytes: number | null
  refusals: ReturnType<typeof createRefusals>
  acceptEvent: ReturnType<typeof createEventAcceptor>
  acceptStock: ReturnType<typeof createStockAcceptor>
}

/** The h3 webhook route: the secret, then the body, then the event or the stock rows. */
function createWebhookRoute(parts: WebhookRouteParts): (event: H3Event) => Promise<Response> {
  const { pathPrefix, refusals } = parts
  const checkSecret = createSecretCheck(parts.secret, { pathPrefix: `${pathPrefix}/` })
  const bodyLimits = { maxBytes: parts.maxBytes, stockMaxBytes: parts.stockMaxBytes }
  return async (event) => {
    const request = event.req
    const auth = checkSecret(request)
    if (!auth.ok) {
      discardBody(request)
      return auth.reason === 'missing_secret'
        ? refusals.refuse(
            clientOf(request),
            401,
            'missing_secret',
            `The webhook URL must end with the secret: ${pathPrefix}/<KEYGRAM_WEBHOOK_SECRET>.`,
          )
        : refusals.refuse(
            clientOf(request),
            404,
            'wrong_secret',
            'No webhook endpoint at this URL: check the secret at the end of the URL in the KeyCRM trigger.',
          )
    }
    let body: KeycrmWebhookBody
    try {
      body = await readKeycrmBody(request, bodyLimits)
    } catch (error) {
      if (isKeycrmWebhookError(error)) return refusals.refuseError(error, clientOf(request))
      return refusals.aborted(error)
    }
    if (body.kind === 'stock') return parts.acceptStock(body.rows)
    return replyResponse(await parts.acceptEvent(body.event))
  }
}
