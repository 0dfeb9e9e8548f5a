/**
 * The better-sqlite3 driver: a native addon, for Node without `node:sqlite` (Node 20) or when asked for.
 * Its API is the one the store was written against, so the connection is better-sqlite3's own object.
 *
 * @module
 */
import { createRequire } from 'node:module'
import type BetterSqlite3 from 'better-sqlite3'
import type { SqliteConnection, SqliteDriver } from '../driver.ts'

/** Loads the optional dependency; `undefined` when it is not installed or does not load here. */
function loadBetterSqlite3(): typeof BetterSqlite3 | undefined {
  try {
    // A runtime require, so the package stays optional and bundlers leave it outside the bundle.
    const load = createRequire(import.meta.url)
    return load('better-sqlite3') as typeof BetterSqlite3
  } catch {
    return undefined
  }
}

/** Why better-sqlite3 cannot be used here, or `undefined` when it can. */
export function betterSqlite3Unavailable(): string | undefined {
  const Database = loadBetterSqlite3()
  if (Database === undefined) {
    return 'the optional package better-sqlite3 is not installed (or has no build for this Node); run `npm install better-sqlite3`'
  }
  try {
    // The addon loads lazily: opening a database is what finds a binary built for another Node.
    new Database(':memory:').close()
    return undefined
  } catch (error) {
    return `better-sqlite3 does not load under Node ${process.version}: ${(error as Error).message.split('\n')[0]}`
  }
}

/** The better-sqlite3 driver. */
export const betterSqlite3Driver: SqliteDriver = {
  name: 'better-sqlite3',
  open(path, options) {
    const Database = loadBetterSqlite3()
    if (Database === undefined) throw new Error(`SQLite driver better-sqlite3: ${betterSqlite3Unavailable()}`)
    return new Database(path, { timeout: options.busyTimeoutMs }) as unknown as SqliteConnection
  },
}
