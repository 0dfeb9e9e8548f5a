/**
 * Choosing a SQLite driver: by name, by object, or by the runtime the store runs on.
 *
 * @module
 */
import type { SqliteDriver, SqliteDriverName } from '../driver.ts'
import { betterSqlite3Driver, betterSqlite3Unavailable } from './better-sqlite3.ts'
import { bunSqliteDriver, getBunSqlite } from './bun.ts'
import { getNodeSqlite, nodeSqliteDriver } from './node.ts'

/** Why each built-in driver cannot run here, or `undefined` when it can. */
const unavailable: Record<SqliteDriverName, () => string | undefined> = {
  node: () =>
    getNodeSqlite() === undefined
      ? `node:sqlite is not available on ${process.versions.bun ? `Bun ${process.versions.bun}` : `Node ${process.version}`} (it needs Node >= 22.13 or Deno)`
      : undefined,
  bun: () => (getBunSqlite() === undefined ? 'bun:sqlite is only available under Bun' : undefined),
  'better-sqlite3': betterSqlite3Unavailable,
}

const drivers: Record<SqliteDriverName, SqliteDriver> = {
  node: nodeSqliteDriver,
  bun: bunSqliteDriver,
  'better-sqlite3': betterSqlite3Driver,
}

/** Thrown when the driver asked for cannot run on this runtime; the message says why and what to do. */
export class SqliteDriverUnavailableError extends Error {
  override readonly name = 'SqliteDriverUnavailableError'
}

/** The built-in drivers that can run here, in the order `auto` tries them. */
export function availableSqliteDrivers(): SqliteDriverName[] {
  return (['bun', 'node', 'better-sqlite3'] as const).filter((name) => unavailable[name]() === undefined)
}

/**
 * The driver to open with: the object given, the named built-in (throwing if it cannot run here), or by
 * runtime: bun:sqlite under Bun, node:sqlite where Node (>= 22.13) or Deno has it, else better-sqlite3.
 */
export function resolveSqliteDriver(choice: SqliteDriverName | SqliteDriver | undefined): SqliteDriver {
  if (typeof choice === 'object') return choice
  if (choice !== undefined) {
    if (!(choice in drivers)) {
      throw new SqliteDriverUnavailableError(
        `unknown SQLite driver "${choice}"; use 'node', 'bun' or 'better-sqlite3'`,
      )
    }
    const reason = unavailable[choice]()
    if (reason !== undefined)
      throw new SqliteDriverUnavailableError(`SQLite driver "${choice}" cannot run here: ${reason}`)
    return drivers[choice]
  }
  if (getBunSqlite() !== undefined) return bunSqliteDriver
  if (getNodeSqlite() !== undefined) return nodeSqliteDriver
  const reason = betterSqlite3Unavailable()
  if (reason !== undefined) {
    throw new SqliteDriverUnavailableError(
      `no SQLite driver can run on Node ${process.version}: node:sqlite needs Node >= 22.13, and ${reason}`,
    )
  }
  return betterSqlite3Driver
}
