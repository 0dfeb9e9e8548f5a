/**
 * Latency bench: how long a lone notification takes, from the webhook POST to `sendMessage` arriving at
 * the fake Bot API (`packages/testing`), with the worker woken by the store's enqueue notices against the
 * poll alone (the store's `onEnqueued` hidden), both measured in the same run.
 *
 * Each store (memory, SQLite, Redis, PostgreSQL) runs in two layouts: one process (the webhook role takes
 * the webhook and its worker sends), and two processes sharing the store, one taking webhooks (its worker
 * never claims) and one whose worker sends: the layout where a notice must cross processes (Redis pub/sub,
 * PostgreSQL LISTEN/NOTIFY, the SQLite file's poll). The memory store cannot be shared, so it has no two.
 * The Keygram processes are `bench/lib/latency-target.ts` children (the real webhook server, Telegram over
 * `fetch`); the fake and the load run here. Poll only and woken run at the same time, each on a store of
 * its own, and take turns order by order, so a busy moment of the (shared) machine falls on both alike.
 * One order at a time: each waits a random 10 to 150 ms after the previous one was sent (any phase of the
 * 100 ms poll), then posts; the time counts from just before the
 * POST (so it includes the webhook's own handling) to the fake's arrival time of the `sendMessage`
 * (`Date.now()`, 1 ms resolution). The chat's pacing is off in the children: back-to-back orders into one
 * chat would otherwise measure the 1 s per chat pace.
 *
 * Run: `node --import tsx bench/latency.ts` (Redis at `BENCH_REDIS_URL`, default `redis://127.0.0.1:6379`;
 * PostgreSQL at `BENCH_POSTGRES_URL`, default `postgres://postgres@127.0.0.1:5432/test`; both get their own
 * prefix or schema, deleted afterwards). `BENCH_SCALE` below 1 sends fewer orders and leaves results.json
 * untouched.
 *
 * @module
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createFakeBotApi, type FakeBotApi } from '../packages/testing/src/index.ts'
import { WEBHOOK_PATH, webhookBody } from './lib/ingest-load.ts'
import { freePort, spawnNode, stopProcess } from './lib/process-probe.ts'
import { mergeResults } from './lib/results.ts'
import { readScale } from './lib/scale.ts'
import { formatTable } from './lib/table.ts'

const TARGET = fileURLToPath(new URL('./lib/latency-target.ts', import.meta.url))
const ROOT = fileURLToPath(new URL('..', import.meta.url))
const FULL_ORDERS = 200
const WARMUP_ORDERS = 5
const GAP_MS = { min: 10, max: 150 }
const POLL_MS = 100
const SEND_TIMEOUT_MS = 10_000
const CHAT_ID = '700000001'
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379'
const POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

// The drivers are the store packages' dependencies, not the workspace root's: load them from there.
const requireFrom = (pkg: string) =>
  createRequire(fileURLToPath(new URL(`../packages/${pkg}/package.json`, import.meta.url)))
const { Redis } = requireFrom('store-redis')('ioredis') as {
  Redis: new (
    url: string,
  ) => {
    keys(pattern: string): Promise<string[]>
    del(...keys: string[]): Promise<number>
    disconnect(): void
  }
}
const { Pool } = requireFrom('store-postgres')('pg') as {
  Pool: new (options: {
    connectionString: string
  }) => {
    query(text: string): Promise<unknown>
    end(): Promise<void>
  }
}

type StoreKind = 'memory' | 'sqlite' | 'redis' | 'postgres'
const STORES: readonly StoreKind[] = ['memory', 'sqlite', 'redis', 'postgres']

/** One measured configuration. */
interface Run {
  store: StoreKind
  processes: 1 | 2
  wake: boolean
  samples: number[]
}

/** Where a store's data lives for one configuration, and how to delete it afterwards. */
interface Backing {
  at: string
  namespace: string
  remove(): Promise<void>
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}

