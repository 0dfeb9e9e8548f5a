/**
 * The single-instance guard on SQLite: one lease row per name, taken in `BEGIN IMMEDIATE` so concurrent
 * acquires from several processes are serialised by the file lock, with a per-name fencing counter that
 * outlives the lease rows.
 *
 * @module
 */
import {
  type AcquireOptions,
  createStoreLease,
  type Lease,
  type LeaseInfo,
  type RemoteRenewal,
  type SingleInstanceGuard,
  type StoreLease,
} from '@keygram/core'
import type { SqliteDatabase } from './database.ts'

interface LeaseRow {
  name: string
  holder: string
  lease_id: string
  fencing_token: number
  expires_at: number
}

interface GrantedRow {
  row: LeaseRow
  /** The store clock the grant was decided at. */
  now: number
  /** `performance.now()` at that moment. */
  sentAt: number
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

  // Returns the row with the moment it was decided (`sentAt`, for the local expiry), both read once the
  // write lock is held.
  const grant = db.transaction((name: string, holder: string, ttl: number): GrantedRow | null => {
    const sentAt = performance.now()
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
    return { row, now, sentAt }
  })

  const active = new Set<StoreLease>()

  function renewRow(name: string, leaseId: string, ttl: number, now: number): RemoteRenewal {
    const { changes } = statements.renew.run({ name, leaseId, now, expiresAt: now + ttl })
    if (changes === 1) return { renewed: true }
    const current = statements.current.get(name)
    return { renewed: false, lostReason: current && current.lease_id !== leaseId ? 'taken_over' : 'expired' }
  }

  return {
    async acquire(options: AcquireOptions): Promise<Lease | null> {
      if (!(options.ttl > 0))
        throw new RangeError(`acquire: ttl must be a positive number of ms, got ${options.ttl}`)
      const ttl = options.ttl
      const granted = grant.immediate(options.name, options.holder ?? crypto.randomUUID(), ttl)
      if (granted === null) return null
      const { row, now, sentAt } = granted
      const lease = createStoreLease({
        grant: { id: row.lease_id, name: row.name, holder: row.holder, fencingToken: row.fencing_token },
        ttlMs: ttl,
        clock,
        sentAt,
        clockAtSend: now,
        // The lease's expiry counts from `now` on this same clock, so it matches the row's `expires_at`.
        renewRemote: async (renewedAt) => renewRow(row.name, row.lease_id, ttl, renewedAt),
        releaseRemote: async () => {
          // Deleting by lease id only ever removes this grant's row, so a late release is harmless.
          if (db.open) statements.release.run(row.name, row.lease_id)
        },
        onEnd: (ended) => active.delete(ended),
      })
      active.add(lease)
      return lease
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
