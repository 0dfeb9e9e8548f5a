/**
 * The client-side limit of KeyCRM's API (60 requests per minute per key): requests wait in line for a slot
 * instead of failing, and a 429 with `Retry-After` pauses the whole line, since every request shares the key.
 *
 * A sliding window (the start times of the last `limit` requests) rather than a token bucket: KeyCRM counts
 * requests per minute, and a bucket refilled continuously would let a full burst follow a full minute.
 *
 * The line is served by priority (`action`: a person pressed a button and waits; `enrich`: a notification
 * is being rendered; `products`: names for stock alerts), first come first served within one. With
 * `shared`, the window is a budget in the store that every process with the same key counts in, and lower
 * priorities leave a share of it to higher ones (see `budgets/priority.ts`); if the store fails, the
 * request goes by this process's own window.
 *
 * @module
 */
import type { BudgetPriority } from '../budgets/priority.ts'
import { reserveFor } from '../budgets/priority.ts'
import type { RateBudgetStore } from '../budgets/types.ts'
import type { Clock } from '../delivery/clock.ts'

/** Who waits for a KeyCRM request, most urgent first. */
export type KeycrmPriority = 'action' | 'enrich' | 'products'

const PRIORITY_ORDER: readonly KeycrmPriority[] = ['action', 'enrich', 'products']
const BUDGET_PRIORITY: Readonly<Record<KeycrmPriority, BudgetPriority>> = {
  action: 'high',
  enrich: 'normal',
  products: 'low',
}

/** Options of {@link createRequestLimiter}. */
export interface RequestLimiterOptions {
  /** Requests allowed per window. Default 60. */
  limit?: number
  /** The window, in ms. Default 60 000. */
  windowMs?: number
  clock: Clock
  /**
   * Shares the window with every process using the same store and key (`await keycrmBudgetKey(apiKey)`).
   * `key` may be a promise (it is hashed asynchronously).
   */
  shared?: { budgets: RateBudgetStore; key: string | Promise<string>; onError?: (error: unknown) => void }
  /** Longest sleep between two takes of a shared budget, in ms. Default 250. */
  sharedPollMs?: number
}

/** A line of requests sharing one rate limit, served by priority. */
export interface RequestLimiter {
  /**
   * Resolves when the caller may send one request (the slot is then used up). Rejects with the signal's
   * reason when `signal` aborts first; the caller then leaves the line and uses no slot. `priority`
   * defaults to `enrich`.
   */
  acquire(signal?: AbortSignal, priority?: KeycrmPriority): Promise<void>
  /** Holds every request until `untilMs` (epoch ms), e.g. after a 429 with `Retry-After`. */
  pauseUntil(untilMs: number): void
  /** Requests waiting in line now. */
  readonly waiting: number
}

interface Waiter {
  priority: KeycrmPriority
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
  const { clock, shared } = options
  const sharedPollMs = options.sharedPollMs ?? 250
  const starts: number[] = []
  const lines: Record<KeycrmPriority, Waiter[]> = { action: [], enrich: [], products: [] }
  let pausedUntil = 0
  let pumping = false
  // Wakes the pump early when a waiter joins or leaves or a pause changes, so it never sleeps on stale state.
  let wake = new AbortController()

  function localWaitMs(now: number): number {
    while (starts.length > 0 && starts[0]! <= now - windowMs) starts.shift()
    return starts.length >= limit ? starts[0]! + windowMs - now : 0
  }

  function nextWaiter(): Waiter | undefined {
    for (const priority of PRIORITY_ORDER) if (lines[priority].length > 0) return lines[priority][0]
    return undefined
  }

  /** 0 when `next` may go now, else how long to sleep before asking again. */
  async function waitFor(next: Waiter): Promise<number> {
    const now = clock.now()
    if (pausedUntil > now) return pausedUntil - now
    if (shared === undefined) return localWaitMs(now)
    try {
      const taken = await shared.budgets.take({
        key: await shared.key,
        limit,
        windowMs,
        reserve: reserveFor(BUDGET_PRIORITY[next.priority], limit),
        now,
      })
      return taken.granted ? 0 : Math.min(taken.retryAfterMs, sharedPollMs)
    } catch (error) {
      shared.onError?.(error)
      return localWaitMs(clock.now())
    }
  }

  async function pump(): Promise<void> {
    if (pumping) return
    pumping = true
    try {
      for (let next = nextWaiter(); next !== undefined; next = nextWaiter()) {
        const wait = await waitFor(next)
        if (wait > 0) {
          await clock.sleep(wait, wake.signal)
          if (wake.signal.aborted) wake = new AbortController()
          continue
        }
        // `next` may have left the line (aborted) while a shared slot was taken for it: the slot then goes
        // to whoever is first now.
        const served = lines[next.priority].includes(next) ? next : nextWaiter()
        if (served === undefined) break
        const line = lines[served.priority]
        line.splice(line.indexOf(served), 1)
        served.signal?.removeEventListener('abort', served.onAbort)
        starts.push(clock.now())
        served.resolve()
      }
    } finally {
      pumping = false
    }
  }

  return {
    acquire(signal, priority = 'enrich') {
      if (signal?.aborted) return Promise.reject(signal.reason)
      return new Promise<void>((resolve, reject) => {
        const line = lines[priority]
        const waiter: Waiter = {
          priority,
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
        // A more urgent request must not sleep behind a less urgent one's wait.
        if (pumping && nextWaiter() === waiter) wake.abort()
        void pump()
      })
    },
    pauseUntil(untilMs) {
      if (untilMs > pausedUntil) pausedUntil = untilMs
    },
    get waiting() {
      return lines.action.length + lines.enrich.length + lines.products.length
    },
  }
}
