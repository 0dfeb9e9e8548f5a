/**
 * Small key-value records with optional TTL on SQLite. Expired rows read as absent and are overwritten by
 * the next write; they are not swept eagerly, as the table stays small (subscriptions, migrations).
 *
 * @module
 */
import type { KeyValueStore } from '@keygram/core'
import type { SqliteDatabase } from './database.ts'

function expiryOf(now: number, options?: { ttlMs?: number }): number | null {
  return options?.ttlMs === undefined ? null : now + options.ttlMs
}

/** Builds the {@link KeyValueStore} over an open, migrated database. */
export function createSqliteKv(db: SqliteDatabase, clock: () => number): KeyValueStore {
  const statements = {
    get: db.prepare<[string, number], { value: string }>(
      'SELECT value FROM kv WHERE key = ? AND (expires_at IS NULL OR expires_at > ?)',
    ),
    set: db.prepare<[string, string, number | null]>(
      `INSERT INTO kv (key, value, expires_at) VALUES (?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`,
    ),
    // One statement, so atomic on its own: the upsert only fires over an expired row.
    setIfAbsent: db.prepare<{ key: string; value: string; expiresAt: number | null; now: number }>(
      `INSERT INTO kv (key, value, expires_at) VALUES (@key, @value, @expiresAt)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
       WHERE kv.expires_at IS NOT NULL AND kv.expires_at <= @now`,
    ),
    // Compare-and-set is one statement each way, so atomic like setIfAbsent: values compare as JSON text.
    replaceIfEqual: db.prepare<{
      key: string
      expected: string
      value: string
      expiresAt: number | null
      now: number
    }>(
      `UPDATE kv SET value = @value, expires_at = @expiresAt
       WHERE key = @key AND value = @expected AND (expires_at IS NULL OR expires_at > @now)`,
    ),
    // `get` reads a stored JSON null as absent, so an expected null also matches one.
    insertIfAbsent: db.prepare<{ key: string; value: string; expiresAt: number | null; now: number }>(
      `INSERT INTO kv (key, value, expires_at) VALUES (@key, @value, @expiresAt)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
       WHERE (kv.expires_at IS NOT NULL AND kv.expires_at <= @now) OR kv.value = 'null'`,
    ),
    delete: db.prepare<[string]>('DELETE FROM kv WHERE key = ?'),
  }

  return {
    async get<T = unknown>(key: string): Promise<T | null> {
      const row = statements.get.get(key, clock())
      return row ? (JSON.parse(row.value) as T) : null
    },
    async set(key, value, options) {
      const now = clock()
      statements.set.run(key, JSON.stringify(value ?? null), expiryOf(now, options))
    },
    async setIfAbsent(key, value, options) {
      const now = clock()
      const result = statements.setIfAbsent.run({
        key,
        value: JSON.stringify(value ?? null),
        expiresAt: expiryOf(now, options),
        now,
      })
      return result.changes === 1
    },
    async compareAndSet(key, expected, next, options) {
      const now = clock()
      const value = JSON.stringify(next ?? null)
      const expiresAt = expiryOf(now, options)
      const result =
        expected === null || expected === undefined
          ? statements.insertIfAbsent.run({ key, value, expiresAt, now })
          : statements.replaceIfEqual.run({ key, expected: JSON.stringify(expected), value, expiresAt, now })
      return result.changes === 1
    },
    async delete(key) {
      statements.delete.run(key)
    },
  }
}
