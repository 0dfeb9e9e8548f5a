/**
 * Delivery bench: Keygram's delivery engine against grammY's transformer-throttler, both sending the same
 * notifications to a fake Bot API that enforces Telegram's limits (1/s per chat, 20/min per group, 30/s
 * overall), measured in wall time against the least time those limits allow, and in 429s.
 *
 * Run: `node --import tsx bench/delivery.ts` (see bench/README.md for the environment variables).
 *
 * @module
 */

import { apiThrottler } from '@grammyjs/transformer-throttler'
import { Bot, GrammyError } from 'grammy'
import type { UserFromGetMe } from 'grammy/types'
import { buildJobs } from '../packages/core/src/delivery/notifier.ts'
import {
  createDeliveryWorker,
  createFetchTransport,
  createNotifier,
  type DeliveryEvent,
  type DeliveryWorkerOptions,
  defaultDeliveryLimits,
  type FormatOptions,
  memoryStore,
  type NewJob,
  type QueueStore,
  type TelegramTransport,
} from '../packages/core/src/index.ts'
import { createFakeBotApi, type FakeBotApi } from '../packages/testing/src/index.ts'
import { buildLoad, type ChatMix, type Load } from './lib/load.ts'
import {
  type ChatLoad,
  chatGapStats,
  earliestLastSend,
  type GapStats,
  maxInWindow,
  minimumSeconds,
  telegramLimits,
} from './lib/pacing.ts'
import { mergeResults } from './lib/results.ts'
import { readScale } from './lib/scale.ts'
import { type RateLimitCauses, rateLimitCauses, sendTimesByChat } from './lib/send-log.ts'
import { formatTable } from './lib/table.ts'

const FULL_MESSAGES = 2000
const CHATS = 50
const POLL_MS = 5
const FORMAT: FormatOptions = { keycrmDomain: 'demo' }

/** The worker options an experiment may tune through `BENCH_WORKER` (JSON). */
type WorkerTuning = Pick<DeliveryWorkerOptions, 'idleMs' | 'leaseMs' | 'limits'>

interface Settings {
  scale: number
  messages: number
  mix: ChatMix
  /** Worker options the run overrides (an experiment: results are not written). */
  worker: WorkerTuning | undefined
  /** Skip the grammY run (experiments on Keygram's options). */
  skipBaseline: boolean
}

/** What one run measured. */
interface RunOutcome {
  name: string
  seconds: number
  http429: number
  /** Successful `sendMessage` arrival times at the fake, ms after the start, by chat id. */
  sendTimes: Map<string, number[]>
  /** Which limit each of the fake's 429s answered. */
  causes: RateLimitCauses
  notes: string[]
}

function readSettings(): Settings {
  const scale = readScale()
  const mix = process.env.BENCH_MIX ?? 'mixed'
  if (mix !== 'mixed' && mix !== 'private') throw new Error('BENCH_MIX must be "mixed" or "private"')
  const worker = readWorkerTuning(process.env.BENCH_WORKER)
  const skipBaseline = process.env.BENCH_SKIP_BASELINE === '1'
  return { scale, messages: Math.max(CHATS, Math.round(FULL_MESSAGES * scale)), mix, worker, skipBaseline }
}

function readWorkerTuning(json: string | undefined): WorkerTuning | undefined {
  if (json === undefined || json === '') return undefined
  const parsed: unknown = JSON.parse(json)
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new Error('BENCH_WORKER must be a JSON object, e.g. {"idleMs":10,"limits":{"globalBurst":2}}')
  const unknown = Object.keys(parsed).filter((key) => !['idleMs', 'leaseMs', 'limits'].includes(key))
  if (unknown.length > 0)
    throw new Error(`BENCH_WORKER: only idleMs, leaseMs and limits, not ${unknown.join(', ')}`)
  return parsed as WorkerTuning
}

/** Resolves the time the fake had recorded `count` messages; rejects after `timeoutMs`. */
async function waitForSent(fake: FakeBotApi, count: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs
  while (fake.sent.length < count) {
    if (Date.now() > deadline) {
      throw new Error(`only ${fake.sent.length} of ${count} messages arrived within ${timeoutMs} ms`)
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS))
  }
  return Date.now()
}

