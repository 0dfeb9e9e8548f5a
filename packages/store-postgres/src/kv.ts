/**
 * Small key-value records with optional TTL on PostgreSQL, each operation one atomic statement. Values
 * are JSON text; TTLs are measured on the store's clock. Expired rows read as absent and are overwritten by
 * the next write; they are not swept eagerly, as the table stays small (subscriptions, migrations).
 *
 * @module
 */
import type { KeyValueStore } from '@keygram/core'
import { type Database, statement } from './database.ts'

function expiryOf(now: number, options?: { ttlMs?: number }): number | null {
  return options?.ttlMs === undefined ? null : now + options.ttlMs
}

/** Builds the {@link KeyValueStore} over the store's database; `clock` gives epoch ms for TTLs. */
export function createPostgresKv(db: Database, clock: () => number): KeyValueStore {
  const { kv } = db.tables
  const get = statement(`SELECT value FROM ${kv} WHERE key = $1 AND (expires_at IS NULL OR expires_at > $2)`)
  const set = statement(`
    INSERT INTO ${kv} (key, value, expires_at) VALUES ($1, $2, $3)
    ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`)
  // Concurrent inserts of one key are settled by ON CONFLICT: the upsert only fires over an expired row.
  const setIfAbsent = statement(`
    INSERT INTO ${kv} AS kv (key, value, expires_at) VALUES ($1, $2, $3)
    ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
    WHERE kv.expires_at IS NOT NULL AND kv.expires_at <= $4`)
  // A concurrent writer's commit makes PostgreSQL re-check `value = $2` on the new row version, so of two
  // compare-and-sets from one expected value exactly one wins.
  const replaceIfEqual = statement(`
    UPDATE ${kv} SET value = $3, expires_at = $4
    WHERE key = $1 AND value = $2 AND (expires_at IS NULL OR expires_at > $5)`)
  // `get` reads a stored JSON null as absent, so an expected null also matches one.
  const insertIfAbsent = statement(`
    INSERT INTO ${kv} AS kv (key, value, expires_at) VALUES ($1, $2, $3)
    ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
    WHERE (kv.expires_at IS NOT NULL AND kv.expires_at <= $4) OR kv.value = 'null'`)
  const remove = statement(`DELETE FROM ${kv} WHERE key = $1`)

  return {
    async get<T = unknown>(key: string): Promise<T | null> {
      const { rows } = await db.run(get, [key, clock()])
      return rows.length === 0 ? null : (JSON.parse(rows[0].value) as T)
    },
    async set(key, value, options) {
      await db.run(set, [key, JSON.stringify(value ?? null), expiryOf(clock(), options)])
    },
    async setIfAbsent(key, value, options) {
      const now = clock()
      const { rowCount } = await db.run(setIfAbsent, [
        key,
        JSON.stringify(value ?? null),
        expiryOf(now, options),
        now,
      ])
      return rowCount === 1
    },
    async compareAndSet(key, expected, next, options) {
      const now = clock()
      const value = JSON.stringify(next ?? null)
      const expiresAt = expiryOf(now, options)
      const { rowCount } =
        expected === null || expected === undefined
          ? await db.run(insertIfAbsent, [key, value, expiresAt, now])
          : await db.run(replaceIfEqual, [key, JSON.stringify(expected), value, expiresAt, now])
      return rowCount === 1
    },
    async delete(key) {
      await db.run(remove, [key])
    },
  }
}
