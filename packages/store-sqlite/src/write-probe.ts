/**
 * The SQLite store's readiness check: a small committed write, not `SELECT 1`. A full disk, a read-only
 * file or a lock held past the busy timeout leave reads working while every enqueue fails; a write that
 * commits (through the same group commit as the enqueues, so it fsyncs like them) shows the store can take
 * a webhook now.
 *
 * @module
 */
import type { SqliteDatabase } from './database.ts'
import type { GroupCommit } from './group-commit.ts'

/** The key-value row the probe rewrites; it expires at once, so it never reads as a value. */
export const WRITE_PROBE_KEY = 'keygram:readiness-probe'

/** Creates the probe: resolves once a one-row upsert has committed, rejects with the write's error. */
export function createWriteProbe(
  db: SqliteDatabase,
  groupCommit: GroupCommit,
  clock: () => number,
): () => Promise<void> {
  const upsert = db.prepare<[string, string, number]>(
    `INSERT INTO kv (key, value, expires_at) VALUES (?, ?, ?)
     ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`,
  )
  return async () => {
    const now = clock()
    await groupCommit.run(() => upsert.run(WRITE_PROBE_KEY, String(now), now))
  }
}
