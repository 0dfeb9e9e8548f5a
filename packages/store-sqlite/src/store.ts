/**
 * `sqliteStore()`: the embedded default {@link KeygramStore}, one SQLite file in a data folder.
 *
 * @module
 */
import { type KeygramStore, notifyingQueue } from '@keygram/core'
import { createSqliteBudgets } from './budgets.ts'
import { DEFAULT_BUSY_TIMEOUT_MS, openDatabase } from './database.ts'
import type { SqliteDriver, SqliteDriverName } from './driver.ts'
import { resolveSqliteDriver } from './drivers/index.ts'
import { createSqliteEnqueueSignal } from './enqueue-channel.ts'
import { createSqliteEventLog } from './events.ts'
import { createGroupCommit } from './group-commit.ts'
import { createSqliteGuard } from './guard.ts'
import { createSqliteKv } from './kv.ts'
import { createSqliteQueue } from './queue.ts'
import { createWriteProbe } from './write-probe.ts'

/** Options of {@link sqliteStore}. */
export interface SqliteStoreOptions {
  /** The database file, e.g. `./data/keygram.db`; its folder is created if missing. */
  path: string
  /** How long a write waits for another connection's lock before failing, in ms. Default 5000. */
  busyTimeoutMs?: number
  /** Current time in epoch ms for the guard and key-values (the queue takes `now` from its inputs). */
  clock?: () => number
  /**
   * The SQLite driver: `'node'` (`node:sqlite`, Node >= 22.13 and Deno), `'bun'` (`bun:sqlite`),
   * `'better-sqlite3'` (the optional native addon), or a {@link SqliteDriver} of your own. By default the
   * runtime decides: bun:sqlite under Bun, node:sqlite where it exists, better-sqlite3 otherwise (Node 20).
   * A named driver that cannot run here throws a `SqliteDriverUnavailableError` saying why.
   */
  driver?: SqliteDriverName | SqliteDriver
  /**
   * While a worker listens for enqueues, how often the file is checked for other processes' commits, in
   * ms (this process's own enqueues wake it at once). Default 10.
   */
  wakePollMs?: number
}

/**
 * Opens a {@link KeygramStore} on one SQLite file. Several processes on one host may open the same file
 * (e.g. the webhook server enqueues while the bot process claims): every read-modify-write runs in an
 * immediate transaction, so they never hand one chat or one lease to two holders. Not for network file
 * systems, where SQLite's locks are unreliable; use the Redis or PostgreSQL store across hosts.
 *
 * `ping()` (what `/readyz` checks) commits a one-row write, so it fails while writes fail (disk full,
 * read-only file), not only when the file cannot be read.
 */
export function sqliteStore(options: SqliteStoreOptions): KeygramStore {
  const clock = options.clock ?? Date.now
  const driver = resolveSqliteDriver(options.driver)
  const db = openDatabase(driver, options.path, options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS)
  const guard = createSqliteGuard(db, clock)
  // One committer for the queue and the event log: a webhook's enqueue and another's log record that
  // arrive in the same turn share a commit, hence an fsync.
  const groupCommit = createGroupCommit(db)
  const budgets = createSqliteBudgets(db)
  const probeWrite = createWriteProbe(db, groupCommit, clock)
  const enqueued = createSqliteEnqueueSignal(db, options.wakePollMs)
  return {
    name: 'sqlite',
    queue: notifyingQueue(createSqliteQueue(db, groupCommit), enqueued),
    kv: createSqliteKv(db, clock),
    events: createSqliteEventLog(db, groupCommit),
    guard,
    budgets,
    // Readiness means "can take a webhook now": a committed write, so a full disk is not ready.
    ping: probeWrite,
    async close() {
      await enqueued.close()
      guard.close()
      if (db.open) db.close()
    },
  }
}
