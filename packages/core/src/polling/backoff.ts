/**
 * Retry delays of the poller: exponential with bounded jitter, so many instances spread their retries but a
 * retry never comes sooner than half its window (no tight loop even with an unlucky random source).
 *
 * @module
 */
import { backoffWindowMs } from '../delivery/backoff.ts'
import type { PollingBackoffOptions } from './types.ts'

/** Default back-off after a 409 Conflict: 1 s doubling up to a minute. */
export const defaultConflictBackoff: Required<PollingBackoffOptions> = {
  baseMs: 1000,
  capMs: 60_000,
  jitter: 0.5,
}

/** Default back-off after a 5xx, a network error or a guard failure: 1 s doubling up to 30 s. */
export const defaultErrorBackoff: Required<PollingBackoffOptions> = {
  baseMs: 1000,
  capMs: 30_000,
  jitter: 0.5,
}

/**
 * Fills in defaults and checks the numbers.
 *
 * @throws RangeError for a non-positive base, a cap below the base, or a jitter outside 0..1.
 */
export function resolvePollingBackoff(
  what: string,
  options: PollingBackoffOptions | undefined,
  defaults: Required<PollingBackoffOptions>,
): Required<PollingBackoffOptions> {
  const resolved = { ...defaults, ...options }
  if (!(resolved.baseMs > 0)) throw new RangeError(`${what}.baseMs must be > 0, got ${resolved.baseMs}`)
  if (!(resolved.capMs >= resolved.baseMs)) {
    throw new RangeError(`${what}.capMs must be >= baseMs (${resolved.baseMs}), got ${resolved.capMs}`)
  }
  if (!(resolved.jitter >= 0 && resolved.jitter <= 1)) {
    throw new RangeError(`${what}.jitter must be within 0..1, got ${resolved.jitter}`)
  }
  return resolved
}

/**
 * The delay before retry number `attempt` (1 for the first): drawn from `[w * (1 - jitter), w]` where
 * `w = min(cap, base * 2^(attempt - 1))`.
 *
 * @param random A `[0, 1)` source.
 */
export function pollingBackoffDelayMs(
  attempt: number,
  options: Required<PollingBackoffOptions>,
  random: () => number,
): number {
  const window = backoffWindowMs(attempt, { baseMs: options.baseMs, capMs: options.capMs })
  return Math.round(window * (1 - options.jitter * random()))
}
