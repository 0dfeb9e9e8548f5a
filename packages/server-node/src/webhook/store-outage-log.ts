/**
 * Log lines for a store outage: while the store is down every webhook is answered 503, and a line (with a
 * stack) per webhook would bury everything else. The first failure of each kind is one line, then one
 * reminder per interval with the count in between, and one line when the store answers again: the
 * poller's rule (see `createOutageTracker` in `@keygram/core`).
 *
 * @module
 */
import { createOutageTracker } from '@keygram/core'
import { errorText } from '../error-text.ts'
import type { AppLogger } from './app-logger.ts'

/** Reports store failures seen by the webhook route and `/readyz` without flooding the log. */
export interface StoreOutageLog {
  /** `what` (e.g. `webhook order.change_order_status #123`) failed on the store with `error`. */
  failed(what: string, error: unknown): void
  /** A store operation worked: one line if an outage was reported, and the outage is over. */
  recovered(): void
}

/** Options of {@link createStoreOutageLog}. */
export interface StoreOutageLogOptions {
  /** Smallest gap between two lines about the same kind of failure, in ms. Default 60 000. */
  intervalMs?: number
  /** Epoch ms. Default `Date.now`. */
  now?: () => number
}

/** Default gap between reminders of one kind of store failure: the poller's. */
export const STORE_OUTAGE_LOG_INTERVAL_MS = 60_000

/** Creates the outage log writing to `logger` (errors while down, one info line on recovery). */
export function createStoreOutageLog(logger: AppLogger, options: StoreOutageLogOptions = {}): StoreOutageLog {
  const intervalMs = options.intervalMs ?? STORE_OUTAGE_LOG_INTERVAL_MS
  const tracker = createOutageTracker<'store'>({ now: options.now ?? Date.now, intervalMs })
  return {
    failed(what, error) {
      const seen = tracker.failed('store', failureKind(error))
      if (!seen.log) return
      const cause = causeText(error)
      if (seen.firstOfKind) {
        logger.error(
          `store unavailable: ${what} failed: ${cause}; webhooks are answered 503 store_unavailable (KeyCRM retries them); further failures like this one are summarised every ${Math.round(intervalMs / 1000)} s`,
        )
      } else {
        logger.error(
          `store still unavailable after ${Math.round(seen.failingForMs / 1000)} s: ${seen.unlogged + 1} more failure(s) like this one (${cause}), the last by ${what}`,
        )
      }
    },
    recovered() {
      const outage = tracker.recovered('store')
      if (outage === null) return
      logger.info(
        `store available again after ${Math.round(outage.failedForMs / 1000)} s; ${outage.attempts} request(s) failed on it meanwhile`,
      )
    },
  }
}

/**
 * What makes two failures "the same": the error's code (`ECONNREFUSED`, `SQLITE_FULL`...) when it has
 * one, else its name and message with the numbers taken out (ports, counts and times differ per failure).
 */
export function failureKind(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code === 'string' && code !== '') return code
  if (!(error instanceof Error)) return 'other'
  return `${error.name}: ${error.message.replace(/\d+/g, '#').slice(0, 120)}`
}

/** The error's message, with its cause's when it has one (no stack: the kind of failure is the news). */
function causeText(error: unknown): string {
  const text = errorText(error)
  const cause = error instanceof Error ? error.cause : undefined
  if (cause === undefined) return text
  const inner = errorText(cause)
  return text.includes(inner) ? text : `${text} (${inner})`
}
