/**
 * The delivery worker's idle wait: sleep until the next poll, or until the store says a job was enqueued
 * ({@link QueueStore.onEnqueued}), so a lone notification goes out in milliseconds instead of waiting for
 * the poll. The poll stays: a lost notice costs one poll interval, nothing more.
 *
 * @module
 */
import type { Clock } from './clock.ts'
import type { QueueStore } from './types.ts'

/** Options of {@link createIdleWait}. */
export interface IdleWaitOptions {
  clock: Clock
  /** The queue to listen to; `null` (or a queue without `onEnqueued`) makes every wait a plain sleep. */
  queue: Pick<QueueStore, 'onEnqueued'> | null
  /** Ends every wait at once (the worker stopping). */
  stop: AbortSignal
  /**
   * The least time between two waits that a notice ended, in ms. A burst of enqueues for a chat that is
   * still paced (its `notBefore` ahead) would otherwise cost a claim per enqueue; with it, at most one
   * claim per gap. Default {@link DEFAULT_WAKE_GAP_MS}.
   */
  minWakeGapMs?: number
}

/** Default {@link IdleWaitOptions.minWakeGapMs}: small against the 50 ms a lone notification may take. */
export const DEFAULT_WAKE_GAP_MS: number = 5

/** The worker's idle wait; see {@link createIdleWait}. */
export interface IdleWait {
  /**
   * Waits up to `ms`. With `wakeable`, ends early when a job is enqueued, or at once when one was enqueued
   * since the last wait (while the worker was busy claiming, so that claim may have missed it). Back-off
   * waits (a global 429, a failing store) pass `wakeable: false`: new work does not make them shorter.
   */
  wait(ms: number, wakeable: boolean): Promise<void>
  /** Stops listening. */
  close(): void
}

/** Creates the idle wait of one worker run; {@link IdleWait.close} it when the run ends. */
export function createIdleWait(options: IdleWaitOptions): IdleWait {
  const { clock, stop } = options
  const minGapMs = options.minWakeGapMs ?? DEFAULT_WAKE_GAP_MS
  let pending = false
  let sleeping: AbortController | null = null
  let lastWakeAt = Number.NEGATIVE_INFINITY

  function hear(): void {
    if (sleeping === null) pending = true
    else sleeping.abort()
  }
  const unsubscribe = options.queue?.onEnqueued?.(hear) ?? null

  // The sleep ends on a notice or on stop; the listener on `stop` is removed afterwards, since the
  // worker's signal outlives thousands of waits.
  async function sleepUntilNotice(ms: number): Promise<boolean> {
    const controller = new AbortController()
    const onStop = () => controller.abort()
    stop.addEventListener('abort', onStop, { once: true })
    sleeping = controller
    try {
      await clock.sleep(ms, controller.signal)
    } finally {
      sleeping = null
      stop.removeEventListener('abort', onStop)
    }
    return controller.signal.aborted && !stop.aborted
  }

  return {
    async wait(ms, wakeable) {
      if (stop.aborted) return
      if (!wakeable || unsubscribe === null) return clock.sleep(ms, stop)
      const started = clock.now()
      const woken = pending || (await sleepUntilNotice(ms))
      pending = false
      if (!woken) return
      const gapLeft = Math.min(lastWakeAt + minGapMs, started + ms) - clock.now()
      if (gapLeft > 0) await clock.sleep(gapLeft, stop)
      lastWakeAt = clock.now()
    },
    close() {
      unsubscribe?.()
    },
  }
}
