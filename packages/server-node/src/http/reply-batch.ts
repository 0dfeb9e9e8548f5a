/**
 * Answers that leave together at the end of the event-loop turn.
 *
 * Each answer is one write, and a write to a peer that is waiting asleep (nginx on the same host, or a
 * load generator) also pays for waking it: on a virtual machine a profile of the webhook server at ~10k
 * requests/s showed the `writev` of an answer costing ~25 µs, against ~5.5 µs for the same write when the
 * peer is busy anyway. Requests that arrive together are read in one turn of the loop; writing their
 * answers one after another at the end of that turn wakes the peer once for the lot instead of once per
 * answer. A lone request waits for nothing: its answer goes out in the same turn (`setImmediate` runs
 * right after the poll phase that read it).
 *
 * @module
 */
import type { ServerResponse } from 'node:http'

/** Queues `reply` for `res`; it is written, with the others of this turn, at the end of the turn. */
export type QueueReply<Reply> = (res: ServerResponse, reply: Reply) => void

/**
 * Creates a batch over `write`. A write that throws (the response can no longer be written) destroys that
 * response with the error and does not stop the others.
 */
export function createReplyBatch<Reply>(
  write: (res: ServerResponse, reply: Reply) => void,
): QueueReply<Reply> {
  let pending: [ServerResponse, Reply][] = []
  const flush = () => {
    const batch = pending
    pending = []
    for (const [res, reply] of batch) {
      try {
        write(res, reply)
      } catch (error) {
        res.destroy(error instanceof Error ? error : undefined)
      }
    }
  }
  return (res, reply) => {
    if (pending.push([res, reply]) === 1) setImmediate(flush)
  }
}
