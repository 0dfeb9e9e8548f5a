/**
 * The single-instance guard on SQLite: one lease row per name, taken in `BEGIN IMMEDIATE` so concurrent
 * acquires from several processes are serialised by the file lock, with a per-name fencing counter that
 * outlives the lease rows.
 *
 * @module
 */
import {
  type AcquireOptions,
  type Lease,
  type LeaseInfo,
  type LeaseLossReason,
  LeaseLostError,
  type SingleInstanceGuard,
} from '@keygram/core'
import type { SqliteDatabase } from './database.ts'

interface LeaseRow {
  name: string
  holder: string
  lease_id: string
  fencing_token: number
  expires_at: number
}

/** A guard that can also end every lease it handed out (for `close()`). */
export interface ClosableGuard extends SingleInstanceGuard {
  /** Stops all expiry timers and aborts the signals of this guard's live leases (reason `closed`). */
  close(): void
}

/** Builds the {@link SingleInstanceGuard} over an open, migrated database. */
export function createSqliteGuard(db: SqliteDatabase, clock: () => number): ClosableGuard {
  const statements = {
    current: db.prepare<[string], LeaseRow>('SELECT * FROM leases WHERE name = ?'),
    live: db.prepare<[string, number], LeaseRow>('SELECT * FROM leases WHERE name = ? AND expires_at > ?'),
    nextFencingToken: db.prepare<[string], { counter: number }>(
      `INSERT INTO lease_fencing (name, counter) VALUES (?, 1)
       ON CONFLICT (name) DO UPDATE SET counter = counter + 1
       RETURNING counter`,
    ),
    grant: db.prepare<LeaseRow>(
      `INSERT INTO leases (name, holder, lease_id, fencing_token, expires_at)
       VALUES (@name, @holder, @lease_id, @fencing_token, @expires_at)
       ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, lease_id = excluded.lease_id,
         fencing_token = excluded.fencing_token, expires_at = excluded.expires_at`,
    ),
    renew: db.prepare<{ name: string; leaseId: string; now: number; expiresAt: number }>(
      `UPDATE leases SET expires_at = @expiresAt
       WHERE name = @name AND lease_id = @leaseId AND expires_at > @now`,
    ),
    release: db.prepare<[string, string]>('DELETE FROM leases WHERE name = ? AND lease_id = ?'),
  }

  const grant = db.transaction((name: string, holder: string, ttl: number): LeaseRow | null => {
    const now = clock()
    const existing = statements.current.get(name)
    if (existing && existing.expires_at > now) return null
    const { counter } = statements.nextFencingToken.get(name)!
    const row: LeaseRow = {
      name,
      holder,
      lease_id: crypto.randomUUID(),
      fencing_token: counter,
      expires_at: now + ttl,
    }
    statements.grant.run(row)
    return row
  })

  const active = new Set<SqliteLease>()

  class SqliteLease implements Lease {
    readonly id: string
    readonly name: string
    readonly holder: string
    readonly fencingToken: number
    readonly #ttl: number
    readonly #controller = new AbortController()
    #expiresAt: number
    #timer: ReturnType<typeof setTimeout> | undefined

    constructor(row: LeaseRow, ttl: number) {
      this.id = row.lease_id
      this.name = row.name
      this.holder = row.holder
      this.fencingToken = row.fencing_token
      this.#ttl = ttl
      this.#expiresAt = row.expires_at
      active.add(this)
      this.#armExpiry()
    }

    get expiresAt(): number {
      return this.#expiresAt
    }

    get signal(): AbortSignal {
      return this.#controller.signal
    }

    async renew(): Promise<boolean> {
      if (this.#controller.signal.aborted) return false
      const now = clock()
      const expiresAt = now + this.#ttl
      const { changes } = statements.renew.run({ name: this.name, leaseId: this.id, now, expiresAt })
      if (changes !== 1) {
        const current = statements.current.get(this.name)
        this.end(current && current.lease_id !== this.id ? 'taken_over' : 'expired')
        return false
      }
      this.#expiresAt = expiresAt
      this.#armExpiry()
      return true
    }

    async release(): Promise<void> {
      this.end('released')
      // Deleting by lease id only ever removes this grant's row, so repeating it is harmless.
      if (db.open) statements.release.run(this.name, this.id)
    }

    /** Ends the lease in this process: stops its timer and aborts its signal (first reason wins). */
    end(reason: LeaseLossReason): void {
      if (this.#timer !== undefined) clearTimeout(this.#timer)
      this.#timer = undefined
      active.delete(this)
      if (!this.#controller.signal.aborted) this.#controller.abort(new LeaseLostError(this.name, reason))
    }

    // Aborts at expiry even if nobody calls renew, so a paused holder learns it lost the lease. With an
    // injected clock the timer may fire early by that clock, so it re-arms until the clock agrees.
    #armExpiry(): void {
      if (this.#timer !== undefined) clearTimeout(this.#timer)
      this.#timer = setTimeout(
        () => {
          this.#timer = undefined
          if (clock() >= this.#expiresAt) this.end('expired')
          else this.#armExpiry()
        },
        Math.max(0, this.#expiresAt - clock()),
      )
      this.#timer.unref?.()
    }
  }

  return {
    async acquire(options: AcquireOptions): Promise<Lease | null> {
      if (!(options.ttl > 0))
        throw new RangeError(`acquire: ttl must be a positive number of ms, got ${options.ttl}`)
      const row = grant.immediate(options.name, options.holder ?? crypto.randomUUID(), options.ttl)
      return row ? new SqliteLease(row, options.ttl) : null
    },
    async inspect(name: string): Promise<LeaseInfo | null> {
      const row = statements.live.get(name, clock())
      return row
        ? { name: row.name, holder: row.holder, fencingToken: row.fencing_token, expiresAt: row.expires_at }
        : null
    },
    close() {
      for (const lease of [...active]) lease.end('closed')
    },
  }
}
