/**
 * Retry delays for transient failures: exponential back-off with "full jitter" (AWS Architecture Blog,
 * "Exponential Backoff And Jitter", 2015): spreading retries uniformly over the whole window keeps many
 * workers from retrying an outage in lock-step.
 *
 * @module
 */

/** Back-off settings. */
export interface BackoffOptions {
  /** Window of the first retry, in ms. Default 1000. */
  baseMs?: number
  /** Largest window, in ms. Default 300000 (5 minutes). */
  capMs?: number
}

/** Default {@link BackoffOptions}. */
export const defaultBackoff: Required<BackoffOptions> = { baseMs: 1000, capMs: 300_000 }

/**
 * The upper bound of the delay before retry number `attempt`: `min(cap, base * 2^(attempt-1))`.
 *
 * @param attempt 1 for the first retry, 2 for the second...
 */
export function backoffWindowMs(attempt: number, options: BackoffOptions = {}): number {
  const { baseMs, capMs } = { ...defaultBackoff, ...options }
  const exponent = Math.max(0, Math.min(attempt - 1, 52))
  return Math.min(capMs, baseMs * 2 ** exponent)
}

/**
 * A delay drawn uniformly from `[0, window)` of {@link backoffWindowMs}, rounded to whole ms.
 *
 * @param attempt 1 for the first retry, 2 for the second...
 * @param random A `[0, 1)` source, `Math.random` by default (injected by tests).
 */
export function backoffDelayMs(
  attempt: number,
  options: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  return Math.floor(random() * backoffWindowMs(attempt, options))
}
