/**
 * The single-instance guard on PostgreSQL: one row per lease name with an expiry, taken over by a single
 * compare-and-set statement (`INSERT ... ON CONFLICT DO UPDATE ... WHERE expired`), which PostgreSQL makes
 * atomic among every connection. The row is never deleted (a release clears it), so its fencing token keeps
 * counting up across grants.
 *
 * No advisory locks: `pg_try_advisory_lock` has no TTL (a paused holder keeps it) and is tied to one
 * session, so it would pin a pool connection for as long as the lease lives.
 *
 * Expiry is measured on the database clock, which is authoritative for who may take a lease over, so
 * replicas on hosts whose clocks disagree still agree. Locally a lease aborts its signal when its ttl has
 * run out since the request that granted or renewed it was sent: never later than the database lets it
 * lapse. Expiries reported to callers are on the store's clock.
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
import { type Database, statement } from './database.ts'

const DB_NOW_MS = '(extract(epoch FROM clock_timestamp()) * 1000)::bigint'

/** A guard that can also end every lease it handed out (for `close()`). */
export interface ClosableGuard extends SingleInstanceGuard {
  /** Stops all expiry timers and aborts the signals of this guard's live leases (reason `closed`). */
  close(): void
}

/** Builds the {@link SingleInstanceGuard} over the store's database; `clock` is for reported expiries. */
export function createPostgresGuard(db: Database, clock: () => number): ClosableGuard {
  const { leases } = db.tables
  const acquire = statement(`
    INSERT INTO ${leases} AS l (name, holder, lease_id, fencing_token, expires_at)
    VALUES ($1, $2, $3, 1, ${DB_NOW_MS} + $4)
    ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, lease_id = excluded.lease_id,
      fencing_token = l.fencing_token + 1, expires_at = excluded.expires_at
    WHERE l.expires_at <= ${DB_NOW_MS}
    RETURNING fencing_token`)
  const renew = statement(`
    WITH renewed AS (
      UPDATE ${leases} SET expires_at = ${DB_NOW_MS} + $3
      WHERE name = $1 AND lease_id = $2 AND expires_at > ${DB_NOW_MS}
      RETURNING 1
    )
    SELECT EXISTS (SELECT 1 FROM renewed) AS renewed, (SELECT lease_id FROM ${leases} WHERE name = $1) AS current`)
  const release = statement(
    `UPDATE ${leases} SET lease_id = NULL, expires_at = 0 WHERE name = $1 AND lease_id = $2`,
  )
  const inspect = statement(`
    SELECT holder, fencing_token, expires_at - ${DB_NOW_MS} AS ttl_left FROM ${leases}
    WHERE name = $1 AND expires_at > ${DB_NOW_MS}`)

  const active = new Set<StoreLease>()
  // Releases still on their way to the database. This guard's own reads wait for them, so a lease whose
  // signal aborted is also gone for `inspect` and `acquire` in this process.
  const releasing = new Set<Promise<unknown>>()

  function releaseRow(name: string, leaseId: string): Promise<void> {
    if (db.closed) return Promise.resolve()
    const sent = db.run(release, [name, leaseId]).then(() => {})
    const tracked = sent.catch(() => {})
    releasing.add(tracked)
    void tracked.finally(() => releasing.delete(tracked))
    return sent
  }

  async function settled(): Promise<void> {
    if (releasing.size > 0) await Promise.all(releasing)
  }

  async function renewRow(name: string, leaseId: string, ttl: number): Promise<RemoteRenewal> {
    const { rows } = await db.run(renew, [name, leaseId, ttl])
    if (rows[0]?.renewed === true) return { renewed: true }
    // The row read back tells a rival's grant from a lapsed (or released) one.
    const current = rows[0]?.current as string | null | undefined
    const takenOver = current !== null && current !== undefined && current !== leaseId
    return { renewed: false, lostReason: takenOver ? 'taken_over' : 'expired' }
  }

  return {
    async acquire(options: AcquireOptions): Promise<Lease | null> {
      if (!(options.ttl > 0))
        throw new RangeError(`acquire: ttl must be a positive number of ms, got ${options.ttl}`)
      const ttl = Math.ceil(options.ttl)
      const id = crypto.randomUUID()
      const holder = options.holder ?? `postgres-${crypto.randomUUID()}`
      // The first call creates the schema: that must not eat into the lease's local lifetime.
      await Promise.all([settled(), db.ensureSchema()])
      const sentAt = performance.now()
      const clockAtSend = clock()
      const { rows } = await db.run(acquire, [options.name, holder, id, ttl])
      if (rows.length === 0) return null
      const lease = createStoreLease({
        grant: { id, name: options.name, holder, fencingToken: Number(rows[0].fencing_token) },
        ttlMs: ttl,
        clock,
        sentAt,
        clockAtSend,
        renewRemote: () => renewRow(options.name, id, ttl),
        // Clearing by lease id only ever frees this grant's row, so a late release is harmless.
        releaseRemote: () => releaseRow(options.name, id),
        onEnd: (ended) => active.delete(ended),
      })
      active.add(lease)
      return lease
    },

    async inspect(name: string): Promise<LeaseInfo | null> {
      await settled()
      const { rows } = await db.run(inspect, [name])
      if (rows.length === 0) return null
      const row = rows[0] as { holder: string; fencing_token: string; ttl_left: string }
      return {
        name,
        holder: row.holder,
        fencingToken: Number(row.fencing_token),
        expiresAt: clock() + Number(row.ttl_left),
      }
    },

    close() {
      for (const lease of [...active]) lease.end('closed')
    },
  }
}
