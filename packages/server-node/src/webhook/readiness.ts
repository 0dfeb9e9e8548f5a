/**
 * `/readyz` of the webhook server: ready while not shutting down, the store answers in time and the worker
 * runs.
 *
 * @module
 */
import type { DeliveryWorker, KeygramStore } from '@keygram/core'
import { json } from '../http/responses.ts'
import { withDeadline } from '../store-deadline.ts'
import type { StoreOutageLog } from './store-outage-log.ts'

/** What readiness checks. */
export interface ReadinessOptions {
  store: Pick<KeygramStore, 'ping'>
  /** `null`: not checked. */
  worker: Pick<DeliveryWorker, 'status'> | null
  /** How long the store may take to answer, in ms. */
  timeoutMs: number
  isShuttingDown?: () => boolean
  /** Where an unreachable store is reported (shared with the webhook route: one outage, one story). */
  outages: StoreOutageLog
}

/**
 * The `/readyz` handler: `200 {status: 'ready', checks}` or `503 {status: 'not_ready', checks}`. The store
 * check is its `ping()`, which each store makes mean "can take a webhook now" (SQLite commits a small write,
 * so a full disk is not ready; the memory store is not ready past its cap).
 */
export function createReadinessCheck(options: ReadinessOptions): () => Promise<Response> {
  const { store, worker, outages } = options
  return async () => {
    const checks: Record<string, string> = {}
    let ready = true
    if (options.isShuttingDown?.()) {
      checks.server = 'shutting_down'
      ready = false
    }
    try {
      await withDeadline(store.ping(), options.timeoutMs)
      checks.store = 'ok'
      outages.recovered()
    } catch (error) {
      checks.store = 'unreachable'
      ready = false
      outages.failed('readyz', error)
    }
    if (worker !== null) {
      const running = worker.status().running
      checks.worker = running ? 'running' : 'stopped'
      if (!running) ready = false
    }
    return json(ready ? 200 : 503, { status: ready ? 'ready' : 'not_ready', checks })
  }
}
