/**
 * The deadline of every store operation a caller waits on: a KeyCRM webhook's enqueue, `/readyz`'s check,
 * a CLI command's first contact with the store. Whatever the store and whatever its client does while the
 * store is down (ioredis queues and retries, a TCP connect to a dead host hangs), the caller hears within it.
 *
 * @module
 */

/**
 * How long a webhook waits for the store to queue it, and a CLI command for the store to answer, in ms.
 * Past it the webhook is answered `503 store_unavailable` (KeyCRM retries it; an enqueue that still lands
 * afterwards makes the retry a `duplicate`, never a second notification).
 */
export const STORE_DEADLINE_MS = 2500

/** The error a store operation fails with when it does not settle within its deadline. */
export class StoreDeadlineError extends Error {
  override readonly name = 'TimeoutError'
  /** The deadline that passed, in ms. */
  readonly deadlineMs: number

  constructor(deadlineMs: number) {
    super(`the store did not answer within ${deadlineMs} ms`)
    this.deadlineMs = deadlineMs
  }
}

/**
 * Resolves `promise`, or rejects with {@link StoreDeadlineError} after `ms`. A later rejection of
 * `promise` is absorbed (the race has handled it), so an abandoned operation never becomes an unhandled
 * rejection.
 */
export function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  // One promise and one timer per call (no race, no finally): this runs once per webhook.
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new StoreDeadlineError(ms)), ms)
    promise.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error)
      },
    )
  })
}
