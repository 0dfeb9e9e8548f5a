/**
 * Waiting on the fake Bot API for a poller's own long poll.
 */
import type { FakeBotApi } from '@keygram/testing'

/**
 * Resolves once a `getUpdates` that arrived at or after `since` is still waiting: the poller started then
 * is long-polling. (`hasPendingPoll` alone may see the poll of a process an earlier test stopped, which the
 * fake keeps pending until its timeout, and which the new poller's first request ends with a 409.)
 */
export async function waitForOwnPoll(fake: FakeBotApi, since: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  const waiting = () =>
    fake.hasPendingPoll &&
    fake.calls.some((call) => call.method === 'getUpdates' && call.at >= since && call.status === null)
  while (!waiting()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the poller to long-poll')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
