/**
 * The client-side limit of KeyCRM's API (60 requests per minute per key): requests wait in line for a slot
 * instead of failing, and a 429 with `Retry-After` pauses the whole line, since every request shares the key.
 *
 * A sliding window (the start times of the last `limit` requests) rather than a token bucket: KeyCRM counts
 * requests per minute, and a bucket refilled continuously would let a full burst follow a full minute.
 *
 * @module
 */
import type { Clock } from '../delivery/clock.ts'

/** Options of {@link createRequestLimiter}. */
export interface RequestLimiterOptions {
  /** Requests allowed per window. Default 60. */
  limit?: number
  /** The window, in ms. Default 60 000. */
  windowMs?: number
  clock: Clock
}

/** A FIFO line of requests sharing one rate limit. */
export interface RequestLimiter {
  /**
   * Resolves when the caller may send one request (the slot is then used up). Rejects with the signal's
   * reason when `signal` aborts first; the caller then leaves the line and uses no slot.
   */
  acquire(signal?: AbortSignal): Promise<void>
  /** Holds every request until `untilMs` (epoch ms), e.g. after a 429 with `Retry-After`. */
  pauseUntil(untilMs: number): void
  /** Requests waiting in line now. */
  readonly waiting: number
}

interface Waiter {
  resolve: () => void
  reject: (reason: unknown) => void
  signal: AbortSignal | undefined
  onAbort: () => void
}

/**
 * Creates a limiter.
 *
 * @throws {RangeError} for a limit below 1 or a window not > 0.
 */
export function createRequestLimiter(options: RequestLimiterOptions): RequestLimiter {
  const limit = options.limit ?? 60
  const windowMs = options.windowMs ?? 60_000
  if (!(limit >= 1) || !Number.isInteger(limit))
    throw new RangeError('request limiter: limit must be an integer >= 1')
  if (!(windowMs > 0)) throw new RangeError('request limiter: windowMs must be > 0')
  const { clock } = options
  const starts: number[] = []
  const line: Waiter[] = []
  let pausedUntil = 0
  let pumping = false
  // Wakes the pump early when a waiter leaves or a pause changes, so it never sleeps on stale state.
  let wake = new AbortController()

  function waitMs(now: number): number {
    while (starts.length > 0 && starts[0]! <= now - windowMs) starts.shift()
    const windowWait = starts.length >= limit ? starts[0]! + windowMs - now : 0
    return Math.max(0, pausedUntil - now, windowWait)
  }

  async function pump(): Promise<void> {
    if (pumping) return
    pumping = true
    try {
      while (line.length > 0) {
        const wait = waitMs(clock.now())
        if (wait > 0) {
          await clock.sleep(wait, wake.signal)
          if (wake.signal.aborted) wake = new AbortController()
          continue
        }
        const next = line.shift()!
        next.signal?.removeEventListener('abort', next.onAbort)
        starts.push(clock.now())
        next.resolve()
      }
    } finally {
      pumping = false
    }
  }

  return {
    acquire(signal) {
      if (signal?.aborted) return Promise.reject(signal.reason)
      return new Promise<void>((resolve, reject) => {
        const waiter: Waiter = {
          resolve,
          reject,
          signal,
          onAbort: () => {
            const index = line.indexOf(waiter)
            if (index >= 0) line.splice(index, 1)
            reject(signal?.reason)
            wake.abort()
          },
        }
        signal?.addEventListener('abort', waiter.onAbort, { once: true })
        line.push(waiter)
        void pump()
      })
    },
    pauseUntil(untilMs) {
      if (untilMs > pausedUntil) pausedUntil = untilMs
    },
    get waiting() {
      return line.length
    },
  }
}
