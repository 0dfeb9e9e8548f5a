/**
 * The driver interface: the small part of better-sqlite3's API the store uses, so the same queue, guard
 * and key-value code runs on `node:sqlite`, `bun:sqlite` or better-sqlite3.
 *
 * @module
 */

/** What a write statement reports. */
export interface SqliteRunResult {
  /** Rows inserted, updated or deleted by the statement. */
  changes: number
}

/** Arguments of a statement: positional values as a tuple, or one object of `@name` values. */
type BindArguments<Parameters> = Parameters extends readonly unknown[] ? Parameters : [Parameters]

/**
 * A prepared statement. `Parameters` is a tuple of positional values or an object whose keys are the
 * statement's `@name` parameters without the `@`; `Row` is the shape of a result row.
 */
export interface SqliteStatement<Parameters = unknown[], Row = unknown> {
  /** Runs a write. */
  run(...parameters: BindArguments<Parameters>): SqliteRunResult
  /** The first row, or `undefined` when there is none. */
  get(...parameters: BindArguments<Parameters>): Row | undefined
  /** Every row. */
  all(...parameters: BindArguments<Parameters>): Row[]
}

/**
 * A function wrapped in a transaction (better-sqlite3's shape): calling it runs `BEGIN` (deferred),
 * `.immediate(...)` runs `BEGIN IMMEDIATE`; called inside another transaction it runs as a savepoint.
 * It commits when the function returns and rolls back when it throws.
 */
export type SqliteTransaction<Fn extends (...args: never[]) => unknown> = Fn & {
  /** Runs with `BEGIN IMMEDIATE`, taking the file's write lock up front. */
  immediate: Fn
}

/**
 * An open connection to one database file. Its errors name SQLite's result code in `code` (`SQLITE_BUSY`,
 * `SQLITE_FULL`...) on every built-in driver.
 */
export interface SqliteConnection {
  /** Compiles a statement once, to run many times. */
  prepare<Parameters = unknown[], Row = unknown>(source: string): SqliteStatement<Parameters, Row>
  /** Runs one or more statements without results (migrations, `BEGIN`/`ROLLBACK`). */
  exec(source: string): void
  /** Wraps `fn` in a transaction (see {@link SqliteTransaction}). */
  transaction<Fn extends (...args: never[]) => unknown>(fn: Fn): SqliteTransaction<Fn>
  /**
   * Runs `PRAGMA <source>`; with `simple`, returns the first column of the first row (e.g. the number
   * of `user_version`), otherwise every row.
   */
  pragma(source: string, options?: { simple?: boolean }): unknown
  /** Whether the connection is still open. */
  readonly open: boolean
  /** Closes the connection; statements prepared on it may no longer run. */
  close(): void
}

/** Options a driver opens a connection with. */
export interface SqliteOpenOptions {
  /** How long a statement waits for another connection's lock before failing with `SQLITE_BUSY`, in ms. */
  busyTimeoutMs: number
}

/**
 * A SQLite driver: how to open a {@link SqliteConnection} on a file. The three built in are `node`
 * (`node:sqlite`), `bun` (`bun:sqlite`) and `better-sqlite3`; pass your own object to use another.
 */
export interface SqliteDriver {
  /** The driver's name in messages and test output, e.g. `node:sqlite`. */
  readonly name: string
  /** Opens (creating if missing) the file at `path`; throws when it cannot. */
  open(path: string, options: SqliteOpenOptions): SqliteConnection
}

/** The built-in drivers by name, for {@link SqliteStoreOptions.driver}. */
export type SqliteDriverName = 'node' | 'bun' | 'better-sqlite3'

const SQLITE_PRIMARY_CODES: Record<number, string> = {
  5: 'SQLITE_BUSY',
  8: 'SQLITE_READONLY',
  13: 'SQLITE_FULL',
  14: 'SQLITE_CANTOPEN',
  26: 'SQLITE_NOTADB',
}

// SQLite's own texts of those codes (sqlite3_errstr), for Deno's node:sqlite, which gives only the message.
const SQLITE_MESSAGES: [RegExp, string][] = [
  [/^database is locked/, 'SQLITE_BUSY'],
  [/^attempt to write a readonly database/, 'SQLITE_READONLY'],
  [/^database or disk is full/, 'SQLITE_FULL'],
  [/^unable to open database file/, 'SQLITE_CANTOPEN'],
  [/^file is not a database/, 'SQLITE_NOTADB'],
]

/**
 * The SQLite result code of a driver's error as a `SQLITE_*` name: better-sqlite3 and bun:sqlite put it in
 * `code`, Node's node:sqlite puts the number in `errcode` (and `code` is `ERR_SQLITE_ERROR`), Deno's only
 * SQLite's message.
 */
export function sqliteErrorCode(error: unknown): string | undefined {
  const { code, errcode, message } = (error ?? {}) as { code?: unknown; errcode?: unknown; message?: unknown }
  if (typeof code === 'string' && code.startsWith('SQLITE_')) {
    // better-sqlite3 reports extended codes (SQLITE_READONLY_DBMOVED); the primary name is what callers match.
    return (
      Object.values(SQLITE_PRIMARY_CODES).find((name) => code === name || code.startsWith(`${name}_`)) ?? code
    )
  }
  if (typeof errcode === 'number') return SQLITE_PRIMARY_CODES[errcode & 0xff] ?? `SQLITE_ERROR_${errcode}`
  if (code === 'ERR_SQLITE_ERROR' && typeof message === 'string') {
    return SQLITE_MESSAGES.find(([pattern]) => pattern.test(message))?.[1]
  }
  return undefined
}
