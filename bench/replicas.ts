/**
 * Replicas bench: three Keygram processes sharing one bot token and one KeyCRM API key through a store
 * (Redis, PostgreSQL), against the fake Bot API (which enforces Telegram's limits and answers 429 past them)
 * and the fake KeyCRM API (429 past its per-key limit). Each replica is a real child process with its own
 * store connection; the parent hosts the fakes, fills the queue and times the run.
 *
 * - `telegram`: 2,000 notifications to 50 private chats (40 each), so the bot's overall 30/s is the bound
 *   (66.6 s at least); three delivery workers send them. Measured: wall time from "go" until the fake has
 *   every message, its 429s, and the busiest second it saw.
 * - `keycrm`: 300 orders fetched (`priority: 'enrich'`) by three KeyCRM clients, 100 each, while one
 *   replica also makes an `action` request every 2 s; KeyCRM's 60 per minute is scaled to 60 per 6 s in
 *   both the fake and the clients (the same limit ten times faster, so a run takes 25 s rather than 4 min).
 *   Measured: wall time, 429s, and how long the action requests waited for a slot.
 *
 * Each shared run has a baseline in the same run: the same replicas with the store's budgets hidden (each
 * process counts only its own, as before budgets were shared), on Redis.
 *
 * Run: `pnpm bench:replicas` (about 6 minutes). `BENCH_SCALE=0.1` runs a tenth of the load and leaves
 * bench/results.json alone; `BENCH_REPLICAS_PARTS=telegram` or `keycrm` runs (and records) one part.
 *
 * @module
 */
import { type ChildProcess, fork } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import {
  createDeliveryWorker,
  createFetchTransport,
  createKeycrmClient,
  createNotifier,
  type KeycrmPriority,
  type KeygramStore,
  telegramBudgetKey,
} from '../packages/core/src/index.ts'
import { postgresStore } from '../packages/store-postgres/src/index.ts'
import { redisStore } from '../packages/store-redis/src/index.ts'
import { createFakeBotApi, createFakeKeycrmApi } from '../packages/testing/src/index.ts'
import { buildLoad } from './lib/load.ts'
import { earliestLastSend, maxInWindow, minimumSeconds } from './lib/pacing.ts'
import { mergeResults, readResults } from './lib/results.ts'
import { readScale } from './lib/scale.ts'
import { formatTable } from './lib/table.ts'

const REPLICAS = 3
const CHATS = 50
const FULL_MESSAGES = 2000
const FULL_ORDERS = 300
const KEYCRM_LIMIT = 60
const KEYCRM_WINDOW_MS = 6_000
const KEYCRM_MARGIN_MS = 100
const ACTION_EVERY_MS = 2_000
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379'
const POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const SELF = fileURLToPath(import.meta.url)

type Backend = 'redis' | 'postgres'

/** Where a replica's store is: a backend and the prefix or schema of this run. */
interface StoreSpec {
  backend: Backend
  space: string
}

/** What the parent tells a child to be. */
type ChildTask =
  | { part: 'telegram'; store: StoreSpec; shared: boolean; apiRoot: string; token: string }
  | {
      part: 'keycrm'
      store: StoreSpec
      shared: boolean
      baseUrl: string
      apiKey: string
      orderIds: number[]
      actionOrderId: number | null
    }

/** What a child reports when its work is done. */
interface ChildReport {
  failed: number
  actionWaitsMs: number[]
}

function openStore(spec: StoreSpec): KeygramStore {
  return spec.backend === 'redis'
    ? redisStore({ url: REDIS_URL, prefix: spec.space })
    : postgresStore({ url: POSTGRES_URL, schema: spec.space })
}

/** The little of ioredis and pg the clean-up uses (the root workspace has neither's types). */
interface RedisDriver {
  Redis: new (
    url: string,
  ) => {
    scan(cursor: string, ...args: (string | number)[]): Promise<[string, string[]]>
    del(...keys: string[]): Promise<number>
    quit(): Promise<unknown>
  }
}
interface PgDriver {
  Pool: new (options: {
    connectionString: string
  }) => {
    query(text: string): Promise<unknown>
    end(): Promise<void>
  }
}