async function backingFor(store: StoreKind, label: string): Promise<Backing> {
  switch (store) {
    case 'memory':
      return { at: '', namespace: '', remove: async () => {} }
    case 'sqlite': {
      const folder = await mkdtemp(join(tmpdir(), 'keygram-bench-latency-db-'))
      return {
        at: join(folder, 'keygram.db'),
        namespace: '',
        remove: () => rm(folder, { recursive: true, force: true }),
      }
    }
    case 'redis': {
      const prefix = `bench-latency:${label}:${process.pid}:`
      return {
        at: REDIS_URL,
        namespace: prefix,
        async remove() {
          const redis = new Redis(REDIS_URL)
          try {
            const keys = await redis.keys(`${prefix}*`)
            if (keys.length > 0) await redis.del(...keys)
          } finally {
            redis.disconnect()
          }
        },
      }
    }
    case 'postgres': {
      const schema = `bench_latency_${label}_${process.pid}`
      return {
        at: POSTGRES_URL,
        namespace: schema,
        async remove() {
          const pool = new Pool({ connectionString: POSTGRES_URL })
          try {
            await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
          } finally {
            await pool.end()
          }
        },
      }
    }
  }
}

/** A started Keygram child and its webhook URL. */
interface Target {
  url: string
  stop(): Promise<void>
}

async function startTarget(env: Record<string, string>): Promise<Target> {
  const port = await freePort()
  const child = spawnNode(['--import', 'tsx', TARGET], { ...env, LATENCY_PORT: String(port) }, ROOT)
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line in 60 s:\n${child.output()}`)), 60_000)
    child.stdout?.on('data', () => {
      const match = /ready (\S+)/.exec(child.output())
      if (match !== null) {
        clearTimeout(timer)
        resolve(match[1]!)
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`the target exited (${code}) before it was ready:\n${child.output()}`))
    })
  })
  return {
    url,
    async stop() {
      await stopProcess(child, 10_000)
      // The child ends on its own once the server and store are closed; SIGKILL means something stayed open.
      if (child.signalCode === 'SIGKILL')
        throw new Error(`a target did not exit after stopping:\n${child.output()}`)
    },
  }
}

function sendCount(fake: FakeBotApi): number {
  return fake.calls.filter((call) => call.method === 'sendMessage' && call.status === 200).length
}

/** Waits for the send after the first `count`; resolves when it arrived at the fake (its `Date.now()`). */
async function waitForSend(fake: FakeBotApi, count: number): Promise<number> {
  const deadline = Date.now() + SEND_TIMEOUT_MS
  for (;;) {
    const sends = fake.calls.filter((call) => call.method === 'sendMessage' && call.status === 200)
    if (sends.length > count) return sends[count]!.at
    if (Date.now() > deadline) throw new Error(`no sendMessage within ${SEND_TIMEOUT_MS} ms`)
    await sleep(1)
  }
}

/** Waits a random gap, posts one order and resolves its latency in ms. */
async function measureOrder(fake: FakeBotApi, webhookUrl: string): Promise<number> {
  await sleep(GAP_MS.min + Math.random() * (GAP_MS.max - GAP_MS.min))
  fake.clear()
  const sent = sendCount(fake)
  const postedAt = Date.now()
  const response = await fetch(`${webhookUrl}${WEBHOOK_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: webhookBody(nextOrder++),
  })
  await response.arrayBuffer()
  if (!response.ok) throw new Error(`webhook answered ${response.status}`)
  return (await waitForSend(fake, sent)) - postedAt
}

let nextOrder = 0

/** One configuration's processes, started on a store of its own. */
interface Variant {
  run: Run
  webhookUrl: string
  stop(): Promise<void>
}

async function startVariant(fake: FakeBotApi, run: Run): Promise<Variant> {
  const label = `${run.store}${run.processes}${run.wake ? 'w' : 'p'}`
  const backing = await backingFor(run.store, label)
  const base = {
    LATENCY_STORE: run.store,
    LATENCY_STORE_AT: backing.at,
    LATENCY_NAMESPACE: backing.namespace,
    LATENCY_WAKE: run.wake ? '1' : '0',
    LATENCY_API_ROOT: fake.url,
    LATENCY_TOKEN: fake.token,
    LATENCY_CHAT_ID: CHAT_ID,
  }
  const targets: Target[] = []
  const stop = async () => {
    for (const target of targets.reverse()) await target.stop()
    await backing.remove()
  }
  try {
    if (run.processes === 1) targets.push(await startTarget({ ...base, LATENCY_PART: 'all' }))
    else {
      targets.push(await startTarget({ ...base, LATENCY_PART: 'ingest' }))
      targets.push(await startTarget({ ...base, LATENCY_PART: 'deliver' }))
    }
  } catch (error) {
    await stop()
    throw error
  }
  return { run, webhookUrl: targets[0]!.url, stop }
}

