import type { Clock } from '../../src/delivery/clock.ts'

/**
 * A clock the test moves; sleeping advances it after a macrotask turn, so the continuations of whatever
 * was released before the sleep run at the time they were released. An aborted sleep does not advance.
 */
export function manualClock(start = 1_700_000_000_000): Clock & { t: number; slept: number[] } {
  const clock = {
    t: start,
    slept: [] as number[],
    now: () => clock.t,
    sleep: async (ms: number, signal?: AbortSignal) => {
      await new Promise((resolve) => setTimeout(resolve, 0))
      if (signal?.aborted) return
      clock.slept.push(ms)
      clock.t += Math.max(0, ms)
    },
  }
  return clock
}
