/**
 * The Telegram bot's h3 app (port 9001): health from the poller's state, and metrics.
 *
 * @module
 */
import { H3 } from 'h3'
import { json, jsonError, metricsResponse } from './http/responses.ts'
import type { KeygramMetrics } from './metrics/index.ts'

/** What `/healthz` needs to know about the poller (the core `PollingStatus` fits). */
export interface PollingStatusLike {
  state: string
  /** Epoch ms when the current state began. */
  since?: number
  leaseHolder?: string | null
  lastSuccessfulPollAt?: number | null
  lastError?: string | null
  conflicts?: number
}

/** Options of {@link createBotApp}. */
export interface BotAppOptions {
  /** The poller, or `null` when polling is off (demo mode: no bot token). */
  polling: { status(): PollingStatusLike } | null
  metrics: KeygramMetrics
  /** How long a 409 conflict may last before `/healthz` answers 503, in ms. Default 60000. */
  conflictGraceMs?: number
  /**
   * How long the poller may stay `starting` (it holds the lease but cannot reach Telegram, or Telegram
   * answers 5xx) before `/healthz` answers 503, in ms. Default 60000, the compose file's `start_period`.
   */
  startGraceMs?: number
  /** Epoch ms. Default `Date.now`. */
  clock?: () => number
  /** Removes secrets from the poller's last error before it is shown. */
  redact?: (text: string) => string
}

/** The verdict of {@link pollingHealth}. */
export interface PollingHealth {
  healthy: boolean
  state: string
  /** Why it is unhealthy, or `null`. */
  reason: string | null
}

/**
 * Health of a poller: `polling` and `standby` (another instance holds the lease) are healthy; `starting` is
 * healthy for `startGraceMs` (a start-up takes a second; longer means Telegram cannot be reached or answers
 * 5xx, and `lastError` says which) and unhealthy after; `conflict` is healthy for `graceMs` (a redeploy's
 * overlap) and unhealthy after; `failed` (Telegram refused the bot token) and `stopped` are unhealthy.
 */
export function pollingHealth(
  status: PollingStatusLike | null,
  now: number,
  graceMs: number,
  startGraceMs = 60_000,
): PollingHealth {
  if (status === null) return { healthy: true, state: 'disabled', reason: null }
  switch (status.state) {
    case 'polling':
    case 'standby':
      return { healthy: true, state: status.state, reason: null }
    case 'starting': {
      const lasting = now - (status.since ?? now)
      if (lasting <= startGraceMs) return { healthy: true, state: 'starting', reason: null }
      const why = status.lastError ?? 'no answer from Telegram yet'
      return {
        healthy: false,
        state: 'starting',
        reason: `the poller has not been able to start for ${Math.round(lasting / 1000)} s: ${why}`,
      }
    }
    case 'failed':
      return {
        healthy: false,
        state: 'failed',
        reason: `the poller stopped for good: ${status.lastError ?? 'unknown error'}`,
      }
    case 'conflict': {
      const lasting = now - (status.since ?? now)
      return lasting > graceMs
        ? {
            healthy: false,
            state: 'conflict',
            reason: `Telegram has answered 409 Conflict for ${Math.round(lasting / 1000)} s: another process polls this bot token outside Keygram's guard, or a webhook is set`,
          }
        : { healthy: true, state: 'conflict', reason: null }
    }
    default:
      return { healthy: false, state: status.state, reason: `the poller is ${status.state}` }
  }
}

/**
 * Creates the bot app: `GET /healthz` (200 while polling, standing by, in a short start-up or a short
 * conflict; 503 on a persistent conflict, a start-up that cannot reach Telegram past its grace, a refused
 * token, or when stopped), `GET /metrics`. The reason and the last error are redacted.
 */
export function createBotApp(options: BotAppOptions): H3 {
  const graceMs = options.conflictGraceMs ?? 60_000
  const startGraceMs = options.startGraceMs ?? 60_000
  const clock = options.clock ?? Date.now
  const redact = options.redact ?? ((text: string) => text)
  const app = new H3({ silent: true })
  app.get('/healthz', () => {
    const status = options.polling?.status() ?? null
    const health = pollingHealth(status, clock(), graceMs, startGraceMs)
    return json(health.healthy ? 200 : 503, {
      status: health.healthy ? 'ok' : 'unhealthy',
      state: health.state,
      reason: health.reason === null ? null : redact(health.reason),
      since: status?.since ?? null,
      leaseHolder: status?.leaseHolder ?? null,
      lastSuccessfulPollAt: status?.lastSuccessfulPollAt ?? null,
      conflicts: status?.conflicts ?? 0,
      lastError: status?.lastError == null ? null : redact(status.lastError),
    })
  })
  app.get('/metrics', () => metricsResponse(options.metrics))
  app.all('/**', () => jsonError(404, 'not_found', 'No such endpoint.'))
  return app
}
