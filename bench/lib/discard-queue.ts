/**
 * A queue that accepts every enqueue and keeps nothing: no job, no dedupe record. No real store can cost
 * less, so a server or pipeline measured with it shows the ceiling of everything but the storing, the
 * part of a webhook's cost that grows with the backlog a store holds.
 *
 * @module
 */
import type { QueueStore } from '../../packages/core/src/index.ts'

/** `queue` with an `enqueue` that accepts and discards (every other call is `queue`'s own). */
export function discardingQueue(queue: QueueStore): QueueStore {
  return {
    ...queue,
    enqueue: async ({ jobs }) => ({ accepted: true, jobIds: jobs.map(() => '') }),
  }
}