/**
 * Poll only and woken side by side: both run at once, on stores of their own, and take turns order by
 * order (in a random order each time), so a busy moment of the machine falls on both alike.
 */
async function runPair(fake: FakeBotApi, store: StoreKind, processes: 1 | 2, orders: number): Promise<Run[]> {
  const variants: Variant[] = []
  try {
    for (const wake of [false, true]) {
      variants.push(await startVariant(fake, { store, processes, wake, samples: [] }))
    }
    for (const variant of variants) {
      for (let index = 0; index < WARMUP_ORDERS; index++) await measureOrder(fake, variant.webhookUrl)
    }
    for (let index = 0; index < orders; index++) {
      const turn = Math.random() < 0.5 ? variants : [...variants].reverse()
      for (const variant of turn) variant.run.samples.push(await measureOrder(fake, variant.webhookUrl))
    }
    return variants.map((variant) => variant.run)
  } finally {
    for (const variant of variants) await variant.stop()
  }
}

function summary(run: Run) {
  const sorted = [...run.samples].sort((a, b) => a - b)
  return {
    store: run.store,
    processes: run.processes,
    wake: run.wake,
    p50_ms: percentile(sorted, 50),
    p99_ms: percentile(sorted, 99),
    max_ms: sorted[sorted.length - 1] ?? Number.NaN,
  }
}

async function main(): Promise<void> {
  const scale = readScale()
  const orders = Math.max(20, Math.round(FULL_ORDERS * scale))
  // The tail is the machine's as much as Keygram's: record how busy it was.
  const loadBefore = loadavg()[0]!
  const fake = await createFakeBotApi({ limits: { enabled: false } })
  const runs: Run[] = []
  try {
    for (const store of STORES) {
      for (const processes of store === 'memory' ? ([1] as const) : ([1, 2] as const)) {
        console.log(`${store}, ${processes} process(es): ${orders} orders each, poll only and woken in turns`)
        runs.push(...(await runPair(fake, store, processes, orders)))
      }
    }
  } finally {
    await fake.close()
  }

  const rows = runs.map(summary)
  console.log(
    `\n${formatTable(
      ['store', 'processes', 'wait', 'p50 ms', 'p99 ms', 'max ms'],
      rows.map((row) => [
        row.store,
        String(row.processes),
        row.wake ? 'woken' : 'poll only',
        String(row.p50_ms),
        String(row.p99_ms),
        String(row.max_ms),
      ]),
    )}`,
  )
  const woken = rows.filter((row) => row.wake)
  const worst = (processes: number) =>
    Math.max(...woken.filter((row) => row.processes === processes).map((row) => row.p99_ms))
  const polled = rows.filter((row) => !row.wake)
  const ratio = (processes: number) =>
    worst(processes) /
    Math.max(...polled.filter((row) => row.processes === processes).map((row) => row.p99_ms))
  const result = {
    orders_per_run: orders,
    gap_ms: GAP_MS,
    poll_ms: POLL_MS,
    one_process_p99_ms: worst(1),
    two_process_p99_ms: worst(2),
    one_process_p99_ratio_vs_poll: Number(ratio(1).toFixed(3)),
    two_process_p99_ratio_vs_poll: Number(ratio(2).toFixed(3)),
    load_average_1m: { before: Number(loadBefore.toFixed(2)), after: Number(loadavg()[0]!.toFixed(2)) },
    runs: rows,
  }
  console.log(
    `\nworst p99 woken: one process ${result.one_process_p99_ms} ms, two ${result.two_process_p99_ms} ms; ` +
      `woken / poll-only worst p99: ${result.one_process_p99_ratio_vs_poll} and ${result.two_process_p99_ratio_vs_poll}`,
  )
  if (scale === 1) await mergeResults({ latency: result })
  else console.log('quick run (BENCH_SCALE < 1): results.json untouched')
}

await main()
