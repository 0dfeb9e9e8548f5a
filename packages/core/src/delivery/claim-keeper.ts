/**
 * Keeps a worker's claims alive while it sends and settles: a claim's lease is short (a crashed worker's
 * chats are taken over soon after), so a live worker renews it every third of the lease.
 *
 * @module
 */
import type { ChatId, ClaimedChat, QueueStore } from './types.ts'

/** Options of {@link createClaimKeeper}. */
export interface ClaimKeeperOptions {
  queue: Pick<QueueStore, 'renew'>
  /** The lease each renewal grants, in ms. */
  leaseMs: number
  /** Epoch ms (the worker's clock). */
  now: () => number
  /** A renewal found the claim settled or taken over: the chat is someone else's now. */
  onLost: (chatId: ChatId) => void
  /** A renewal failed (the store did not answer); the next tick tries again. */
  onError: (chatId: ChatId, error: unknown) => void
}

/** Renews the claims it holds, on a timer that runs only while it holds any. */
export interface ClaimKeeper {
  hold(claim: ClaimedChat): void
  release(claim: ClaimedChat): void
  /** Claims held now. */
  readonly size: number
}

/**
 * Creates a {@link ClaimKeeper}. The timer is real time (leases are wall-clock time in the store) and does
 * not keep the process alive. Without `queue.renew` (an older store) it does nothing: claims then hold for
 * the whole lease they were taken with.
 */
export function createClaimKeeper(options: ClaimKeeperOptions): ClaimKeeper {
  const renew = options.queue.renew?.bind(options.queue)
  const held = new Map<string, ClaimedChat>()
  const renewing = new Set<string>()
  const everyMs = Math.max(20, Math.floor(options.leaseMs / 3))
  let timer: ReturnType<typeof setInterval> | null = null

  async function renewOne(key: string, claim: ClaimedChat): Promise<void> {
    // A renewal still waiting on a slow store is not stacked with another.
    if (renew === undefined || renewing.has(key)) return
    renewing.add(key)
    try {
      const { ok } = await renew(claim.chatId, claim.claimToken, {
        now: options.now(),
        leaseMs: options.leaseMs,
      })
      if (!ok && held.delete(key)) options.onLost(claim.chatId)
    } catch (error) {
      if (held.has(key)) options.onError(claim.chatId, error)
    } finally {
      renewing.delete(key)
    }
  }

  function tick(): void {
    for (const [key, claim] of held) void renewOne(key, claim)
  }

  return {
    hold(claim) {
      if (renew === undefined) return
      held.set(keyOf(claim), claim)
      if (timer === null) {
        timer = setInterval(tick, everyMs)
        ;(timer as { unref?: () => void }).unref?.()
      }
    },
    release(claim) {
      held.delete(keyOf(claim))
      if (held.size === 0 && timer !== null) {
        clearInterval(timer)
        timer = null
      }
    },
    get size() {
      return held.size
    },
  }
}

function keyOf(claim: ClaimedChat): string {
  return `${claim.chatId}\u0000${claim.claimToken}`
}
