/**
 * Measures a store's queue throughput once, used the way replicas of a deployment use it.
 *
 * @module
 */
import type { ClaimedChat, KeygramStore } from '@keygram/core'
import { job } from '../conformance/jobs.ts'

/** Options of {@link measureStoreThroughput}. */
export interface StoreThroughputOptions {
  /**
   * Stores on the SAME data, each with its own connection, as replicas would open them (one store measures
   * a single process). The first one enqueues; each one runs two claim + settle workers. Give them an
   * empty queue: jobs queued before are drained and counted too. They are left open.
   */
  replicas: readonly KeygramStore[]
  /**
   * Jobs enqueued in the concurrent run (default 20 000). The sequential run before it enqueues at most
   * 5 000, so the total is `jobs + min(jobs, 5000)`.
   */
  jobs?: number
  /** Chats the jobs are spread over, round robin (default 200). */
  chats?: number
  /** Enqueue calls in flight at once on the first replica during the concurrent run (default 64). */
  inFlight?: number
}

/**
 * What {@link measureStoreThroughput} measured. Rates are whole jobs per second of wall-clock time; the
 * counts cover both runs. For a correct store, `enqueued`, `claimed` and `settled` are equal and
 * `leftInQueue` is 0: every job was handed out once and settled once.
 */
export interface StoreThroughput {
  /** Enqueue calls one at a time (one job per delivery) on the first replica. */
  enqueueSequentialJobsPerSec: number
  /** Enqueue calls with `inFlight` of them at once on the first replica. */
  enqueueConcurrentJobsPerSec: number
  /** Claim + settle by every worker of every replica, draining the concurrent run. */
  claimSettleJobsPerSec: number
  /** The same for the drain of the smaller sequential run, where start-up weighs more. */
  claimSettleSmallRunJobsPerSec: number
  /** Jobs the store accepted from the enqueues. */
  enqueued: number
  /** Jobs handed out by claims; a job handed out twice counts twice. */
  claimed: number
  /** Jobs settled as done by a settle the store confirmed (`ok: true`). */
  settled: number
  /** Jobs the first replica still counts as pending or claimed after the last drain. */
  leftInQueue: number
  /** The settings the numbers were taken with. */
  settings: {
    replicas: number
    workers: number
    chats: number
    inFlight: number
    sequentialJobs: number
    concurrentJobs: number
    maxChats: number
    maxJobsPerChat: number
  }
}

/** Claim + settle workers per replica: two, so a replica's own workers compete too. */
const WORKERS_PER_REPLICA = 2
/** Chats per claim: what the delivery worker asks for by default (twice its 10 chats per round). */
const MAX_CHATS = 20
/** Jobs per claimed chat: a coalescing worker takes a run of several; 10 keeps each claim small. */
const MAX_JOBS_PER_CHAT = 10
/** Far longer than a drain takes, so no claim is ever taken over while measuring. */
const LEASE_MS = 30_000
/** Remembered as long as a real delivery key, so dedupe bookkeeping is part of the measured cost. */
const DEDUPE_TTL_MS = 86_400_000
/** The sequential run is capped: one call at a time is slow on a networked store. */
const MAX_SEQUENTIAL_JOBS = 5000

/** Whole jobs per second since `startedMs`; the floor on the time keeps a tiny run's rate finite. */
const perSecond = (count: number, startedMs: number): number =>
  Math.round((count * 1000) / Math.max(performance.now() - startedMs, 0.001))

/**
 * Measures a store's queue throughput once, for a benchmark script, not a test (it asserts nothing and
 * depends on the machine). First a sequential run: up to 5 000 jobs enqueued one call at a time, then
 * drained; then a concurrent run: `jobs` jobs enqueued with `inFlight` calls at once, then drained. A drain
 * is every replica's workers claiming (up to 20 chats of 10 jobs) and settling as done until the queue is
 * empty, racing each other. Every replica is pinged first. Uses only the public {@link KeygramStore}
 * interface, so any store can be measured and compared with the bundled ones.
 *
 * @example
 * ```ts
 * const replicas = [myStore(options), myStore(options)]
 * console.log(await measureStoreThroughput({ replicas, jobs: 5000 }))
 * for (const store of replicas) await store.close()
 * ```
 */
