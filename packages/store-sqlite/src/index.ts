/**
 * `@keygram/store-sqlite`: the embedded default Keygram store. Queue, delivery dedupe, key-values and the
 * single-instance guard in one SQLite file (WAL) through node:sqlite, bun:sqlite or better-sqlite3, chosen by runtime, safe for two processes on one host.
 *
 * @module
 */

export type {
  SqliteConnection,
  SqliteDriver,
  SqliteDriverName,
  SqliteOpenOptions,
  SqliteRunResult,
  SqliteStatement,
  SqliteTransaction,
} from './driver.ts'
export { availableSqliteDrivers, resolveSqliteDriver, SqliteDriverUnavailableError } from './drivers/index.ts'
export { SqliteOpenError } from './open-error.ts'
export { type SqliteStoreOptions, sqliteStore } from './store.ts'