function fromPackage(name: string): NodeJS.Require {
  return createRequire(new URL(`../packages/${name}/package.json`, import.meta.url))
}

/** Drops the run's data: its Redis keys or its PostgreSQL schema. */
async function dropSpace(spec: StoreSpec): Promise<void> {
  if (spec.backend === 'redis') {
    // The drivers are the store packages' dependencies, not the workspace root's.
    const { Redis } = fromPackage('store-redis')('ioredis') as RedisDriver
    const redis = new Redis(REDIS_URL)
    let cursor = '0'
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${spec.space}*`, 'COUNT', 1000)
      cursor = next
      if (keys.length > 0) await redis.del(...keys)
    } while (cursor !== '0')
    await redis.quit()
  } else {
    const pg = fromPackage('store-postgres')('pg') as PgDriver
    const pool = new pg.Pool({ connectionString: POSTGRES_URL })
    await pool.query(`DROP SCHEMA IF EXISTS "${spec.space}" CASCADE`)
    await pool.end()
  }
}

// ---------------------------------------------------------------------------------------------------------
// Child side: one replica.

/** Resolves the next message of the parent that has this `type`. */
function nextMessage(type: string): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const listener = (message: Record<string, unknown>) => {
      if (message.type !== type) return
      process.off('message', listener)
      resolve(message)
    }
    process.on('message', listener)
  })
}

async function runChild(task: ChildTask): Promise<void> {
  const store = openStore(task.store)
  await store.ping()
  // The baseline hides the budgets: each process then keeps its own per-process limits.
  const budgets = task.shared ? store.budgets : undefined
  const report: ChildReport = { failed: 0, actionWaitsMs: [] }
  if (task.part === 'telegram') {
    const worker = createDeliveryWorker({
      store: { queue: store.queue, kv: store.kv, ...(budgets === undefined ? {} : { budgets }) },
      budgetKey: telegramBudgetKey(task.token),
      transport: createFetchTransport({ token: task.token, apiRoot: task.apiRoot }),
      coalesce: false,
    })
    process.send?.({ type: 'ready' })
    await nextMessage('go')
    worker.start()
    await nextMessage('stop')
    await worker.stop()
  } else {
    const client = createKeycrmClient({
      apiKey: task.apiKey,
      baseUrl: task.baseUrl,
      rateLimit: { limit: KEYCRM_LIMIT, windowMs: KEYCRM_WINDOW_MS, marginMs: KEYCRM_MARGIN_MS },
      // Enough 429 retries that the baseline finishes too (its replicas ignore each other).
      rateLimitRetries: 50,
      ...(budgets === undefined ? {} : { budgets }),
    })
    process.send?.({ type: 'ready' })
    await nextMessage('go')
    const fetchOne = async (id: number, priority: KeycrmPriority) => {
      try {
        await client.order(id, { priority })
      } catch {
        report.failed++
      }
    }
    let enriching = true
    const enrich = Promise.all(task.orderIds.map((id) => fetchOne(id, 'enrich'))).then(() => {
      enriching = false
    })
    const actions = (async () => {
      if (task.actionOrderId === null) return
      while (enriching) {
        await Promise.race([new Promise((resolve) => setTimeout(resolve, ACTION_EVERY_MS)), enrich])
        if (!enriching) break
        const asked = Date.now()
        await fetchOne(task.actionOrderId, 'action')
        report.actionWaitsMs.push(Date.now() - asked)
      }
    })()
    await Promise.all([enrich, actions])
  }
  process.send?.({ type: 'done', report })
  await store.close()
}

// ---------------------------------------------------------------------------------------------------------
// Parent side.

/** Starts the replicas, waits until each is ready, and says go. */
async function startReplicas(
  tasks: ChildTask[],
): Promise<{ children: ChildProcess[]; reports: Promise<ChildReport[]> }> {
  const children = tasks.map((task) =>
    fork(SELF, ['child', JSON.stringify(task)], { execArgv: ['--import', 'tsx'], stdio: 'inherit' }),
  )
  const messageOf = (child: ChildProcess, type: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      child.on('message', (message: Record<string, unknown>) => {
        if (message.type === type) resolve(message)
      })
      child.on('exit', (code) => reject(new Error(`a replica exited with ${code} before "${type}"`)))
    })
  await Promise.all(children.map((child) => messageOf(child, 'ready')))
  const reports = Promise.all(
    children.map((child) => messageOf(child, 'done').then((m) => m.report as ChildReport)),
  )
  reports.catch(() => {})
  for (const child of children) child.send({ type: 'go' })
  return { children, reports }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

const round = (value: number) => Math.round(value * 1000) / 1000

interface TelegramRun {
  seconds: number
  ratio_vs_minimum: number
  http_429: number
  max_per_second: number
}

async function runTelegram(
  spec: StoreSpec,
  shared: boolean,
  messages: number,
  minimum: number,
): Promise<TelegramRun> {
  const fake = await createFakeBotApi()
  const store = openStore(spec)
  try {
    const load = buildLoad({ messages, chats: CHATS, mix: 'private' })
    const notifier = createNotifier({
      store,
      routes: (event) => [{ chatId: load.chatOf(event) }],
      format: { keycrmDomain: 'demo' },
    })
    for (const event of load.events) await notifier.accept(event)
    const task: ChildTask = { part: 'telegram', store: spec, shared, apiRoot: fake.url, token: fake.token }
    const { children } = await startReplicas(Array.from({ length: REPLICAS }, () => task))
    const startedAt = Date.now()
    const deadline = startedAt + Math.max(60_000, minimum * 4000)
    while (fake.sent.length < messages) {
      if (Date.now() > deadline) throw new Error(`only ${fake.sent.length} of ${messages} arrived in time`)
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    const seconds = (Date.now() - startedAt) / 1000
    for (const child of children) child.send({ type: 'stop' })
    await Promise.all(children.map(exited))
    const arrivals = fake.calls.filter((call) => call.method === 'sendMessage').map((call) => call.at)
    return {
      seconds: round(seconds),
      ratio_vs_minimum: round(seconds / minimum),
      http_429: fake.count429,
      max_per_second: maxInWindow(arrivals, 1000),
    }
  } finally {
    await store.close()
    await fake.close()
    await dropSpace(spec)
  }
}

interface KeycrmRun {
  seconds: number
  /** `null` when every request fits in the first window (a scaled-down run). */
  ratio_vs_minimum: number | null
  http_429: number
  failed: number
  action_requests: number
  action_wait_ms_max: number
  action_wait_ms_mean: number
}

async function runKeycrm(spec: StoreSpec, shared: boolean, orders: number): Promise<KeycrmRun> {
  const fake = await createFakeKeycrmApi({ rateLimit: { limit: KEYCRM_LIMIT, windowMs: KEYCRM_WINDOW_MS } })
  // Opening the store once creates the schema before the replicas race to.
  const store = openStore(spec)
  await store.ping()
  try {
    const template = fake.data.orders[0]!
    const ids = Array.from({ length: orders }, (_, index) => 200_000 + index)
    for (const id of ids) fake.data.orders.push({ ...structuredClone(template), id })
    const tasks: ChildTask[] = Array.from({ length: REPLICAS }, (_, replica) => ({
      part: 'keycrm',
      store: spec,
      shared,
      baseUrl: fake.url,
      apiKey: fake.apiKey,
      orderIds: ids.filter((_, index) => index % REPLICAS === replica),
      actionOrderId: replica === 0 ? template.id : null,
    }))
    const { children, reports } = await startReplicas(tasks)
    const startedAt = Date.now()
    const done = await reports
    const seconds = (Date.now() - startedAt) / 1000
    await Promise.all(children.map(exited))
    const waits = done.flatMap((report) => report.actionWaitsMs)
    const requests = fake.requests.filter((request) => request.status !== 429).length
    const minimum = earliestLastSend(requests, 0, KEYCRM_LIMIT, KEYCRM_WINDOW_MS / 1000)
    return {
      seconds: round(seconds),
      ratio_vs_minimum: minimum > 0 ? round(seconds / minimum) : null,
      http_429: fake.requests.filter((request) => request.status === 429).length,
      failed: done.reduce((sum, report) => sum + report.failed, 0),
      action_requests: waits.length,
      action_wait_ms_max: Math.max(0, ...waits),
      action_wait_ms_mean: Math.round(waits.reduce((sum, wait) => sum + wait, 0) / Math.max(1, waits.length)),
    }
  } finally {
    await store.close()
    await fake.close()
    await dropSpace(spec)
  }
}

function space(backend: Backend, name: string): StoreSpec {
  const suffix = `${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`
  return backend === 'redis'
    ? { backend, space: `bench-replicas:${name}:${suffix}:` }
    : { backend, space: `bench_replicas_${name}_${suffix}` }
}

async function main(): Promise<void> {
  const scale = readScale()
  const parts = (process.env.BENCH_REPLICAS_PARTS ?? 'telegram,keycrm').split(',')
  const results: Record<string, unknown> = {}

  if (parts.includes('telegram')) {
    const messages = Math.max(CHATS, Math.round(FULL_MESSAGES * scale))
    const load = buildLoad({ messages, chats: CHATS, mix: 'private' })
    const minimum = minimumSeconds(load.chats).seconds
    console.log(
      `telegram: ${messages} messages to ${CHATS} private chats by ${REPLICAS} replicas; minimum ${minimum.toFixed(2)} s`,
    )
    const runs = {
      redis: await runTelegram(space('redis', 'tg'), true, messages, minimum),
      postgres: await runTelegram(space('postgres', 'tg'), true, messages, minimum),
      redis_unshared: await runTelegram(space('redis', 'tgu'), false, messages, minimum),
    }
    console.log(
      formatTable(
        ['run', 'seconds', 'ratio', '429s', 'max/1s'],
        Object.entries(runs).map(([name, run]) => [
          name,
          run.seconds.toFixed(2),
          run.ratio_vs_minimum.toFixed(3),
          String(run.http_429),
          String(run.max_per_second),
        ]),
      ),
    )
    results.telegram = {
      messages,
      chats: CHATS,
      mix: `${CHATS} private`,
      replicas: REPLICAS,
      minimum_seconds: round(minimum),
      ...runs,
    }
  }

  if (parts.includes('keycrm')) {
    const orders = Math.max(REPLICAS, Math.round(FULL_ORDERS * scale))
    console.log(
      `keycrm: ${orders} orders by ${REPLICAS} replicas at ${KEYCRM_LIMIT} per ${KEYCRM_WINDOW_MS} ms`,
    )
    const runs = {
      redis: await runKeycrm(space('redis', 'kc'), true, orders),
      postgres: await runKeycrm(space('postgres', 'kc'), true, orders),
      redis_unshared: await runKeycrm(space('redis', 'kcu'), false, orders),
    }
    console.log(
      formatTable(
        ['run', 'seconds', 'ratio', '429s', 'failed', 'action waits ms mean/max (n)'],
        Object.entries(runs).map(([name, run]) => [
          name,
          run.seconds.toFixed(2),
          run.ratio_vs_minimum?.toFixed(3) ?? '-',
          String(run.http_429),
          String(run.failed),
          `${run.action_wait_ms_mean} / ${run.action_wait_ms_max} (${run.action_requests})`,
        ]),
      ),
    )
    results.keycrm = {
      orders,
      replicas: REPLICAS,
      limit: `${KEYCRM_LIMIT} per ${KEYCRM_WINDOW_MS} ms (KeyCRM's 60/min, 10x faster)`,
      ...runs,
    }
  }

  if (scale !== 1) {
    console.log('\nbench/results.json not updated (only full runs are recorded)')
    return
  }
  // A run of one part keeps the other part's last numbers.
  const previous = (await readResults()).replicas
  const kept = previous !== null && typeof previous === 'object' ? (previous as Record<string, unknown>) : {}
  const { machine: _machine, ...earlier } = kept
  await mergeResults({ replicas: { ...earlier, ...results } })
  console.log('\nbench/results.json updated under "replicas"')
}

if (process.argv[2] === 'child') await runChild(JSON.parse(process.argv[3]!) as ChildTask)
else await main()
