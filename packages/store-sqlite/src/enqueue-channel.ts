/**
 * Enqueue notices for the SQLite store: this instance's own enqueues are heard at once, in process;
 * other connections' (another process on the file, or another store instance) through a short poll of
 * `PRAGMA data_version`, which changes whenever another connection committed to the file. Reading it
 * touches no table, so polling it often is cheap. Any commit counts (a claim, a key-value), so a notice
 * may come without new jobs; the worker then claims nothing and sleeps again.
 *
 * @module
 */
import { createEnqueueSignal, type EnqueueSignal } from '@keygram/core'
import type { SqliteDatabase } from './database.ts'

/** How often the file is checked for other connections' commits while someone listens, in ms. */
export const DEFAULT_WAKE_POLL_MS: number = 10

/** The {@link EnqueueSignal} of one SQLite store instance on `db`. */
export function createSqliteEnqueueSignal(
  db: SqliteDatabase,
  pollMs: number = DEFAULT_WAKE_POLL_MS,
): EnqueueSignal {
  const dataVersion = db.prepare('PRAGMA data_version')
  const read = () => Number(Object.values(dataVersion.get() as Record<string, unknown>)[0])
  return createEnqueueSignal((hear) => {
    let seen = read()
    const timer = setInterval(() => {
      if (!db.open) return
      try {
        const version = read()
        if (version !== seen) hear()
        seen = version
      } catch {
        // A busy or closing file: the next tick (or the worker's poll) catches up.
      }
    }, pollMs)
    // Polling must not keep the process alive; the store's close() stops it anyway.
    timer.unref?.()
    return { close: () => clearInterval(timer) }
  })
}
