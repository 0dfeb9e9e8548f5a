/**
 * The "never lost, never twice" scenario shared by the fault tests: accept KeyCRM webhooks through
 * `createNotifier` into a shared store while worker processes deliver them to a flaky fake Bot API, SIGKILL
 * workers mid-run, restart them, and collect what Telegram (the fake) received.
 *
 * The duplicate window. Delivery is at least once: a worker marks a job done (`settle`) only after Telegram
 * answered. A SIGKILL after Telegram took a message but before the settle committed leaves the job queued,
 * and the next worker sends it again. That window is not just "between the answer and the settle": it
 * starts when the request reaches Telegram, which processes it even if the sender is gone. With 20 chats
 * sending at once, some chat is nearly always inside it, so a kill at an arbitrary instant usually lands in
 * it (see `fenced: false`, which measures this).
 *
 * A fenced kill takes the window out of the picture instead of hoping to miss it: first every new
 * `sendMessage` is dropped before processing (the fake never records it), then the test waits until every
 * message the fake recorded has been reported settled by a worker, and only then kills. The kill still lands
 * on a live worker with chats claimed under a lease, jobs in back-off and requests in flight; every
 * duplicate seen afterwards is a real bug (a lost settle, a chat handed to two claims), not the window.
 */
import type { KeygramStore } from '@keygram/core'
import { createNotifier, parseWebhookText } from '@keygram/core'
import type { FakeBotApi, SentMessageRecord } from '@keygram/testing'
import type { FaultStoreConfig, FaultWorkerConfig, WorkerLine } from './fixtures/delivery-worker.ts'
import { FAULT_CHATS, FAULT_ROUTES, type GeneratedWebhook, orderIdOfText } from './webhooks.ts'
import { startWorker, stopWorker, type WorkerExit, type WorkerProcess } from './worker-process.ts'

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Worker settings small enough for a test: fast pacing and retries, a short lease. */
export const FAULT_WORKER_SETTINGS = {
  leaseMs: 2_000,
  chatIntervalMs: 20,
  globalPerSecond: 500,
  retryBaseMs: 20,
  retryCapMs: 500,
  idleMs: 5,
} as const satisfies Partial<FaultWorkerConfig>

/** Fake Bot API limits matching {@link FAULT_WORKER_SETTINGS}: a worker that keeps its pacing gets no 429. */
export const FAULT_FAKE_LIMITS = {
  perChatPerSecond: 1000 / FAULT_WORKER_SETTINGS.chatIntervalMs,
  perChatBurst: 3,
  groupPerMinute: (60 * 1000) / FAULT_WORKER_SETTINGS.chatIntervalMs,
  globalPerSecond: 1000,
}

/**
 * About 30% of `sendMessage` calls fail: 12% answer 500, 8% answer 429 with `retry_after: 1`, 10% lose the
 * connection before the fake processes them. The rules are tried in order, so each later rate is scaled to
 * what the earlier ones left.
 */
export function injectFaultMix(fake: FakeBotApi): void {
  fake.clearFaults()
  fake.fail('sendMessage', { status: 500, rate: 0.12 })
  fake.fail('sendMessage', { status: 429, retryAfter: 1, rate: 0.08 / 0.88 })
  fake.fail('sendMessage', { kind: 'drop_connection', rate: 0.1 / 0.8 })
}

/** Drops every `sendMessage` before processing: nothing new is sent until {@link injectFaultMix} again. */
function fenceSends(fake: FakeBotApi): void {
  fake.clearFaults()
  fake.fail('sendMessage', { kind: 'drop_connection', times: Number.POSITIVE_INFINITY })
}

/** Kill `worker` (index into the live workers) once the fake holds at least `afterSent` messages. */
export interface KillStep {
  afterSent: number
  worker: number
}

