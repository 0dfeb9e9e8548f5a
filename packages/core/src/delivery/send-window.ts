/**
 * The bot-wide send limit (Telegram: about 30 messages in any second), counted the way Telegram counts it.
 *
 * A token bucket paces departures, but Telegram counts arrivals, and a request's network delay can push
 * 31 departures from one second into one arrival second (measured in `bench/delivery`: 1-2 global 429s
 * per 2,000 messages). This window instead lets a send leave only when fewer than `limit` sends are in
 * flight or were *answered* within the last `windowMs`: a request arrives between its departure and its
 * answer, so no arrival second can hold more than `limit`, whatever the latency. The cost is about one
 * round trip per `limit` sends.
 *
 * Written by hand: it is a few lines over an array, must run on web standards only, and rate-limit
 * libraries count departures.
 *
 * @module
 */
import type { Clock } from './clock.ts'

/** Options of {@link createSendWindow}. */
export interface SendWindowOptions {
  /** Sends allowed per window. */
  limit: number
  /** The window, in ms. Default 1000. */
  windowMs?: number
}

/** A sliding window over send answers. */
export interface SendWindow {
  /**
   * Waits for a free slot and takes it. Call the returned function when the send was answered (or
   * failed): the slot then counts for `windowMs` from that moment.
   */
  acquire(clock: Clock): Promise<() => void>
  /** Sends in flight now. */
  readonly inFlight: number
}

/**
 * Creates a send window.
 *
 * @throws {RangeError} when `limit` is not a positive integer or `windowMs` not positive.
 */
export function createSendWindow(options: SendWindowOptions): SendWindow {
  const { limit } = options
  const windowMs = options.windowMs ?? 1000
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError('send window: limit must be an integer >= 1')
  if (!(windowMs > 0)) throw new RangeError('send window: windowMs must be > 0')
  let inFlight = 0
  // Answer times, oldest first (answers are recorded as they happen, so pushes keep the order).
  const answered: number[] = []
  // Callers waiting while every slot is taken by sends in flight; all are woken by the next answer.
  let waiting: (() => void)[] = []

  function prune(now: number): void {
    while (answered.length > 0 && (answered[0] as number) <= now - windowMs) answered.shift()
  }

  return {
    get inFlight() {
      return inFlight
    },
    async acquire(clock) {
      for (;;) {
        const now = clock.now()
        prune(now)
        if (inFlight + answered.length < limit) break
        if (answered.length > 0) {
          await clock.sleep((answered[0] as number) + windowMs - now)
        } else {
          await new Promise<void>((resolve) => waiting.push(resolve))
        }
      }
      inFlight++
      let released = false
      return () => {
        if (released) return
        released = true
        inFlight--
        answered.push(clock.now())
        const woken = waiting
        waiting = []
        for (const wake of woken) wake()
      }
    },
  }
}
