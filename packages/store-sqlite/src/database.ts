/**
 * Opens the SQLite file: data folder, pragmas for two processes on one host, and migrations.
 *
 * @module
 */
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { type SqliteConnection, type SqliteDriver, sqliteErrorCode } from './driver.ts'
import { SqliteOpenError } from './open-error.ts'
import { migrations, SCHEMA_VERSION } from './schema.ts'

/** A connection through whichever driver opened it (see `driver.ts`). */
export type SqliteDatabase = SqliteConnection

/** Default time a connection waits for another one's write lock before failing with `SQLITE_BUSY`. */
export const DEFAULT_BUSY_TIMEOUT_MS = 5_000

function isInMemory(path: string): boolean {
  return path === ':memory:' || path === '' || path.startsWith('file::memory:')
}

/**
 * Opens (creating the folder and file if needed) and migrates a Keygram database.
 *
 * WAL lets the webhook process write while the bot process reads; `busy_timeout` makes a second writer
 * wait for the lock instead of failing; `synchronous = FULL` keeps a commit durable across power loss,
 * because an enqueue that resolved has already been acknowledged to KeyCRM with a 200.
 */
export function openDatabase(
  driver: SqliteDriver,
  path: string,
  busyTimeoutMs: number = DEFAULT_BUSY_TIMEOUT_MS,
): SqliteDatabase {
  let db: SqliteDatabase
  try {
    if (!isInMemory(path)) mkdirSync(dirname(path), { recursive: true })
    db = driver.open(path, { busyTimeoutMs })
  } catch (error) {
    throw new SqliteOpenError(path, error)
  }
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`)
    enableWal(db, busyTimeoutMs)
    db.pragma('synchronous = FULL')
    db.pragma('foreign_keys = ON')
    migrate(db)
    return db
  } catch (error) {
    db.close()
    // Not a database, or read-only: SQLite finds out at the first statement, not when opening.
    const code = sqliteErrorCode(error)
    throw code === 'SQLITE_NOTADB' || code === 'SQLITE_READONLY' ? new SqliteOpenError(path, error) : error
  }
}

/**
 * Switches the file to WAL. Two processes opening one new file together (the webhook and bot roles at start)
 * both switch it, and SQLite answers the one that loses "database is locked" at once, without calling the
 * busy handler; so the switch is retried here, for up to the busy timeout. The wait blocks: the store opens
 * synchronously, and this happens only at open.
 */
function enableWal(db: SqliteDatabase, busyTimeoutMs: number): void {
  const deadline = Date.now() + busyTimeoutMs
  const pause = new Int32Array(new SharedArrayBuffer(4))
  for (;;) {
    try {
      db.pragma('journal_mode = WAL')
      return
    } catch (error) {
      if (sqliteErrorCode(error) !== 'SQLITE_BUSY' || Date.now() >= deadline) throw error
      Atomics.wait(pause, 0, 0, 10)
    }
  }
}

/**
 * Brings the schema to {@link SCHEMA_VERSION} inside one immediate transaction, so two processes
 * opening a new file at once do not both run a migration.
 */
export function migrate(db: SqliteDatabase): void {
  db.transaction(() => {
    const current = db.pragma('user_version', { simple: true }) as number
    if (current > SCHEMA_VERSION) {
      throw new Error(
        `Keygram SQLite schema version ${current} is newer than this @keygram/store-sqlite supports (${SCHEMA_VERSION}); upgrade the package`,
      )
    }
    for (let version = current; version < SCHEMA_VERSION; version++) {
      db.exec(migrations[version]!)
    }
    if (current !== SCHEMA_VERSION) db.pragma(`user_version = ${SCHEMA_VERSION}`)
  }).immediate()
}
