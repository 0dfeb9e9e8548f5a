/**
 * A token bucket for the bot-wide send rate (Telegram: about 30 messages/s overall).
 *
 * Written by hand on purpose: it is a dozen lines of arithmetic, it must run on web standards only, and the
 * libraries that do this (bottleneck, limiter) bring timers, Node APIs or Redis along.
 *
 * @module
 */
import type { Clock } from './clock.ts'

/** A token bucket. Time is passed in, so it is pure and testable. */
export interface TokenBucket {
  /** Takes a token if one is there and resolves 0; otherwise takes nothing and returns the ms to wait. */
  tryTake(now: number): number
}

/** Options of {@link createTokenBucket}. */
export interface TokenBucketOptions {
  /** Tokens added per second. */
  ratePerSecond: number
  /** Most tokens held at once, i.e. the largest instant burst. Default: `ratePerSecond`. */
  capacity?: number
  /** Epoch ms the bucket starts (full) at. Default: the first `tryTake` time. */
  start?: number
}

/**
 * Creates a bucket that starts full and refills continuously at `ratePerSecond`.
 *
 * @throws {RangeError} when the rate or capacity is not a positive number.
 */
export function createTokenBucket(options: TokenBucketOptions): TokenBucket {
  const rate = options.ratePerSecond
  const capacity = options.capacity ?? rate
  if (!(rate > 0) || !Number.isFinite(rate)) throw new RangeError('token bucket: ratePerSecond must be > 0')
  if (!(capacity >= 1) || !Number.isFinite(capacity))
    throw new RangeError('token bucket: capacity must be >= 1')
  let tokens = capacity
  let last = options.start ?? Number.NaN

  return {
    tryTake(now) {
      if (Number.isNaN(last)) last = now
      // A clock that steps back must not mint tokens nor stall the bucket.
      if (now > last) {
        tokens = Math.min(capacity, tokens + ((now - last) * rate) / 1000)
        last = now
      }
      if (tokens >= 1) {
        tokens -= 1
        return 0
      }
      return Math.max(1, Math.ceil(((1 - tokens) * 1000) / rate))
    },
  }
}

/** Waits until `bucket` grants a token. */
export async function takeToken(bucket: TokenBucket, clock: Clock): Promise<void> {
  for (;;) {
    const waitMs = bucket.tryTake(clock.now())
    if (waitMs === 0) return
    await clock.sleep(waitMs)
  }
}
