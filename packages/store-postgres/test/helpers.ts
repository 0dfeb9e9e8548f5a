import { randomBytes, randomUUID } from 'node:crypto'
import type { ClaimInput, KeygramStore, NewJob } from '@keygram/core'
import pg from 'pg'
import { type PostgresStoreOptions, postgresStore, redactPostgresUrl } from '../src/index.ts'

/** The PostgreSQL every test talks to. Tests FAIL (never skip) when it does not answer. */
export const POSTGRES_URL = process.env.KEYGRAM_TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/test'

/** A schema nobody else uses, so test files can run side by side and drop what they made. */
export function uniqueSchema(): string {
  return `keygram_test_${randomBytes(6).toString('hex')}`
}

/**
 * Opens a pool and checks the database answers within a few seconds; rejects with a message saying what
 * to do when it does not, instead of letting every test time out.
 */
export async function connect(): Promise<pg.Pool> {
  const pool = new pg.Pool({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000, max: 4 })
  pool.on('error', () => {})
  try {
    await pool.query('SELECT 1')
  } catch (error) {
    await pool.end().catch(() => {})
    const why =
      error instanceof Error ? error.message || String((error as { code?: string }).code) : String(error)
    throw new Error(
      `PostgreSQL at ${redactPostgresUrl(POSTGRES_URL)} is unreachable (${why}). The store tests need a real ` +
        'PostgreSQL: start it (.ci/run does) or point KEYGRAM_TEST_POSTGRES_URL at one.',
    )
  }
  return pool
}

/** Drops `schema` and everything in it. */
export async function dropSchema(pool: pg.Pool, schema: string): Promise<void> {
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
}

/**
 * Opens stores on one schema, each with its OWN pool (as replicas would), and cleans up: closes the
 * stores, then drops the schema.
 */
export function postgresFixture(options: Omit<PostgresStoreOptions, 'url' | 'pool' | 'schema'> = {}) {
  const schema = uniqueSchema()
  const stores: KeygramStore[] = []
  let admin: pg.Pool | undefined
  return {
    schema,
    open(extra: Omit<PostgresStoreOptions, 'url' | 'pool' | 'schema'> = {}): KeygramStore {
      const store = postgresStore({ url: POSTGRES_URL, schema, ...options, ...extra })
      stores.push(store)
      return store
    },
    async admin(): Promise<pg.Pool> {
      admin ??= await connect()
      return admin
    },
    async cleanup() {
      for (const store of stores.splice(0)) await store.close()
      const pool = admin ?? (await connect())
      await dropSchema(pool, schema)
      await pool.end()
      admin = undefined
    },
  }
}

/** A job for `chatId` whose text names it, so order can be read back. */
export function job(chatId: string, text: string, threadId?: number): NewJob {
  const newJob: NewJob = {
    chatId,
    message: { text, parse_mode: 'HTML', link_preview_options: { is_disabled: true } },
    summaryLine: text,
  }
  if (threadId !== undefined) newJob.threadId = threadId
  return newJob
}

/** Claim input with generous defaults. */
export function claimInput(now: number, overrides: Partial<Omit<ClaimInput, 'now'>> = {}): ClaimInput {
  return { workerId: 'w1', now, leaseMs: 30_000, maxChats: 10, maxJobsPerChat: 10, ...overrides }
}

/** Enqueues `jobs` under a fresh delivery key. */
export async function enqueue(store: KeygramStore, now: number, ...jobs: NewJob[]): Promise<string[]> {
  const result = await store.queue.enqueue({ deliveryKey: randomUUID(), dedupeTtlMs: 60_000, jobs, now })
  return result.jobIds
}