async function runKeygram(load: Load, settings: Settings, timeoutMs: number): Promise<RunOutcome> {
  const fake = await createFakeBotApi()
  const store = memoryStore({ maxQueuedJobs: Number.POSITIVE_INFINITY })
  // The queue is wrapped to see the worker's rounds: how many chats each claim got, and the empty ones
  // after which the worker sleeps `idleMs`.
  const rounds: number[] = []
  const queue: QueueStore = {
    ...store.queue,
    async claim(input) {
      const claimed = await store.queue.claim(input)
      rounds.push(claimed.length)
      return claimed
    },
  }
  const events: Partial<Record<DeliveryEvent['type'], number>> = {}
  try {
    const notifier = createNotifier({
      store: { queue, kv: store.kv },
      routes: (event) => [{ chatId: load.chatOf(event) }],
      format: FORMAT,
    })
    const acceptStart = performance.now()
    let queued = 0
    for (const event of load.events) queued += (await notifier.accept(event)).jobs
    const acceptMs = performance.now() - acceptStart
    if (queued !== load.events.length) throw new Error(`expected ${load.events.length} jobs, got ${queued}`)

    // The transport is wrapped to see when the worker let each send go (right after its global token).
    const fetchTransport = createFetchTransport({ token: fake.token, apiRoot: fake.url })
    const sendStarts: number[] = []
    const transport: TelegramTransport = {
      sendMessage(target, message) {
        sendStarts.push(Date.now())
        return fetchTransport.sendMessage(target, message)
      },
    }
    const worker = createDeliveryWorker({
      store: { queue, kv: store.kv },
      transport,
      coalesce: false,
      ...settings.worker,
      onEvent: (event) => {
        events[event.type] = (events[event.type] ?? 0) + 1
      },
    })
    const startedAt = Date.now()
    worker.start()
    let finishedAt: number
    try {
      finishedAt = await waitForSent(fake, queued, timeoutMs)
    } finally {
      await worker.stop()
    }
    const firstStart = sendStarts[0] ?? startedAt
    // A cold HTTP client (lazy set-up, new connection) delays the first arrival: compare with the second.
    const secondLatencyMs = (fake.calls[1]?.at ?? firstStart) - (sendStarts[1] ?? firstStart)
    // While more chats are due than the global limit lets through, the gap between sends is its real pace.
    const steadyCount = Math.floor(sendStarts.length * 0.75)
    const steadyGapMs =
      ((sendStarts[steadyCount - 1] ?? firstStart) - firstStart) / Math.max(1, steadyCount - 1)
    const busy = rounds.filter((chats) => chats > 0)
    const busyMean = busy.reduce((sum, chats) => sum + chats, 0) / Math.max(1, busy.length)
    return {
      name: 'keygram worker',
      seconds: (finishedAt - startedAt) / 1000,
      http429: fake.count429,
      sendTimes: sendTimesByChat(fake.calls, startedAt),
      causes: rateLimitCauses(fake.calls, startedAt, telegramLimits),
      notes: [
        `global pace while the global limit was the bottleneck (first ${steadyCount} sends): one per ` +
          `${steadyGapMs.toFixed(2)} ms = ${(1000 / steadyGapMs).toFixed(2)}/s (limit ${defaultDeliveryLimits.globalPerSecond}/s)`,
        `first send left ${firstStart - startedAt} ms after start and reached the fake ` +
          `${(fake.calls[0]?.at ?? firstStart) - firstStart} ms later (second: ${secondLatencyMs} ms); ` +
          `at most ${maxInWindow(sendStarts, 1000)} sends ` +
          `left the worker in any 1000 ms (the fake accepts ${telegramLimits.globalPerSecond} per sliding second)`,
        `accepted ${queued} events into memoryStore in ${acceptMs.toFixed(0)} ms`,
        `claim rounds: ${rounds.length} (${busy.length} with work, mean ${busyMean.toFixed(1)} chats; ` +
          `${rounds.length - busy.length} empty, each followed by an idle sleep of ${settings.worker?.idleMs ?? 100} ms)`,
        `worker events: ${JSON.stringify(events)}`,
      ],
    }
  } finally {
    await store.close()
    await fake.close()
  }
}