/** Options of {@link runFaultScenario}. */
export interface ScenarioOptions {
  fake: FakeBotApi
  /** The test's own connection: accepts the webhooks, reads queue stats. */
  store: KeygramStore
  /** What the worker processes open. */
  workerStore: FaultStoreConfig
  webhooks: readonly GeneratedWebhook[]
  /** Worker processes running at once. */
  workers: number
  kills: readonly KillStep[]
  /** See the module comment. Default `true`. */
  fenced?: boolean
  /**
   * Takes the store's write lock and returns its release (SQLite): held from the read of the claimed count
   * until the killed worker is gone, so the claims counted are exactly the ones the kill strands.
   */
  holdWrites?: () => () => void
  /** Chats `workerId` holds a live (unexpired) claim on at `now`. */
  liveClaimsOf: (workerId: string, now: number) => number | Promise<number>
  /** Every process started is pushed here, so the test can kill leftovers in `afterEach`. */
  processes: WorkerProcess[]
  /** Webhooks accepted per batch, and the pause between batches (ms). */
  acceptBatch?: number
  acceptGapMs?: number
  /** Give up waiting for the queue to drain after this long (ms from the start). */
  deadlineMs: number
}

/** What happened at one kill. */
export interface KillReport {
  workerId: string
  /** Messages the fake held when the kill started. */
  sentBefore: number
  /** Chats the victim held a live claim on just before the signal. */
  claimedAtKill: number
  /**
   * Chats still claimed by the victim once it was gone: stranded leases the others must wait out. Equal to
   * `claimedAtKill` when `holdWrites` froze the store; at most that otherwise.
   */
  claimedAfterExit: number
  /** Messages the fake recorded that no worker had reported settled when the process was gone. */
  unsettledAtKill: number
  /** ms from the fence to the kill signal (0 when not fenced). */
  fenceMs: number
  exit: WorkerExit
  replacedBy: string
}

/** Everything a fault test asserts on and reports. */
export interface ScenarioResult {
  accepted: Record<'queued' | 'duplicate' | 'unrouted', number>
  /** Redeliveries the notifier did not answer `duplicate`. */
  redeliveriesNotSuppressed: number
  /** Distinct order ids the fake received, and how many times each. */
  deliveries: Map<number, number>
  /** Order ids expected but never received. */
  missing: number[]
  /** Order ids received more than once. */
  duplicates: number[]
  /** Sent messages whose text carries no order id. */
  unidentified: number
  /** Per chat, `expected !== received` order (first receipt of each order id), as readable lines. */
  orderViolations: string[]
  /** Fake records never reported settled by any worker (only ever non-empty when a kill hit the window). */
  unsettled: SentMessageRecord[]
  kills: KillReport[]
  /** Messages each worker process reported settled as sent. */
  sentByWorker: Record<string, number>
  /** Worker `error` events (lost claims, failed settles, failed claims). */
  workerErrors: string[]
  deadEvents: number
  finalStats: Awaited<ReturnType<KeygramStore['queue']['stats']>>
  deadLetters: number
  /** sendMessage calls by HTTP status (0: connection dropped). */
  sendCalls: Record<string, number>
  gracefulExits: WorkerExit[]
  durationMs: number
  /** ms from the start until the last webhook was accepted. */
  acceptedByMs: number
}

