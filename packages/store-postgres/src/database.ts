/**
 * The store's access to PostgreSQL: prepared statements, short transactions retried on deadlock, and the
 * schema created (or migrated) on first use.
 *
 * @module
 */
import { createHash } from 'node:crypto'
import type { PostgresPool, PostgresQueryable, PostgresQueryResult } from './pool.ts'
import { migrations } from './schema.ts'
import type { Tables } from './tables.ts'

/** A SQL statement with a stable name, so each connection parses and plans it once. */
export interface Statement {
  readonly name: string
  readonly text: string
}

/**
 * Names a statement after its text: two stores on one pool with different schemas get different
 * names, and equal text shares one prepared statement.
 */
export function statement(text: string): Statement {
  return { name: `keygram_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`, text }
}

/** Runs statements on a pool or on the connection of a transaction. */
export interface Runner {
  run(statement: Statement, values?: unknown[]): Promise<PostgresQueryResult>
}

// Deadlocks are possible between a settle that moves a chat and work on the target chat; PostgreSQL
// aborts one side, which then simply runs again.
const RETRYABLE = new Set(['40P01', '40001'])
const MAX_ATTEMPTS = 5

function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

function runnerOf(target: PostgresQueryable): Runner {
  return {
    run: (statement, values = []) => target.query({ name: statement.name, text: statement.text, values }),
  }
}

/**
 * Brings the schema to the version this code writes. Up to date: two catalog reads and no DDL, so a
 * role without CREATE rights can run against a schema made by another. Otherwise the DDL runs in one
 * transaction under a transaction-scoped advisory lock on the schema + prefix, so replicas starting
 * at once neither race the `CREATE`s nor run a migration twice.
 */
async function migrate(pool: PostgresPool, tables: Tables): Promise<void> {
  const steps = migrations(tables)
  const newer = (version: number) =>
    new Error(
      `Keygram PostgreSQL schema ${tables.schemaName} is at version ${version}, newer than this @keygram/store-postgres supports (${steps.length}); upgrade the package`,
    )
  const found = await pool.query({
    text: 'SELECT to_regclass($1) IS NOT NULL AS found',
    values: [tables.version],
  })
  if (found.rows[0]?.found === true) {
    const current = await pool.query({ text: `SELECT version FROM ${tables.version}` })
    const version = Number(current.rows[0]?.version ?? 0)
    if (version === steps.length) return
    if (version > steps.length) throw newer(version)
  }

  const client = await pool.connect()
  let broken: Error | undefined
  try {
    await client.query({ text: 'BEGIN' })
    await client.query({ text: 'SELECT pg_advisory_xact_lock(hashtext($1))', values: [tables.lockKey] })
    const schema = await client.query({
      text: 'SELECT to_regnamespace($1) IS NOT NULL AS found',
      values: [tables.schemaName],
    })
    if (schema.rows[0]?.found !== true)
      await client.query({ text: `CREATE SCHEMA IF NOT EXISTS ${tables.schema}` })
    await client.query({
      text: `CREATE TABLE IF NOT EXISTS ${tables.version} (
        single boolean PRIMARY KEY DEFAULT true CHECK (single),
        version integer NOT NULL
      )`,
    })
    const current = await client.query({ text: `SELECT version FROM ${tables.version}` })
    const version = Number(current.rows[0]?.version ?? 0)
    if (version > steps.length) throw newer(version)
    for (let step = version; step < steps.length; step++) await client.query({ text: steps[step]! })
    if (version !== steps.length) {
      await client.query({
        text: `INSERT INTO ${tables.version} (single, version) VALUES (true, $1)
               ON CONFLICT (single) DO UPDATE SET version = excluded.version`,
        values: [steps.length],
      })
    }
    await client.query({ text: 'COMMIT' })
  } catch (error) {
    await client.query({ text: 'ROLLBACK' }).catch((rollbackError: Error) => {
      broken = rollbackError
    })
    throw error
  } finally {
    client.release(broken)
  }
}

/** The pool, the table names and the lazily created schema, shared by the store's parts. */
export class Database implements Runner {
  readonly tables: Tables
  readonly #pool: PostgresPool
  #ready: Promise<void> | undefined
  #closed = false

  constructor(pool: PostgresPool, tables: Tables) {
    this.#pool = pool
    this.tables = tables
  }

  /** Creates or migrates the schema once; a failure is not cached, so the next call tries again. */
  ensureSchema(): Promise<void> {
    this.#ready ??= migrate(this.#pool, this.tables).catch((error: unknown) => {
      this.#ready = undefined
      throw error
    })
    return this.#ready
  }

  /** Whether {@link Database.close} was called. */
  get closed(): boolean {
    return this.#closed
  }

  /** Marks the store closed: every later call rejects. */
  close(): void {
    this.#closed = true
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('postgresStore: the store is closed')
  }

  /** Runs one statement on its own (autocommit: atomic and durable when it resolves). */
  async run(statement: Statement, values: unknown[] = []): Promise<PostgresQueryResult> {
    this.#assertOpen()
    await this.ensureSchema()
    return this.#pool.query({ name: statement.name, text: statement.text, values })
  }

  /** A plain query without the schema check, for `ping`. */
  async ping(): Promise<void> {
    this.#assertOpen()
    await this.ensureSchema()
    await this.#pool.query({ text: 'SELECT 1' })
  }

  /**
   * Runs `work` in a READ COMMITTED transaction on one connection and commits; rolls back and rethrows
   * on error. A deadlock or serialization failure runs `work` again from the start (a few times).
   */
  async transaction<T>(work: (tx: Runner) => Promise<T>): Promise<T> {
    this.#assertOpen()
    await this.ensureSchema()
    for (let attempt = 1; ; attempt++) {
      const client = await this.#pool.connect()
      let broken: Error | undefined
      try {
        await client.query({ text: 'BEGIN' })
        const result = await work(runnerOf(client))
        await client.query({ text: 'COMMIT' })
        return result
      } catch (error) {
        await client.query({ text: 'ROLLBACK' }).catch((rollbackError: Error) => {
          broken = rollbackError
        })
        if (attempt < MAX_ATTEMPTS && RETRYABLE.has(sqlState(error) ?? '')) continue
        throw error
      } finally {
        client.release(broken)
      }
    }
  }
}