export async function measureStoreThroughput(options: StoreThroughputOptions): Promise<StoreThroughput> {
  const { replicas, jobs = 20_000, chats = 200, inFlight = 64 } = options
  const producer = replicas[0]
  if (producer === undefined) throw new RangeError('measureStoreThroughput needs at least one replica')
  // An unreachable store fails here with its own message, not somewhere inside a timed phase.
  for (const store of replicas) await store.ping()
  const counts = { enqueued: 0, claimed: 0, settled: 0 }

  const enqueueAll = async (count: number, parallel: number): Promise<number> => {
    const started = performance.now()
    let next = 0
    const lane = async () => {
      while (next < count) {
        const index = next++
        const result = await producer.queue.enqueue({
          deliveryKey: crypto.randomUUID(),
          dedupeTtlMs: DEDUPE_TTL_MS,
          jobs: [job(`-100${index % chats}`, `Order #${index} → Shipped`)],
          now: Date.now(),
        })
        counts.enqueued += result.jobIds.length
      }
    }
    await Promise.all(Array.from({ length: parallel }, lane))
    return perSecond(count, started)
  }

  const settleAsDone = async (store: KeygramStore, claim: ClaimedChat): Promise<number> => {
    const { ok } = await store.queue.settle(claim.chatId, claim.claimToken, {
      done: claim.jobs.map((queued) => queued.id),
      now: Date.now(),
    })
    return ok ? claim.jobs.length : 0
  }

  const drain = async (): Promise<number> => {
    const started = performance.now()
    let settled = 0
    // A worker stops at its first empty claim. The last one stops only once no other holds a claim, so
    // for a store that settles what it claims, the queue is empty by then.
    const worker = async (store: KeygramStore, workerId: string) => {
      for (;;) {
        const claims = await store.queue.claim({
          workerId,
          now: Date.now(),
          leaseMs: LEASE_MS,
          maxChats: MAX_CHATS,
          maxJobsPerChat: MAX_JOBS_PER_CHAT,
        })
        if (claims.length === 0) return
        for (const claim of claims) counts.claimed += claim.jobs.length
        const settledPerClaim = await Promise.all(claims.map((claim) => settleAsDone(store, claim)))
        for (const count of settledPerClaim) settled += count
      }
    }
    await Promise.all(
      replicas.flatMap((store, replica) =>
        Array.from({ length: WORKERS_PER_REPLICA }, (_, index) => worker(store, `r${replica}w${index}`)),
      ),
    )
    counts.settled += settled
    return perSecond(settled, started)
  }

  const sequentialJobs = Math.min(jobs, MAX_SEQUENTIAL_JOBS)
  const enqueueSequentialJobsPerSec = await enqueueAll(sequentialJobs, 1)
  const claimSettleSmallRunJobsPerSec = await drain()
  const enqueueConcurrentJobsPerSec = await enqueueAll(jobs, inFlight)
  const claimSettleJobsPerSec = await drain()
  const left = await producer.queue.stats(Date.now())
  return {
    enqueueSequentialJobsPerSec,
    enqueueConcurrentJobsPerSec,
    claimSettleJobsPerSec,
    claimSettleSmallRunJobsPerSec,
    ...counts,
    leftInQueue: left.pending + left.claimed,
    settings: {
      replicas: replicas.length,
      workers: replicas.length * WORKERS_PER_REPLICA,
      chats,
      inFlight,
      sequentialJobs,
      concurrentJobs: jobs,
      maxChats: MAX_CHATS,
      maxJobsPerChat: MAX_JOBS_PER_CHAT,
    },
  }
}