/** Runs the scenario; throws only on harness failures (a deadline passed, a worker could not start). */
export async function runFaultScenario(options: ScenarioOptions): Promise<ScenarioResult> {
  const { fake, store, webhooks, processes } = options
  const fenced = options.fenced ?? true
  const acceptBatch = options.acceptBatch ?? 20
  const acceptGapMs = options.acceptGapMs ?? 50
  const started = Date.now()
  const settled = new Set<string>()
  const workerErrors: string[] = []
  const sentByWorker: Record<string, number> = {}
  let deadEvents = 0
  let generation = 0

  const onLine = (line: WorkerLine): void => {
    if (line.type === 'sent') {
      for (const id of line.messageIds) settled.add(`${line.chatId}:${id}`)
      sentByWorker[line.workerId] = (sentByWorker[line.workerId] ?? 0) + line.messageIds.length
    } else if (line.type === 'error') workerErrors.push(`${line.workerId}: ${line.error}`)
    else if (line.type === 'dead') deadEvents++
  }
  const spawnWorker = (workerId: string): WorkerProcess => {
    const worker = startWorker(
      { ...FAULT_WORKER_SETTINGS, store: options.workerStore, apiRoot: fake.url, workerId },
      fake.token,
      onLine,
    )
    processes.push(worker)
    return worker
  }
  const unsettledRecords = () =>
    fake.sent.filter((record) => !settled.has(`${record.chat_id}:${record.message_id}`))

  injectFaultMix(fake)
  const live = Array.from({ length: options.workers }, (_, index) => spawnWorker(`w${index}`))

  async function killAndRestart(step: KillStep): Promise<KillReport> {
    const victim = live[step.worker]
    if (victim === undefined) throw new Error(`no live worker #${step.worker}`)
    const sentBefore = fake.sent.length
    const fencedAt = Date.now()
    if (fenced) {
      fenceSends(fake)
      await waitUntil(() => unsettledRecords().length === 0, 5_000, 'recorded messages to be settled')
    }
    // Prefer a moment when the victim holds claims, so the kill strands live leases; never wait long for one.
    const claimDeadline = Date.now() + 2_000
    let claimedAtKill = 0
    let fenceMs = 0
    for (;;) {
      const release = options.holdWrites?.()
      try {
        claimedAtKill = await options.liveClaimsOf(victim.workerId, Date.now())
        if (claimedAtKill > 0 || Date.now() >= claimDeadline) {
          fenceMs = fenced ? Date.now() - fencedAt : 0
          victim.child.kill('SIGKILL')
          // With the lock held until the process is gone, it cannot commit anything after the count.
          await victim.exited
          break
        }
      } finally {
        release?.()
      }
      await sleep(1)
    }
    const exit = await victim.exited
    const claimedAfterExit = await options.liveClaimsOf(victim.workerId, Date.now())
    const unsettledAtKill = options.workers === 1 ? unsettledRecords().length : -1
    injectFaultMix(fake)
    const replacement = spawnWorker(`w${step.worker}-restart${++generation}`)
    live[step.worker] = replacement
    return {
      workerId: victim.workerId,
      sentBefore,
      claimedAtKill,
      claimedAfterExit,
      unsettledAtKill,
      fenceMs,
      exit,
      replacedBy: replacement.workerId,
    }
  }

  // One sequential driver: accept a batch, kill when due, pause. Sequential on purpose: while a kill holds
  // the SQLite write lock, no enqueue of this same thread may wait for it.
  const notifier = createNotifier({ store, routes: FAULT_ROUTES })
  const accepted = { queued: 0, duplicate: 0, unrouted: 0 }
  const expectedByChat = new Map<string, number[]>(FAULT_CHATS.map((chatId) => [chatId, []]))
  let redeliveriesNotSuppressed = 0
  const kills: KillReport[] = []
  const pendingKills = [...options.kills]
  let next = 0
  let acceptedByMs = 0
  while (next < webhooks.length || pendingKills.length > 0) {
    assertBefore(started + options.deadlineMs, 'accepting and killing')
    for (const webhook of webhooks.slice(next, next + acceptBatch)) {
      const result = await notifier.accept(parseWebhookText(webhook.body))
      accepted[result.status]++
      if (webhook.redelivery) {
        if (result.status !== 'duplicate') redeliveriesNotSuppressed++
      } else if (result.status === 'queued') expectedByChat.get(webhook.chatId)?.push(webhook.orderId)
    }
    next = Math.min(next + acceptBatch, webhooks.length)
    if (next === webhooks.length && acceptedByMs === 0) acceptedByMs = Date.now() - started
    const kill = pendingKills[0]
    if (kill !== undefined && fake.sent.length >= kill.afterSent) {
      pendingKills.shift()
      kills.push(await killAndRestart(kill))
      continue
    }
    await sleep(acceptGapMs)
  }

  const expectedIds = new Set(webhooks.filter((webhook) => !webhook.redelivery).map((w) => w.orderId))
  const deliveredIds = () => new Set(fake.sent.map((record) => orderIdOfText(record.plain_text)))
  await waitUntil(
    async () => {
      if (deliveredIds().size < expectedIds.size) return false
      const stats = await store.queue.stats(Date.now())
      return stats.pending === 0 && stats.claimed === 0
    },
    started + options.deadlineMs - Date.now(),
    'every message to be delivered and the queue to drain',
  )
  const durationMs = Date.now() - started
  const gracefulExits = await Promise.all(live.map((worker) => stopWorker(worker)))

  const deliveries = new Map<number, number>()
  const receivedByChat = new Map<string, number[]>()
  let unidentified = 0
  for (const record of fake.sent) {
    const orderId = orderIdOfText(record.plain_text)
    if (orderId === null) {
      unidentified++
      continue
    }
    const count = deliveries.get(orderId) ?? 0
    deliveries.set(orderId, count + 1)
    if (count > 0) continue
    const chatId = String(record.chat_id)
    receivedByChat.set(chatId, [...(receivedByChat.get(chatId) ?? []), orderId])
  }
  const orderViolations: string[] = []
  for (const [chatId, expected] of expectedByChat) {
    const received = receivedByChat.get(chatId) ?? []
    if (received.join(',') !== expected.join(','))
      orderViolations.push(`chat ${chatId}: expected ${expected.join(',')} got ${received.join(',')}`)
  }
  const sendCalls: Record<string, number> = {}
  for (const call of fake.calls) {
    if (call.method.toLowerCase() !== 'sendmessage') continue
    const key = String(call.status)
    sendCalls[key] = (sendCalls[key] ?? 0) + 1
  }

  return {
    accepted,
    redeliveriesNotSuppressed,
    deliveries,
    missing: [...expectedIds].filter((id) => !deliveries.has(id)),
    duplicates: [...deliveries].filter(([, count]) => count > 1).map(([id]) => id),
    unidentified,
    orderViolations,
    unsettled: unsettledRecords(),
    kills,
    sentByWorker,
    workerErrors,
    deadEvents,
    finalStats: await store.queue.stats(Date.now()),
    deadLetters: (await store.queue.listDead()).length,
    sendCalls,
    gracefulExits,
    durationMs,
    acceptedByMs,
  }
}

