/**
 * The decision every budget store makes, written once for the stores that run in JavaScript (memory) and
 * mirrored by the Lua and SQL of the others.
 *
 * @module
 */

/**
 * Whether a take is granted given the expiry times of the slots that still count (ascending, all after
 * `now`), and if not, in how many ms the slot that makes room expires.
 *
 * A take with `reserve` r is granted while `count < limit - r`. Otherwise `count - (limit - r) + 1` slots
 * must expire first: the one at index `count - limit + r` of the ascending list.
 */
export function decideTake(
  expiries: readonly number[],
  limit: number,
  reserve: number,
  now: number,
): { granted: true } | { granted: false; retryAfterMs: number } {
  const allowed = Math.max(0, limit - reserve)
  if (expiries.length < allowed) return { granted: true }
  // With allowed = 0 (reserve >= limit) nothing frees room; wait a whole slot's life as a polite default.
  const index = Math.min(expiries.length - 1, expiries.length - allowed)
  const expiry = expiries[index] ?? now + 1
  return { granted: false, retryAfterMs: Math.max(1, Math.ceil(expiry - now)) }
}

/** Checks the numbers of a take (stores call it before touching their data). */
export function checkTakeInput(input: { limit: number; windowMs: number; reserve: number }): void {
  if (!Number.isInteger(input.limit) || input.limit < 1)
    throw new RangeError('rate budget: limit must be an integer >= 1')
  if (!(input.windowMs > 0)) throw new RangeError('rate budget: windowMs must be > 0')
  if (!Number.isInteger(input.reserve) || input.reserve < 0 || input.reserve >= input.limit)
    throw new RangeError('rate budget: reserve must be an integer in [0, limit)')
}
