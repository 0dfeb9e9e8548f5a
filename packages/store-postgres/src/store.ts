/**
 * `postgresStore()`: the {@link KeygramStore} for several replicas sharing one PostgreSQL database.
 *
 * @module
 */
import { type KeygramStore, notifyingQueue } from '@keygram/core'
import { Pool } from 'pg'
import { createPostgresBudgets } from './budgets.ts'
import { Database } from './database.ts'
import { createPostgresEnqueueSignal } from './enqueue-channel.ts'
import { createPostgresEventLog } from './events.ts'
import { createPostgresGuard } from './guard.ts'
import { createPostgresKv } from './kv.ts'
import type { PostgresPool } from './pool.ts'
import { createPostgresQueue } from './queue.ts'
import { redactPostgresUrl } from './redact.ts'
import { tablesFor } from './tables.ts'

const PING_TIMEOUT_MS = 2000
// node-postgres waits for a connection forever by default; a store behind a dead network must fail instead.
const CONNECT_TIMEOUT_MS = 5000

/** Options of {@link postgresStore}. */
export interface PostgresStoreOptions {
  /**
   * Connection URL, `postgres://user:password@host:5432/database` (`postgresql://` too; query parameters
   * such as `sslmode` as node-postgres reads them). The store opens a pool and ends it on `close()`.
   * Without `url` and `pool`, node-postgres' defaults apply (`PGHOST`, `PGUSER`, ... or localhost).
   */
  url?: string
  /**
   * An existing node-postgres `Pool` to use instead of `url`. The store never ends it, and leaves its
   * `error` events to the owner (node-postgres needs a listener there, or a dropped idle connection
   * crashes the process).
   */
  pool?: PostgresPool
  /**
   * The schema of the store's tables, created if missing; replicas that share work share it (and the
   * prefix). A lower-case identifier. Default `public`.
   */
  schema?: string
  /** Prefix of every table name, so several stores can share a schema. A lower-case identifier or empty. Default `keygram_`. */
  tablePrefix?: string
  /**
   * Epoch-ms clock for key-value TTLs and the lease expiries the guard reports. Default `Date.now`. Queue
   * times use the `now` callers pass; leases expire on the database clock.
   */
  clock?: () => number
}

/** The text of an error, also for `AggregateError`s (Node's dual-stack connect) whose message is empty. */
function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  if (error.message !== '') return error.message
  const inner = (error as { errors?: unknown[] }).errors?.[0]
  if (inner instanceof Error && inner.message !== '') return inner.message
  return (error as { code?: string }).code ?? error.name
}

function ownPool(url: string | undefined, onError: (error: Error | undefined) => void): Pool {
  if (url !== undefined) {
    try {
      new URL(url)
    } catch {
      // No `cause`: the URL parser's error carries the whole URL, password included.
      throw new TypeError(`postgresStore: url is not a valid URL (${redactPostgresUrl(url)})`)
    }
  }
  const pool = new Pool({
    ...(url === undefined ? {} : { connectionString: url }),
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    application_name: 'keygram',
  })
  // Without a listener, an idle connection dropped by the server would crash the process.
  pool.on('error', (error) => onError(error))
  pool.on('connect', () => onError(undefined))
  return pool
}

/**
 * Creates a PostgreSQL-backed {@link KeygramStore}: the durable delivery queue, key-values, the event log
 * and the single-instance guard, shared by every replica on the same database, schema and prefix. Tables are
 * created on first use (PostgreSQL 13 or later).
 *
 * @example
 * ```ts
 * const store = postgresStore({ url: process.env.DATABASE_URL, schema: 'keygram' })
 * ```
 * @throws {TypeError} when both `url` and `pool` are given, or the schema or prefix is not an identifier.
 */
export function postgresStore(options: PostgresStoreOptions = {}): KeygramStore {
  if (options.url !== undefined && options.pool !== undefined) {
    throw new TypeError('postgresStore: pass either url or pool, not both')
  }
  const tables = tablesFor(options.schema ?? 'public', options.tablePrefix ?? 'keygram_')
  const clock = options.clock ?? Date.now
  const url = options.url
  let lastConnectionError: Error | undefined
  const owned = options.pool === undefined
  const pool: PostgresPool =
    options.pool ??
    ownPool(url, (error) => {
      lastConnectionError = error
    })
  const db = new Database(pool, tables)
  const guard = createPostgresGuard(db, clock)
  const enqueued = createPostgresEnqueueSignal(pool, tables)
  let closed: Promise<void> | undefined

  return {
    name: 'postgres',
    queue: notifyingQueue(createPostgresQueue(db), enqueued),
    kv: createPostgresKv(db, clock),
    events: createPostgresEventLog(db),
    guard,
    budgets: createPostgresBudgets(db),
    async ping() {
      let timer: ReturnType<typeof setTimeout> | undefined
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${PING_TIMEOUT_MS} ms`)), PING_TIMEOUT_MS)
        timer.unref?.()
      })
      const answer = db.ping()
      // After a timeout the ping may still fail later; that is not news to anyone.
      answer.catch(() => {})
      try {
        await Promise.race([answer, timeout])
      } catch (error) {
        const where = url === undefined ? 'PostgreSQL' : `PostgreSQL at ${redactPostgresUrl(url)}`
        const last = lastConnectionError ? ` (last connection error: ${errorText(lastConnectionError)})` : ''
        throw new Error(`${where} did not answer: ${errorText(error)}${last}`, { cause: error })
      } finally {
        clearTimeout(timer)
      }
    },
    close() {
      closed ??= (async () => {
        db.close()
        guard.close()
        await enqueued.close()
        if (owned) await pool.end()
      })()
      return closed
    },
  }
}
