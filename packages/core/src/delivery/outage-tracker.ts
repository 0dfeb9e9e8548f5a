/**
 * Deciding which failures of a repeating operation are worth a log line: the first of each kind at once,
 * then at most one reminder per interval while it lasts, and one line when the operation works again. An
 * outage of minutes becomes a handful of lines, not one per attempt. The tracker only decides and counts;
 * the caller words and writes the lines (the poller's failure log, the webhook server's store log).
 *
 * @module
 */

/** Options of {@link createOutageTracker}. */
export interface OutageTrackerOptions {
  /** Epoch milliseconds. */
  now: () => number
  /** Smallest gap between two lines about the same scope and failure kind, in ms. */
  intervalMs: number
}

/** What the tracker decided about one failure. */
export interface OutageFailure {
  /** `true`: write a line now (the first of its kind in this outage, or a reminder). */
  log: boolean
  /** `true` for the first failure of this kind in the current outage. */
  firstOfKind: boolean
  /** Failures of the scope (every kind) since the outage began, this one included. */
  attempts: number
  /** ms since the outage's first failure. */
  failingForMs: number
  /** Failures of this kind not logged since its previous line. */
  unlogged: number
}

/** The end of an outage. */
export interface OutageRecovery {
  /** Failures of the scope during the outage. */
  attempts: number
  /** ms from the first failure to the recovery. */
  failedForMs: number
}

/** Tracks outages per scope (an operation, a store...). */
export interface OutageTracker<Scope extends string = string> {
  /** One failure of `kind` (e.g. an error code) in `scope`. */
  failed(scope: Scope, kind: string): OutageFailure
  /** `scope` worked: the outage's summary when it had one (log it), else `null`. */
  recovered(scope: Scope): OutageRecovery | null
  /** Whether `scope` is in an outage (failed since it last worked). */
  failing(scope: Scope): boolean
}

interface Outage {
  startedAt: number
  attempts: number
  /** Per failure kind: when it was last logged, and how many of it were not logged since. */
  kinds: Map<string, { loggedAt: number; unlogged: number }>
}

/** Creates an {@link OutageTracker}. */
export function createOutageTracker<Scope extends string = string>(
  options: OutageTrackerOptions,
): OutageTracker<Scope> {
  const { now, intervalMs } = options
  const outages = new Map<Scope, Outage>()

  return {
    failed(scope, kind) {
      const at = now()
      let outage = outages.get(scope)
      if (outage === undefined) {
        outage = { startedAt: at, attempts: 0, kinds: new Map() }
        outages.set(scope, outage)
      }
      outage.attempts++
      const failingForMs = at - outage.startedAt
      const seen = outage.kinds.get(kind)
      if (seen !== undefined && at - seen.loggedAt < intervalMs) {
        seen.unlogged++
        return {
          log: false,
          firstOfKind: false,
          attempts: outage.attempts,
          failingForMs,
          unlogged: seen.unlogged,
        }
      }
      outage.kinds.set(kind, { loggedAt: at, unlogged: 0 })
      return {
        log: true,
        firstOfKind: seen === undefined,
        attempts: outage.attempts,
        failingForMs,
        unlogged: seen?.unlogged ?? 0,
      }
    },

    recovered(scope) {
      const outage = outages.get(scope)
      if (outage === undefined) return null
      outages.delete(scope)
      return { attempts: outage.attempts, failedForMs: now() - outage.startedAt }
    },

    failing: (scope) => outages.has(scope),
  }
}
