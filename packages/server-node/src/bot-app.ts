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
  /**
   * The poller's long-poll timeout in seconds (its `timeoutSeconds`), from which the stale-poll threshold is
   * derived (see {@link stalePollThresholdMs}). Default 30, the poller's default.
   */
  pollTimeoutSeconds?: number
  /**
   * How long the poller may be `polling` without a successful `getUpdates` before `/healthz` answers 503, in
   * ms. Default {@link stalePollThresholdMs} of `pollTimeoutSeconds` (90000 for 30 s).
   */
  pollStaleMs?: number
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
 * How long a `polling` poller may go without a successful `getUpdates` before it counts as unhealthy:
 * `max(2 × timeoutSeconds + 30 s, 90 s)`.
 *
 * Why: a healthy long poll answers within `timeoutSeconds` (an empty one exactly then), so successes arrive at
 * least that often. Twice that tolerates one poll lost in flight plus its retry, and the 30 s covers network
 * latency and the first error back-offs (1 s, 2 s, 4 s, ...; cap 30 s). The 90 s floor keeps short polling
 * (timeout 0) from flapping on a brief blip, and leaves room for a slow batch of handlers (the success is
 * stamped before the batch is handled). With the default 30 s timeout an outage (Telegram unreachable, 5xx
 * on every poll, or a poll that never returns) turns `/healthz` red after 90 s, within two of the compose
 * file's 60 s health checks.
 */
export function stalePollThresholdMs(timeoutSeconds: number): number {
  return Math.max(2 * timeoutSeconds * 1000 + 30_000, 90_000)
}

/**
 * Health of a poller: `polling` is healthy while a `getUpdates` succeeded within `pollStaleMs` (counted from
 * when polling began at the latest, so a success from an earlier lease term does not count against it), and
 * unhealthy after (Telegram unreachable or 5xx on every poll); `standby` (another instance holds the lease) is
 * healthy; `starting` is healthy for `startGraceMs` (a start-up takes a second; longer means Telegram cannot be reached or answers
 * 5xx, and `lastError` says which) and unhealthy after; `conflict` is healthy for `graceMs` (a redeploy's
 * overlap) and unhealthy after; `failed` (Telegram refused the bot token) and `stopped` are unhealthy.
 */
export function pollingHealth(
  status: PollingStatusLike | null,
  now: number,
  graceMs: number,
  startGraceMs = 60_000,
  pollStaleMs: number = stalePollThresholdMs(30),
): PollingHealth {
  if (status === null) return { healthy: true, state: 'disabled', reason: null }
  switch (status.state) {
    case 'polling': {
      // `since` (when polling began) bounds the gap too: right after set-up no poll has answered yet, and a
      // success from a previous lease term must not make a fresh term look stale.
      const lastSign = Math.max(status.lastSuccessfulPollAt ?? Number.NEGATIVE_INFINITY, status.since ?? now)
      const silent = now - lastSign
      if (silent <= pollStaleMs) return { healthy: true, state: 'polling', reason: null }
      const why = status.lastError ?? 'no answer from Telegram'
      return {
        healthy: false,
        state: 'polling',
        reason: `no getUpdates has succeeded for ${Math.round(silent / 1000)} s: ${why}`,
      }
    }
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
 * conflict; 503 on a persistent conflict, a start-up that cannot reach Telegram past its grace, polling with
 * no successful `getUpdates` for longer than `pollStaleMs`, a refused token, or when stopped), `GET /metrics`.
 * The reason and the last error are redacted.
 */
export function createBotApp(options: BotAppOptions): H3 {
  const graceMs = options.conflictGraceMs ?? 60_000
  const startGraceMs = options.startGraceMs ?? 60_000
  const pollStaleMs = options.pollStaleMs ?? stalePollThresholdMs(options.pollTimeoutSeconds ?? 30)
  const clock = options.clock ?? Date.now
  const redact = options.redact ?? ((text: string) => text)
  const app = new H3({ silent: true })
  app.get('/healthz', () => {
    const status = options.polling?.status() ?? null
    const health = pollingHealth(status, clock(), graceMs, startGraceMs, pollStaleMs)
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
