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
/**
 * How long a settle is retried at most, in ms. The worker's round waits for it, so a settle that can never
 * succeed (a bug, not a full disk) must not stop delivery for good: after this, the claim is left to expire
 * and its chat is served again (the message in flight may repeat, once).
 */
export const SETTLE_RETRY_GIVE_UP_MS = 5 * 60_000

/** Options of {@link settleWithRetry}. */
export interface SettleRetryOptions {
  clock: Pick<Clock, 'now' | 'sleep'>
  /** Whether the worker is stopping (then only {@link SETTLE_RETRIES_WHEN_STOPPING} more tries). */
  stopping: () => boolean
  /** Reports a failure; called for the first and then every tenth, so a long outage does not flood the log. */
  onFailure: (error: unknown, failures: number, retryInMs: number) => void
}

/**
 * Settles `claim`, retrying while the store throws. Resolves `settled`, `lost` (the claim was taken over
 * after its lease: the store ignored the outcome) or `gave_up` (the worker is stopping, or
 * {@link SETTLE_RETRY_GIVE_UP_MS} passed).
 */
export async function settleWithRetry(
  queue: Pick<QueueStore, 'settle'>,
  claim: ClaimedChat,
  outcome: SettleInput,
  options: SettleRetryOptions,
): Promise<'settled' | 'lost' | 'gave_up'> {
  let whileStopping = 0
  const startedAt = options.clock.now()
  for (let failures = 1; ; failures++) {
    try {
      return (await queue.settle(claim.chatId, claim.claimToken, outcome)).ok ? 'settled' : 'lost'
    } catch (error) {
      const retryInMs = Math.min(SETTLE_RETRY_MAX_MS, SETTLE_RETRY_FIRST_MS * 2 ** (failures - 1))
      const stopped = options.stopping() && ++whileStopping > SETTLE_RETRIES_WHEN_STOPPING
      if (stopped || options.clock.now() - startedAt >= SETTLE_RETRY_GIVE_UP_MS) {
        options.onFailure(error, failures, -1)
        return 'gave_up'
      }
      if (failures === 1 || failures % 10 === 0) options.onFailure(error, failures, retryInMs)
      await options.clock.sleep(retryInMs)
    }
  }
}
