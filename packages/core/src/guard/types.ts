/**
 * The single-instance guard: what the seed bot's `_ensure_single_bot_instance()` became.
 *
 * A guard hands out at most one live {@link Lease} per name at a time. Each grant carries a fencing
 * token that is strictly greater than every token granted before for that name, so a writer can
 * reject work from a holder that paused past its lease (Kleppmann, 2016).
 *
 * @module
 */

/** Options for {@link SingleInstanceGuard.acquire}. */
export interface AcquireOptions {
  /** What is guarded, e.g. `polling:<bot id>`. One live lease per name. */
  name: string
  /** How long the lease lives without a renewal, in milliseconds. */
  ttl: number
  /** Who asks (shown as the holder in health reports). Defaults to a random id. */
  holder?: string
}

/** A granted lease. */
export interface Lease {
  /** Unique id of this grant. */
  readonly id: string
  /** The guarded name. */
  readonly name: string
  /** Who holds it. */
  readonly holder: string
  /** Strictly increasing per name across grants. */
  readonly fencingToken: number
  /** When the lease expires unless renewed (epoch milliseconds). */
  readonly expiresAt: number
  /** Extends the lease by its ttl. Resolves `false` (and aborts {@link Lease.signal}) if it was lost. */
  renew(): Promise<boolean>
  /** Gives the lease up so the next candidate can take it at once. Idempotent. */
  release(): Promise<void>
  /** Aborts when the lease is lost (expired, taken over, or released). */
  readonly signal: AbortSignal
}

/** Who holds a lease now, for health reports. */
export interface LeaseInfo {
  name: string
  holder: string
  fencingToken: number
  expiresAt: number
}

/** A store of leases. Implementations: memory, SQLite, Redis, PostgreSQL. */
export interface SingleInstanceGuard {
  /** Tries once. Resolves the lease, or `null` when someone else holds a live one. */
  acquire(options: AcquireOptions): Promise<Lease | null>
  /** The live lease for `name`, if any. */
  inspect(name: string): Promise<LeaseInfo | null>
}
