/**
 * Measures the Redis store's throughput once (not a test) with `measureStoreThroughput` from
 * @keygram/testing: enqueue, and claim + settle by two replicas, each with its own connection.
 * Run: `pnpm exec tsx packages/store-redis/test/measure-throughput.ts [jobs]`. Works under a fresh key
 * prefix and deletes it afterwards.
 */
import { measureStoreThroughput } from '@keygram/testing'
import { redisStore } from '../src/index.ts'
import { connect, deletePrefix, REDIS_URL, uniquePrefix } from './helpers.ts'

const prefix = uniquePrefix()
const replicas = [redisStore({ url: REDIS_URL, prefix }), redisStore({ url: REDIS_URL, prefix })]
try {
  const result = await measureStoreThroughput({ replicas, jobs: Number(process.argv[2] ?? 20_000) })
  console.log(JSON.stringify(result, null, 2))
} finally {
  for (const store of replicas) await store.close()
  const admin = await connect()
  await deletePrefix(admin, prefix)
  await admin.quit()
}
