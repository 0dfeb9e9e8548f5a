/**
 * `@keygram/store-sqlite`: the embedded default Keygram store. Queue, delivery dedupe, key-values and the
 * single-instance guard in one SQLite file (better-sqlite3, WAL), safe for two processes on one host.
 *
 * @module
 */

export { SqliteOpenError } from './open-error.ts'
export { type SqliteStoreOptions, sqliteStore } from './store.ts'