/** A one-line summary for the test log. */
export function describeResult(label: string, result: ScenarioResult): string {
  const total = [...result.deliveries.values()].reduce((sum, count) => sum + count, 0)
  const kills = result.kills
    .map(
      (kill) =>
        `${kill.workerId}@${kill.sentBefore} sent (claimed ${kill.claimedAtKill}/${kill.claimedAfterExit}, ` +
        `unsettled ${kill.unsettledAtKill < 0 ? 'n/a' : kill.unsettledAtKill}, fence ${kill.fenceMs} ms)`,
    )
    .join('; ')
  return (
    `[fault] ${label}: ${result.deliveries.size} orders delivered in ${total} messages, ` +
    `${result.duplicates.length} duplicated, ${result.missing.length} missing, ${result.deadLetters} dead; ` +
    `accepted ${JSON.stringify(result.accepted)} by ${result.acceptedByMs} ms; ` +
    `sendMessage calls by status ${JSON.stringify(result.sendCalls)}; kills: ${kills}; ` +
    `sent by worker ${JSON.stringify(result.sentByWorker)}; worker errors ${result.workerErrors.length}; drained in ${result.durationMs} ms`
  )
}

async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    assertBefore(deadline, `waiting for ${what}`)
    await sleep(2)
  }
}

function assertBefore(deadline: number, what: string): void {
  if (Date.now() > deadline) throw new Error(`fault scenario: deadline passed while ${what}`)
}
