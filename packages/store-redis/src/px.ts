/**
 * Conversion of millisecond durations for Redis `PX`/`PEXPIRE`.
 *
 * @module
 */

/** Redis `PX` takes a positive integer; shorter or fractional durations are rounded up. */
export function toPx(ms: number): number {
  return Math.max(1, Math.ceil(ms))
}
