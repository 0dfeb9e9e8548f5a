/**
 * The local half of a lease whose truth lives in a store (Redis, PostgreSQL, SQLite, or your own): the
 * expiry alarm, the signal, renew and release. A store supplies only the two remote calls.
 *
 * The store's own expiry is authoritative for who may take a lease over. Locally, the lease aborts its
 * signal once its ttl has run out since the request that granted or renewed it was *sent*: the store
 * cannot have counted from any earlier moment, so the signal never aborts later than the store lets the
 * lease lapse, however long the answer took to arrive.
 *
 * @module
 */
import { type LeaseLossReason, LeaseLostError } from './errors.ts'
import { unrefTimeout } from './timer.ts'
import type { Lease } from './types.ts'

/** What the store granted: the fixed fields of a {@link Lease}. */
export interface LeaseGrant {
  /** Unique id of this grant; the store renews and frees by this id only. */
  readonly id: string
  /** The guarded name. */
  readonly name: string
  /** Who holds it. */
  readonly holder: string
  /** The store's fencing token for this grant. */
  readonly fencingToken: number
}

/** The store's answer to a renewal. */
export interface RemoteRenewal {
  /** Whether the store extended this grant. */
  renewed: boolean
  /**
   * Why it did not, when the store can tell (e.g. `taken_over` when another grant holds the name).
   * Defaults to `expired`.
   */
  lostReason?: LeaseLossReason
}

/** Options of {@link createStoreLease}. */
export interface StoreLeaseOptions {
  /** The granted lease. */
  grant: LeaseGrant
  /** How long the store keeps the lease without a renewal, in ms. */
  ttlMs: number
  /** Epoch ms on the store's clock: `expiresAt` is `clock()` when a request was sent, plus `ttlMs`. */
  clock: () => number
  /**
   * `performance.now()` taken just before the granting request was sent: the local expiry counts from
   * there, not from when the answer arrived.
   */
  sentAt: number
  /** `clock()` taken at the same moment as `sentAt`. */
  clockAtSend: number
  /**
   * Extends this grant (by its id) for `ttlMs` in the store. `clockAtSend` is the {@link clock} reading the
   * lease counts its new expiry from, for a store that keeps time on that clock. May reject on a backend
   * error: the lease is then kept as it was and the rejection passed on to the caller of `renew`.
   */
  renewRemote(clockAtSend: number): Promise<RemoteRenewal>
  /**
   * Frees this grant in the store, matching it by its id only, so a late call never frees a later grant.
   * Called at most once by `release`, and best-effort (errors ignored) after a local expiry or when a
   * renewal that was still in flight comes back after the lease was lost.
   */
  releaseRemote(): Promise<void>
  /** Called once, synchronously, when the lease ends locally (e.g. to drop it from a store's live set). */
  onEnd?(lease: StoreLease): void
}

/** A {@link Lease} from {@link createStoreLease}, which its store can also end (e.g. on `close()`). */
export interface StoreLease extends Lease {
  /**
   * Ends the lease in this process without asking the store: stops the expiry alarm and aborts the signal
   * with a {@link LeaseLostError} for `reason`. The first reason wins; later calls do nothing.
   */
  end(reason: LeaseLossReason): void
}

/**
 * Builds the local side of a lease granted by a store, with its expiry alarm armed from `sentAt`.
 *
 * - `renew()` resolves `false` without asking the store once the lease is lost. A renewal the store
 *   granted after the lease was lost locally (expired, released or ended while it was in flight) is given
 *   back with `releaseRemote`, since nobody uses the lease any more.
 * - `release()` ends the lease (reason `released`) and calls `releaseRemote` once, however often it is
 *   called.
 * - At local expiry the signal aborts with reason `expired`, and the grant is freed best-effort, so the
 *   store's `inspect` agrees with the signal without waiting for the store's own expiry.
 *
 * The alarm never keeps a process alive. Uses web standards only (`performance`, `AbortController`).
 */
export function createStoreLease(options: StoreLeaseOptions): StoreLease {
  const { grant, ttlMs, clock, renewRemote, releaseRemote, onEnd } = options
  if (!(ttlMs > 0)) throw new RangeError(`createStoreLease: ttlMs must be > 0, got ${ttlMs}`)
  const controller = new AbortController()
  let expiresAt = 0
  let alarm: ReturnType<typeof setTimeout> | undefined
  let released: Promise<void> | undefined

  // Best-effort: a failure is harmless, since the store lets the grant lapse by itself within ttl.
  async function releaseQuietly(): Promise<void> {
    try {
      await releaseRemote()
    } catch {}
  }

  function end(reason: LeaseLossReason): void {
    if (alarm !== undefined) clearTimeout(alarm)
    alarm = undefined
    if (controller.signal.aborted) return
    // The store forgets the lease before the signal's listeners run, so they see it gone.
    try {
      onEnd?.(lease)
    } finally {
      if (!controller.signal.aborted) controller.abort(new LeaseLostError(grant.name, reason))
    }
  }

  function expire(): void {
    alarm = undefined
    if (controller.signal.aborted) return
    end('expired')
    void releaseQuietly()
  }

  function extendFrom(sentAt: number, clockAtSend: number): void {
    expiresAt = clockAtSend + ttlMs
    if (alarm !== undefined) clearTimeout(alarm)
    alarm = unrefTimeout(expire, ttlMs - (performance.now() - sentAt))
  }

  const lease: StoreLease = {
    id: grant.id,
    name: grant.name,
    holder: grant.holder,
    fencingToken: grant.fencingToken,
    get expiresAt() {
      return expiresAt
    },
    signal: controller.signal,

    async renew() {
      if (controller.signal.aborted) return false
      const sentAt = performance.now()
      const clockAtSend = clock()
      const { renewed, lostReason } = await renewRemote(clockAtSend)
      if (controller.signal.aborted) {
        // Lost locally while the renewal was in flight: do not keep a grant nobody uses.
        if (renewed) await releaseQuietly()
        return false
      }
      if (!renewed) {
        end(lostReason ?? 'expired')
        return false
      }
      extendFrom(sentAt, clockAtSend)
      return true
    },

    release() {
      released ??= (async () => {
        end('released')
        await releaseRemote()
      })()
      return released
    },

    end,
  }

  extendFrom(options.sentAt, options.clockAtSend)
  return lease
}