/** Sends one job through grammY; on a 429 waits `retry_after` and resends, as the auto-retry plugin would. */
async function sendWithRetry(bot: Bot, job: NewJob): Promise<number> {
  const { text, ...other } = job.message
  for (let resent = 0; ; resent++) {
    try {
      await bot.api.sendMessage(job.chatId, text, other)
      return resent
    } catch (error) {
      if (!(error instanceof GrammyError) || error.error_code !== 429 || resent >= 10) throw error
      await new Promise((resolve) => setTimeout(resolve, (error.parameters.retry_after ?? 1) * 1000))
    }
  }
}

async function runThrottler(load: Load, timeoutMs: number): Promise<RunOutcome> {
  const fake = await createFakeBotApi()
  try {
    const bot = new Bot(fake.token, {
      botInfo: fake.botInfo as UserFromGetMe,
      client: { apiRoot: fake.url },
    })
    bot.api.config.use(apiThrottler())
    // The same messages Keygram sends, in the order the events came.
    const jobs = load.events.flatMap((event) => buildJobs(event, [{ chatId: load.chatOf(event) }], FORMAT))
    const startedAt = Date.now()
    const sends = Promise.allSettled(jobs.map((job) => sendWithRetry(bot, job)))
    const finishedAt = await waitForSent(fake, jobs.length, timeoutMs)
    const outcomes = await sends
    const failed = outcomes.filter((outcome) => outcome.status === 'rejected').length
    const resent = outcomes.reduce(
      (sum, outcome) => sum + (outcome.status === 'fulfilled' ? outcome.value : 0),
      0,
    )
    return {
      name: 'grammY + apiThrottler()',
      seconds: (finishedAt - startedAt) / 1000,
      http429: fake.count429,
      sendTimes: sendTimesByChat(fake.calls, startedAt),
      causes: rateLimitCauses(fake.calls, startedAt, telegramLimits),
      notes: [
        `fired ${jobs.length} sendMessage calls at once; ${resent} resent after a 429, ${failed} failed`,
      ],
    }
  } finally {
    await fake.close()
  }
}

/** The time Keygram's own pacing settings need for the load (its model, before any overhead). */
function keygramModelSeconds(chats: readonly ChatLoad[]): number {
  const limits = defaultDeliveryLimits
  const total = chats.reduce((sum, chat) => sum + chat.messages, 0)
  const perChat = (chat: ChatLoad) =>
    chat.group
      ? earliestLastSend(chat.messages, limits.groupChatIntervalMs / 1000, limits.groupMessagesPerMinute, 60)
      : earliestLastSend(chat.messages, limits.privateChatIntervalMs / 1000)
  return Math.max(earliestLastSend(total, 1 / limits.globalPerSecond), ...chats.map(perChat))
}

function gapText(stats: GapStats | null): string {
  if (stats === null) return '-'
  return `${stats.mean.toFixed(0)} / ${stats.p95.toFixed(0)} / ${stats.min.toFixed(0)}`
}

function timesOfKind(run: RunOutcome, load: Load, group: boolean): Map<string, number[]> {
  const groups = new Set(load.chats.filter((chat) => chat.group).map((chat) => chat.chatId))
  return new Map([...run.sendTimes].filter(([chatId]) => groups.has(chatId) === group))
}

function lastOf(times: Map<string, number[]>): number {
  return Math.max(0, ...[...times.values()].flat()) / 1000
}

/**
 * Mean gap between messages into one group while private chats were still being served (everyone shares
 * the global 30/s) and after (groups alone): tells competition for the global cap from pacing overhead.
 */
function groupGapPhases(run: RunOutcome, load: Load): string | null {
  const groupTimes = timesOfKind(run, load, true)
  if (groupTimes.size === 0) return null
  const lastPrivateMs = lastOf(timesOfKind(run, load, false)) * 1000
  const shared: number[] = []
  const alone: number[] = []
  for (const times of groupTimes.values()) {
    const sorted = [...times].sort((a, b) => a - b)
    for (let index = 1; index < sorted.length; index++) {
      const gap = sorted[index]! - sorted[index - 1]!
      ;(sorted[index]! <= lastPrivateMs ? shared : alone).push(gap)
    }
  }
  const mean = (gaps: number[]) =>
    gaps.length === 0 ? '-' : `${(gaps.reduce((sum, gap) => sum + gap, 0) / gaps.length).toFixed(0)} ms`
  return (
    `group gaps while private chats still sent: mean ${mean(shared)} (${shared.length}); ` +
    `after: mean ${mean(alone)} (${alone.length})`
  )
}

