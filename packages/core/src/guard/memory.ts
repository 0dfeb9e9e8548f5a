/**
 * The in-process single-instance guard: enough for one process (tests, single-instance deploys), and the
 * reference the conformance suite is checked against.
 *
 * @module
 */
import { type LeaseLossReason, LeaseLostError } from './errors.ts'
import { unrefTimeout } from './timer.ts'
import type { AcquireOptions, Lease, LeaseInfo, SingleInstanceGuard } from './types.ts'

/** Options of {@link memoryGuard}. */
export interface MemoryGuardOptions {
  /** Epoch milliseconds; defaults to `Date.now`. */
  clock?: () => number
}

/** A {@link SingleInstanceGuard} living in process memory. */
export interface MemoryGuard extends SingleInstanceGuard {
  /** Ends every live lease (their signals abort with reason `closed`) and clears the expiry timers. */
  close(): void
}

interface Grant {
  readonly id: string
  readonly name: string
  readonly holder: string
  readonly fencingToken: number
  readonly ttl: number
  expiresAt: number
  readonly controller: AbortController
  timer: ReturnType<typeof setTimeout> | undefined
}

/** Creates an in-memory guard. Leases of different guards never see each other. */
export function memoryGuard(options: MemoryGuardOptions = {}): MemoryGuard {
  const clock = options.clock ?? Date.now
  const grants = new Map<string, Grant>()
  // Kept after a grant ends so tokens keep increasing across releases and expiries.
  const lastToken = new Map<string, number>()

  function end(grant: Grant, reason: LeaseLossReason): void {
    if (grants.get(grant.name) === grant) grants.delete(grant.name)
    if (grant.timer !== undefined) clearTimeout(grant.timer)
    grant.timer = undefined
    if (!grant.controller.signal.aborted) grant.controller.abort(new LeaseLostError(grant.name, reason))
  }

  function isLive(grant: Grant): boolean {
    return grants.get(grant.name) === grant && clock() < grant.expiresAt
  }

  // The signal must abort at expiry even when nobody calls into the guard. With an injected clock the
  // timer may fire early by that clock, so it re-arms until the clock agrees.
  function armExpiry(grant: Grant): void {
    if (grant.timer !== undefined) clearTimeout(grant.timer)
    grant.timer = unrefTimeout(() => {
      grant.timer = undefined
      if (grants.get(grant.name) !== grant) return
      if (clock() >= grant.expiresAt) end(grant, 'expired')
      else armExpiry(grant)
    }, grant.expiresAt - clock())
  }

  function leaseOf(grant: Grant): Lease {
    return {
      id: grant.id,
      name: grant.name,
      holder: grant.holder,
      fencingToken: grant.fencingToken,
      get expiresAt() {
        return grant.expiresAt
      },
      signal: grant.controller.signal,
      async renew() {
        if (!isLive(grant)) {
          // Already ended (released, taken over) or past its expiry with the timer not yet fired.
          end(grant, 'expired')
          return false
        }
        grant.expiresAt = clock() + grant.ttl
        armExpiry(grant)
        return true
      },
      async release() {
        end(grant, 'released')
      },
    }
  }

  return {
    async acquire({ name, ttl, holder }: AcquireOptions): Promise<Lease | null> {
      if (!(ttl > 0)) throw new RangeError(`acquire: ttl must be a positive number of ms, got ${ttl}`)
      const now = clock()
      const current = grants.get(name)
      if (current !== undefined) {
        if (now < current.expiresAt) return null
        end(current, 'expired')
      }
      const fencingToken = (lastToken.get(name) ?? 0) + 1
      lastToken.set(name, fencingToken)
      const grant: Grant = {
        id: crypto.randomUUID(),
        name,
        holder: holder ?? crypto.randomUUID(),
        fencingToken,
        ttl,
        expiresAt: now + ttl,
        controller: new AbortController(),
        timer: undefined,
      }
      grants.set(name, grant)
      armExpiry(grant)
      return leaseOf(grant)
    },

    async inspect(name: string): Promise<LeaseInfo | null> {
      const grant = grants.get(name)
      if (grant === undefined) return null
      if (clock() >= grant.expiresAt) {
        end(grant, 'expired')
        return null
      }
      return { name, holder: grant.holder, fencingToken: grant.fencingToken, expiresAt: grant.expiresAt }
    },

    close() {
      for (const grant of [...grants.values()]) end(grant, 'closed')
    },
  }
}
