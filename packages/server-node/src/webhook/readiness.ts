/**
 * `/readyz` of the webhook server: ready while not shutting down, the store answers in time and the worker
 * runs.
 *
 * @module
 */
import type { DeliveryWorker, KeygramStore } from '@keygram/core'
import { errorText } from '../error-text.ts'
import { json, withTimeout } from '../http/responses.ts'
import type { AppLogger } from './app-logger.ts'

/** What readiness checks. */
export interface ReadinessOptions {
  store: Pick<KeygramStore, 'ping'>
  /** `null`: not checked. */
  worker: Pick<DeliveryWorker, 'status'> | null
  /** How long the store may take to answer, in ms. */
  timeoutMs: number
  isShuttingDown?: () => boolean
  logger: AppLogger
}

/** The `/readyz` handler: `200 {status: 'ready', checks}` or `503 {status: 'not_ready', checks}`. */
export function createReadinessCheck(options: ReadinessOptions): () => Promise<Response> {
  const { store, worker, logger } = options
  return async () => {
    const checks: Record<string, string> = {}
    let ready = true
    if (options.isShuttingDown?.()) {
      checks.server = 'shutting_down'
      ready = false
    }
    try {
      await withTimeout(store.ping(), options.timeoutMs, 'the store')
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
  }
}