function describeRun(run: RunOutcome, load: Load, minimum: number): string[] {
  const privateTimes = timesOfKind(run, load, false)
  const groupTimes = timesOfKind(run, load, true)
  return [
    run.name,
    run.seconds.toFixed(2),
    (run.seconds / minimum).toFixed(3),
    String(run.http429),
    lastOf(privateTimes).toFixed(1),
    groupTimes.size === 0 ? '-' : lastOf(groupTimes).toFixed(1),
    String(maxInWindow([...run.sendTimes.values()].flat(), 1000)),
    gapText(chatGapStats(privateTimes)),
    gapText(chatGapStats(groupTimes)),
  ]
}

function describeCauses({ global, group, chat }: RateLimitCauses): string {
  const first = global.slice(0, 8).map((at) => `${at} ms`)
  const when = global.length === 0 ? '' : ` (at ${first.join(', ')}${global.length > 8 ? ', ...' : ''})`
  return `global ${global.length}${when}, group ${group}, chat ${chat}`
}

async function main(): Promise<void> {
  const settings = readSettings()
  const load = buildLoad({ messages: settings.messages, chats: CHATS, mix: settings.mix })
  const minimum = minimumSeconds(load.chats)
  const timeoutMs = Math.max(60_000, minimum.seconds * 3000 + 30_000)
  console.log(
    `delivery bench: ${settings.messages} notifications over ${CHATS} chats (${load.describe}), ` +
      `${load.chats[0]?.messages ?? 0} per chat; scale ${settings.scale}`,
  )
  console.log(
    `minimum the limits allow: ${minimum.seconds.toFixed(2)} s = max(${minimum.bounds
      .map((bound) => `${bound.name} ${bound.seconds.toFixed(2)} s`)
      .join(', ')})`,
  )
  console.log(
    `keygram's own pacing model (default limits) needs ${keygramModelSeconds(load.chats).toFixed(2)} s`,
  )

  const keygram = await runKeygram(load, settings, timeoutMs)
  const throttler = settings.skipBaseline ? null : await runThrottler(load, timeoutMs)
  const runs = throttler === null ? [keygram] : [keygram, throttler]

  console.log()
  console.log(
    formatTable(
      [
        'run',
        'seconds',
        'ratio',
        '429s',
        'last private s',
        'last group s',
        'max/1s',
        'private gap ms mean/p95/min',
        'group gap ms mean/p95/min',
      ],
      runs.map((run) => describeRun(run, load, minimum.seconds)),
    ),
  )
  console.log()
  for (const run of runs) {
    for (const note of run.notes) console.log(`${run.name}: ${note}`)
    const phases = groupGapPhases(run, load)
    if (phases !== null) console.log(`${run.name}: ${phases}`)
    console.log(`${run.name}: 429s by limit: ${describeCauses(run.causes)}`)
  }

  if (settings.scale !== 1 || settings.worker !== undefined || throttler === null) {
    console.log('\nbench/results.json not updated (only full runs with default options are recorded)')
    return
  }
  const round = (value: number) => Math.round(value * 1000) / 1000
  const result = {
    ratio_vs_minimum: round(keygram.seconds / minimum.seconds),
    http_429: keygram.http429,
    throttler_ratio_vs_minimum: round(throttler.seconds / minimum.seconds),
    throttler_http_429: throttler.http429,
    seconds: round(keygram.seconds),
    throttler_seconds: round(throttler.seconds),
    minimum_seconds: round(minimum.seconds),
    messages: settings.messages,
    chats: CHATS,
    mix: load.describe,
  }
  const key = settings.mix === 'mixed' ? 'delivery' : 'delivery_all_private'
  await mergeResults({ [key]: result })
  console.log(`\nbench/results.json updated under "${key}"`)
}

await main()
