/**
 * Measures the PostgreSQL store's throughput once (not a test): enqueue, and claim + settle by two replicas.
 * Run: `pnpm exec tsx packages/store-postgres/test/measure-throughput.ts [jobs]` (KEYGRAM_TEST_POSTGRES_URL
 * picks the database). Works in a fresh schema and drops it afterwards.
 */
import { randomUUID } from 'node:crypto'
import type { KeygramStore } from '@keygram/core'
import { postgresStore } from '../src/index.ts'
import { connect, dropSchema, job, POSTGRES_URL, uniqueSchema } from './helpers.ts'

const total = Number(process.argv[2] ?? 20_000)
const chats = 200
const inFlight = 64

async function enqueueAll(store: KeygramStore, count: number, parallel: number): Promise<number> {
  const started = performance.now()
  let next = 0
  const lane = async () => {
    while (next < count) {
      const index = next++
      await store.queue.enqueue({
        deliveryKey: randomUUID(),
        dedupeTtlMs: 86_400_000,
        jobs: [job(`-100${index % chats}`, `Order #${index} → Shipped`)],
        now: Date.now(),
      })
    }
  }
  await Promise.all(Array.from({ length: parallel }, lane))
  return count / ((performance.now() - started) / 1000)
}

async function drainWith(replicas: KeygramStore[]): Promise<{ jobs: number; perSecond: number }> {
  const started = performance.now()
  let jobs = 0
  const worker = async (store: KeygramStore, workerId: string) => {
    for (;;) {
      const claims = await store.queue.claim({
        workerId,
        now: Date.now(),
        leaseMs: 30_000,
        maxChats: 20,
        maxJobsPerChat: 10,
      })
      if (claims.length === 0) return
      await Promise.all(
        claims.map((claim) => {
          jobs += claim.jobs.length
          return store.queue.settle(claim.chatId, claim.claimToken, {
            done: claim.jobs.map((queued) => queued.id),
            now: Date.now(),
          })
        }),
      )
    }
  }
  await Promise.all(
    replicas.flatMap((store, index) => [worker(store, `r${index}a`), worker(store, `r${index}b`)]),
  )
  return { jobs, perSecond: jobs / ((performance.now() - started) / 1000) }
}

const schema = uniqueSchema()
const replicas = [postgresStore({ url: POSTGRES_URL, schema }), postgresStore({ url: POSTGRES_URL, schema })]
try {
  await replicas[0]!.ping()
  const sequential = await enqueueAll(replicas[0]!, Math.min(total, 5000), 1)
  const first = await drainWith(replicas)
  const concurrent = await enqueueAll(replicas[0]!, total, inFlight)
  const drained = await drainWith(replicas)
  console.log(
    JSON.stringify(
      {
        enqueueSequentialJobsPerSec: Math.round(sequential),
        enqueueConcurrentJobsPerSec: Math.round(concurrent),
        enqueueConcurrency: `${inFlight} in flight on one store (pool of 10 connections)`,
        claimSettleJobsPerSec: Math.round(drained.perSecond),
        claimSettleJobs: drained.jobs,
        claimSettleSmallRunJobsPerSec: Math.round(first.perSecond),
        chats,
        workers: '2 replicas x 2 workers, maxChats 20, maxJobsPerChat 10',
      },
      null,
      2,
    ),
  )
} finally {
  for (const store of replicas) await store.close()
  const admin = await connect()
  await dropSchema(admin, schema)
  await admin.end()
}
