import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { withoutSqliteWarning } from '../src/drivers/node.ts'
import { createTransaction } from '../src/drivers/transaction.ts'
import {
  availableSqliteDrivers,
  resolveSqliteDriver,
  type SqliteDriver,
  SqliteDriverUnavailableError,
  sqliteStore,
} from '../src/index.ts'
import { firstColumn, openRaw, tempDir, testDriver } from './helpers.ts'

const versions = process.versions as Record<string, string | undefined>
const hasNodeSqlite = process.getBuiltinModule?.('node:sqlite') !== undefined

describe('choosing the SQLite driver', () => {
  it('picks the runtime own SQLite: bun:sqlite under Bun, node:sqlite where it exists, else better-sqlite3', () => {
    const expected = versions.bun ? 'bun:sqlite' : hasNodeSqlite ? 'node:sqlite' : 'better-sqlite3'
    expect(resolveSqliteDriver(undefined).name).toBe(expected)
    expect(availableSqliteDrivers()[0]).toBe(
      expected === 'bun:sqlite' ? 'bun' : expected === 'node:sqlite' ? 'node' : 'better-sqlite3',
    )
  })

  it('refuses a driver this runtime lacks with an error that says why', () => {
    if (versions.bun === undefined) {
      expect(() => resolveSqliteDriver('bun')).toThrow(SqliteDriverUnavailableError)
      expect(() => resolveSqliteDriver('bun')).toThrow(/bun:sqlite is only available under Bun/)
    }
    if (!hasNodeSqlite) {
      expect(() => sqliteStore({ path: ':memory:', driver: 'node' })).toThrow(
        /SQLite driver "node" cannot run here: node:sqlite is not available on .* \(it needs Node >= 22\.13 or Deno\)/,
      )
    }
    expect(() => resolveSqliteDriver('sqlite3' as never)).toThrow(
      /unknown SQLite driver "sqlite3"; use 'node', 'bun' or 'better-sqlite3'/,
    )
  })

  it('opens through a driver object given in the options', async () => {
    const { dir, remove } = tempDir()
    const opened: string[] = []
    const recording: SqliteDriver = {
      name: 'recording',
      open(path, options) {
        opened.push(path)
        return testDriver.open(path, options)
      },
    }
    const path = join(dir, 'keygram.db')
    const store = sqliteStore({ path, driver: recording })
    try {
      await store.kv.set('k', { v: 1 })
      expect(await store.kv.get('k')).toEqual({ v: 1 })
      expect(opened).toEqual([path])
    } finally {
      await store.close()
      remove()
    }
  })
})

describe("node:sqlite's experimental warning", () => {
  it('is held back while node:sqlite loads; every other warning still reaches the process', async () => {
    const emitWarning = process.emitWarning
    const seen: string[] = []
    const listener = (warning: Error) => seen.push(warning.message)
    process.on('warning', listener)
    try {
      const experimental = 'SQLite is an experimental feature and might change at any time'
      withoutSqliteWarning(() => {
        process.emitWarning(experimental, 'ExperimentalWarning')
        process.emitWarning(
          'a test warning that must pass through (expected in the output)',
          'DeprecationWarning',
        )
      })
      // Warnings reach listeners on a later tick.
      await new Promise((resolve) => setImmediate(resolve))
      expect(seen).toEqual(['a test warning that must pass through (expected in the output)'])
      // Only while loading: afterwards the process's own emitWarning is back.
      expect(process.emitWarning).toBe(emitWarning)
    } finally {
      process.off('warning', listener)
    }
  })
})

describe('transactions over plain SQL (node:sqlite before Node 22.16 has no isTransaction)', () => {
  it('commits, rolls back on throw, and runs a nested one as a savepoint that fails alone', () => {
    const { dir, remove } = tempDir()
    const db = openRaw(join(dir, 'tx.db'))
    try {
      db.exec('CREATE TABLE t (v INTEGER NOT NULL)')
      // Only exec: the wrapper must count its own transactions to know when to use a savepoint.
      const host = { exec: (source: string) => db.exec(source) }
      const insert = db.prepare<[number]>('INSERT INTO t (v) VALUES (?)')
      const values = () => db.prepare('SELECT v FROM t ORDER BY v').all().map(firstColumn)
      const inner = createTransaction(host, (value: number) => {
        insert.run(value)
        if (value < 0) throw new Error('negative')
      })
      const outer = createTransaction(host, (list: number[]) => {
        for (const value of list) {
          try {
            inner(value)
          } catch {
            // The savepoint rolled back this value only.
          }
        }
        if (list.includes(0)) throw new Error('zero rolls back everything')
      })
      outer.immediate([1, -2, 3])
      expect(values()).toEqual([1, 3])
      expect(() => outer([4, 0])).toThrow('zero rolls back everything')
      expect(values()).toEqual([1, 3])
      // Nothing is left open: a new transaction begins cleanly.
      outer([5])
      expect(values()).toEqual([1, 3, 5])
    } finally {
      db.close()
      remove()
    }
  })
})
