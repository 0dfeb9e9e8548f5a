import type { Clock } from '../../src/delivery/clock.ts'

/** A clock whose sleepers wake only when the test moves time past their deadline. */
export function fakeTimerClock(start: number) {
  let now = start
  const sleepers: { until: number; resolve: () => void }[] = []
  const settle = async () => {
    // Lets woken code run its store calls (promise chains) before the test looks.
    for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setTimeout(resolve, 0))
  }
  const clock: Clock & { advanceTo(time: number): Promise<void>; settle(): Promise<void>; sleepers: number } =
    {
      now: () => now,
      sleep(ms, signal) {
        if (ms <= 0 || signal?.aborted) return Promise.resolve()
        return new Promise<void>((resolve) => {
          const sleeper = { until: now + ms, resolve }
          sleepers.push(sleeper)
          signal?.addEventListener(
            'abort',
            () => {
              const index = sleepers.indexOf(sleeper)
              if (index >= 0) sleepers.splice(index, 1)
              resolve()
            },
            { once: true },
          )
        })
      },
      async advanceTo(time) {
        for (;;) {
          sleepers.sort((a, b) => a.until - b.until)
          const next = sleepers[0]
          if (next === undefined || next.until > time) break
          sleepers.shift()
          now = Math.max(now, next.until)
          next.resolve()
          await settle()
        }
        now = Math.max(now, time)
        await settle()
      },
      settle,
      get sleepers() {
        return sleepers.length
      },
    }
  return clock
}
