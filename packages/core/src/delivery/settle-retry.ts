/**
 * Settling a claim is the one write that records what was sent: if it is dropped, the claim's lease runs
 * out and the whole claim (a 50-order summary) is sent again. So a settle the store refuses (a full disk,
 * a dropped connection) is retried, with a short capped back-off, while the worker keeps the claim.
 *
 * @module
 */
import type { Clock } from './clock.ts'
import type { ClaimedChat, QueueStore, SettleInput } from './types.ts'

/** First wait before retrying a settle, in ms; doubled per failure up to {@link SETTLE_RETRY_MAX_MS}. */
export const SETTLE_RETRY_FIRST_MS = 100
/** Longest wait between settle retries, in ms: the chat is served again soon after the store recovers. */
export const SETTLE_RETRY_MAX_MS = 2000
/** Retries left once the worker is stopping, so a dead store cannot hold a shutdown forever. */
export const SETTLE_RETRIES_WHEN_STOPPING = 5

/** Options of {@link settleWithRetry}. */
export interface SettleRetryOptions {
  clock: Pick<Clock, 'sleep'>
  /** Whether the worker is stopping (then only {@link SETTLE_RETRIES_WHEN_STOPPING} more tries). */
  stopping: () => boolean
  /** Reports a failure; called for the first and then every tenth, so a long outage does not flood the log. */
  onFailure: (error: unknown, failures: number, retryInMs: number) => void
}

/**
 * Settles `claim`, retrying while the store throws. Resolves whether the store recorded it: `false` when
 * the claim was lost (taken over after its lease) or the worker gave up while stopping.
 */
export async function settleWithRetry(
  queue: Pick<QueueStore, 'settle'>,
  claim: ClaimedChat,
  outcome: SettleInput,
  options: SettleRetryOptions,
): Promise<boolean> {
  let whileStopping = 0
  for (let failures = 1; ; failures++) {
    try {
      return (await queue.settle(claim.chatId, claim.claimToken, outcome)).ok
    } catch (error) {
      const retryInMs = Math.min(SETTLE_RETRY_MAX_MS, SETTLE_RETRY_FIRST_MS * 2 ** (failures - 1))
      if (options.stopping() && ++whileStopping > SETTLE_RETRIES_WHEN_STOPPING) {
        options.onFailure(error, failures, -1)
        return false
      }
      if (failures === 1 || failures % 10 === 0) options.onFailure(error, failures, retryInMs)
      await options.clock.sleep(retryInMs)
    }
  }
}
