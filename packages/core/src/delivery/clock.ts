/**
 * Time as the delivery engine sees it, injectable so tests can control it.
 *
 * @module
 */

/** A source of time and of waiting. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number
  /** Resolves after `ms` (at once for `ms <= 0`), or early when `signal` aborts. Never rejects. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}

/** The real clock: `Date.now()` and `setTimeout`. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep(ms, signal) {
    if (ms <= 0 || signal?.aborted) return Promise.resolve()
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', done)
        resolve()
      }
      const timer = setTimeout(done, ms)
      signal?.addEventListener('abort', done, { once: true })
    })
  },
}
