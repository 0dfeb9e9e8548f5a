/**
 * Log lines for failures that repeat: the first of each kind is logged at once, then at most one line per
 * interval while it lasts (with the number of retries in between), and one line when the step works again.
 * An outage of minutes is a handful of lines, not one per retry (the decisions are {@link createOutageTracker}'s).
 *
 * @module
 */
import type { Clock } from '../delivery/clock.ts'
import { createOutageTracker } from '../delivery/outage-tracker.ts'
import type { TelegramFailure } from '../delivery/types.ts'
import { failureHeadline } from './failures.ts'
import type { PollingLogger } from './types.ts'

/** The poller steps whose failures are reported: set-up (`getMe`, `deleteWebhook`) and the long poll. */
export type PollingStep = 'setup' | 'getUpdates'

/** Options of {@link createFailureLog}. */
export interface FailureLogOptions {
  logger: PollingLogger
  /** The lease name, in every line. */
  name: string
  clock: Clock
  /** Smallest gap between two lines about the same step and failure kind, in ms. */
  intervalMs: number
}

/** Reports failures of poller steps without flooding the log. */
export interface FailureLog {
  /** A step failed and will be retried after `delayMs`. */
  failed(step: PollingStep, failure: TelegramFailure, delayMs: number): void
  /** The step succeeded: one info line if its failures were reported, and the episode is over. */
  recovered(step: PollingStep): void
}

const lead: Record<PollingStep, string> = {
  setup: 'polling: cannot start',
  getUpdates: 'polling: getUpdates failed',
}

/** Creates a {@link FailureLog} writing to `options.logger`. */
export function createFailureLog(options: FailureLogOptions): FailureLog {
  const { logger, name, clock, intervalMs } = options
  const outages = createOutageTracker<PollingStep>({ now: () => clock.now(), intervalMs })

  return {
    failed(step, failure, delayMs) {
      const seen = outages.failed(step, failure.kind)
      if (!seen.log) return
      logger.warn(`${lead[step]}: ${failureHeadline(failure)}; retrying with back-off`, {
        name,
        kind: failure.kind,
        error: failure.description,
        attempt: seen.attempts,
        delayMs,
        failingForS: Math.round(seen.failingForMs / 1000),
        unloggedRetries: seen.unlogged,
      })
    },

    recovered(step) {
      const outage = outages.recovered(step)
      if (outage === null) return
      const what = step === 'setup' ? 'started' : 'getUpdates works again'
      logger.info(`polling: ${what} after ${outage.attempts} failed attempt(s)`, {
        name,
        failedForS: Math.round(outage.failedForMs / 1000),
      })
    },
  }
}
