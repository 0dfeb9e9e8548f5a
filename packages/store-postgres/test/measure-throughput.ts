/**
 * Measures the PostgreSQL store's throughput once (not a test) with `measureStoreThroughput` from
 * @keygram/testing: enqueue, and claim + settle by two replicas, each with its own pool (node-postgres'
 * default of 10 connections, so 64 enqueues in flight wait for one).
 * Run: `pnpm exec tsx packages/store-postgres/test/measure-throughput.ts [jobs]` (KEYGRAM_TEST_POSTGRES_URL
 * picks the database). Works in a fresh schema and drops it afterwards.
 */
import { measureStoreThroughput } from '@keygram/testing'
import { postgresStore } from '../src/index.ts'
import { connect, dropSchema, POSTGRES_URL, uniqueSchema } from './helpers.ts'

const schema = uniqueSchema()
const replicas = [postgresStore({ url: POSTGRES_URL, schema }), postgresStore({ url: POSTGRES_URL, schema })]
try {
  const result = await measureStoreThroughput({ replicas, jobs: Number(process.argv[2] ?? 20_000) })
  console.log(JSON.stringify(result, null, 2))
} finally {
  for (const store of replicas) await store.close()
  const admin = await connect()
  await dropSchema(admin, schema)
  await admin.end()
}
