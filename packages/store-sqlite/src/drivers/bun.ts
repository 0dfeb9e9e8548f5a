/**
 * The `bun:sqlite` driver: SQLite built into Bun.
 *
 * @module
 */
import type {
  SqliteConnection,
  SqliteDriver,
  SqliteRunResult,
  SqliteStatement,
  SqliteTransaction,
} from '../driver.ts'

/** The part of `bun:sqlite` used here (typed locally: the workspace does not install bun-types). */
interface BunStatement {
  run(...parameters: unknown[]): SqliteRunResult
  get(...parameters: unknown[]): unknown
  all(...parameters: unknown[]): unknown[]
}

interface BunDatabase {
  prepare(source: string): BunStatement
  exec(source: string): void
  transaction<Fn extends (...args: never[]) => unknown>(fn: Fn): SqliteTransaction<Fn>
  close(): void
}

interface BunSqlite {
  Database: new (
    path: string,
    options: { create: boolean; readwrite: boolean; strict: boolean },
  ) => BunDatabase
}

/** `bun:sqlite`, or `undefined` outside Bun. */
export function getBunSqlite(): BunSqlite | undefined {
  if (process.versions.bun === undefined) return undefined
  return process.getBuiltinModule?.('bun:sqlite') as BunSqlite | undefined
}

function statementOf<Parameters, Row>(
  statement: BunStatement,
  isOpen: () => boolean,
): SqliteStatement<Parameters, Row> {
  // Bun keeps running a statement of a closed database; the other drivers throw, and so does this one.
  const checked =
    <Result>(call: (...parameters: unknown[]) => Result) =>
    (...parameters: unknown[]): Result => {
      if (!isOpen()) throw new TypeError('The database connection is not open')
      return call(...parameters)
    }
  const wrapped: SqliteStatement = {
    run: checked((...parameters) => statement.run(...parameters)),
    // bun:sqlite answers "no row" with null; the interface (and better-sqlite3) with undefined.
    get: checked((...parameters) => statement.get(...parameters) ?? undefined),
    all: checked((...parameters) => statement.all(...parameters)),
  }
  return wrapped as SqliteStatement<Parameters, Row>
}

function connect(db: BunDatabase): SqliteConnection {
  let open = true
  const isOpen = () => open
  return {
    prepare: (source) => statementOf(db.prepare(source), isOpen),
    exec: (source) => db.exec(source),
    // bun:sqlite's transaction functions are better-sqlite3's: savepoints when nested, `.immediate`.
    transaction: (fn) => db.transaction(fn),
    pragma(source, options) {
      const statement = db.prepare(`PRAGMA ${source}`)
      if (!options?.simple) return statement.all()
      const row = statement.get() as Record<string, unknown> | null
      return row === null ? undefined : Object.values(row)[0]
    },
    get open() {
      return open
    },
    close() {
      open = false
      db.close()
    },
  }
}

/** The `bun:sqlite` driver. */
export const bunSqliteDriver: SqliteDriver = {
  name: 'bun:sqlite',
  open(path, options) {
    const sqlite = getBunSqlite()
    if (sqlite === undefined) throw new Error('SQLite driver bun:sqlite is only available under Bun')
    // `strict` binds `@name` parameters from bare object keys, as better-sqlite3 and node:sqlite do.
    const db = new sqlite.Database(path, { create: true, readwrite: true, strict: true })
    try {
      db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs))}`)
    } catch (error) {
      db.close()
      throw error
    }
    return connect(db)
  },
}
