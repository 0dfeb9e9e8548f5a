/**
 * The `node:sqlite` driver: SQLite built into Node >= 22.13 and Deno, no native addon to install.
 *
 * @module
 */
import { type SqliteConnection, type SqliteDriver, type SqliteStatement, sqliteErrorCode } from '../driver.ts'
import { createTransaction } from './transaction.ts'

/** The part of `node:sqlite`'s `DatabaseSync` used here (its types ship only with @types/node >= 22). */
interface DatabaseSync {
  prepare(source: string): SqliteStatement
  exec(source: string): void
  close(): void
  readonly isOpen?: boolean
  readonly isTransaction?: boolean
}

interface NodeSqlite {
  DatabaseSync: new (path: string, options?: { timeout?: number }) => DatabaseSync
}

/**
 * Runs `load` with node:sqlite's "SQLite is an experimental feature" warning held back: Node 22 prints it
 * when the module first loads, and it would alarm anyone reading the server's log. The store relies only on
 * the part of the API unchanged since 22.13; every other warning passes.
 */
export function withoutSqliteWarning<T>(load: () => T): T {
  const emitWarning = process.emitWarning
  process.emitWarning = function (this: unknown, warning: string | Error, ...rest: unknown[]) {
    const text = typeof warning === 'string' ? warning : warning.message
    if (/SQLite is an experimental feature/i.test(text)) return
    return (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest)
  } as typeof process.emitWarning
  try {
    return load()
  } finally {
    process.emitWarning = emitWarning
  }
}

function loadNodeSqlite(): NodeSqlite | undefined {
  try {
    return withoutSqliteWarning(() => process.getBuiltinModule?.('node:sqlite') as NodeSqlite | undefined)
  } catch {
    return undefined
  }
}

let nodeSqlite: NodeSqlite | undefined | null = null

/** `node:sqlite`, loaded once; `undefined` on a runtime without it (Node before 22.13, where it needs a flag). */
export function getNodeSqlite(): NodeSqlite | undefined {
  if (nodeSqlite === null) nodeSqlite = loadNodeSqlite()
  return nodeSqlite
}

/**
 * node:sqlite's errors say `code: 'ERR_SQLITE_ERROR'` for every SQLite failure; better-sqlite3's and
 * bun:sqlite's say `SQLITE_BUSY`, `SQLITE_FULL`... The server tells outages apart by that code, so this
 * driver's errors carry the SQLite name too (the number stays in `errcode`).
 */
function withSqliteCode(error: unknown): unknown {
  const code = sqliteErrorCode(error)
  if (code !== undefined && (error as { code?: unknown }).code !== code) {
    try {
      ;(error as { code?: unknown }).code = code
    } catch {
      // A frozen error keeps its own code.
    }
  }
  return error
}

function rethrowingSqliteCode<Args extends unknown[], Result>(
  call: (...args: Args) => Result,
): (...args: Args) => Result {
  return (...args) => {
    try {
      return call(...args)
    } catch (error) {
      throw withSqliteCode(error)
    }
  }
}

function statementOf<Parameters, Row>(statement: SqliteStatement): SqliteStatement<Parameters, Row> {
  const wrapped: SqliteStatement = {
    run: rethrowingSqliteCode((...parameters) => statement.run(...parameters)),
    get: rethrowingSqliteCode((...parameters) => statement.get(...parameters)),
    all: rethrowingSqliteCode((...parameters) => statement.all(...parameters)),
  }
  return wrapped as SqliteStatement<Parameters, Row>
}

function connect(db: DatabaseSync): SqliteConnection {
  let open = true
  const prepare = rethrowingSqliteCode((source: string): SqliteStatement => statementOf(db.prepare(source)))
  const host = {
    exec: rethrowingSqliteCode((source: string) => db.exec(source)),
    // `isTransaction` arrived in Node 22.16; before it, the wrapper counts its own transactions.
    ...(typeof db.isTransaction === 'boolean' ? { isTransaction: () => db.isTransaction === true } : {}),
  }
  return {
    // node:sqlite's statements already have better-sqlite3's run/get/all shape, bare `@name` keys included.
    prepare: <Parameters, Row>(source: string) => prepare(source) as SqliteStatement<Parameters, Row>,
    exec: host.exec,
    transaction: (fn) => createTransaction(host, fn),
    pragma(source, options) {
      const statement = prepare(`PRAGMA ${source}`) as SqliteStatement<[], Record<string, unknown>>
      if (!options?.simple) return statement.all()
      const row = statement.get()
      return row === undefined ? undefined : Object.values(row)[0]
    },
    get open() {
      return open && db.isOpen !== false
    },
    close() {
      open = false
      db.close()
    },
  }
}

/** The `node:sqlite` driver. */
export const nodeSqliteDriver: SqliteDriver = {
  name: 'node:sqlite',
  open(path, options) {
    const sqlite = getNodeSqlite()
    if (sqlite === undefined) {
      throw new Error(
        `SQLite driver node:sqlite is not available on Node ${process.version} (it needs Node >= 22.13 or Deno)`,
      )
    }
    try {
      return connect(new sqlite.DatabaseSync(path, { timeout: options.busyTimeoutMs }))
    } catch (error) {
      throw withSqliteCode(error)
    }
  },
}
