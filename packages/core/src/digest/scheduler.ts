/**
 * Scheduled digests: at each cron time (croner, in the schedule's time zone) the previous local day is
 * summed up from the event log and the summary is queued for its chat.
 *
 * Exactly once across replicas: every replica runs the schedule, and each enqueues the digest with the
 * delivery key `digest:<chat>[:<topic>]:<YYYY-MM-DD>`. The queue's enqueue is an atomic "remember this key
 * or refuse" plus a durable append, the same step that suppresses KeyCRM's redeliveries, so exactly one
 * replica's digest is accepted and it is durable from that moment. This beats a lease from the guard or
 * a separate `kv.setIfAbsent` claim: with those, a replica that claims and then dies before enqueueing
 * loses the digest, and a lease can expire under a paused holder; here claim and durability are one step.
 *
 * A missed run (every replica down at 09:00) is sent late, once: on start, the latest scheduled time is
 * run if it lies within `catchUpMs`; if the digest went out already, its key makes the enqueue a no-op.
 *
 * @module
 */
import { Cron } from 'croner'
import { type Clock, systemClock } from '../delivery/clock.ts'
import { resolveChatMigration } from '../delivery/routes.ts'
import type { ChatId, KeygramStore } from '../delivery/types.ts'
import type { FormatLocale } from '../format/types.ts'
import { type ComputeDigestOptions, computeDigest, type DigestPeriod, type DigestStats } from './compute.ts'
import { formatDigest } from './message.ts'
import { isValidTimeZone, previousZonedDay } from './zoned-time.ts'

/** One digest: which chat, when, and how. */
export interface DigestSchedule {
  /** Numeric chat id or `@channelusername`. */
  chatId: ChatId | number
  /** Forum topic (`message_thread_id`). */
  threadId?: number
  /** Cron pattern (5 or 6 fields) in `timeZone`. Default `0 9 * * *` (daily at 09:00). */
  cron?: string
  /** IANA time zone of the cron and of "yesterday". Default `Europe/Kyiv`. */
  timeZone?: string
  /** Default `uk`. */
  locale?: FormatLocale
  /** ISO 4217; default `UAH`. */
  currency?: string
  /** Deliver silently. */
  disableNotification?: boolean
}

/** Options of {@link createDigestScheduler}. */
export interface DigestSchedulerOptions {
  /** Where events are read from and digests queued (the delivery worker sends them). */
  store: Pick<KeygramStore, 'events' | 'queue' | 'kv'>
  schedules: DigestSchedule[]
  clock?: Clock
  /** How far back the log is read for orders still waiting for payment, in ms. Default 30 days. */
  lookbackMs?: number
  /** How long an unpaid order must wait to be counted, in ms. Default 24 h. */
  awaitingPaymentAfterMs?: number
  /** How late a missed run may still be sent on start, in ms. Default 12 h. */
  catchUpMs?: number
  /** Event log records older than this are pruned after each run, in ms. Default 35 days. */
  retentionMs?: number
  /** Called after each run. */
  onRun?: (result: DigestRunResult) => void
  /** Called when a run fails (it is retried at the next scheduled time, or on the next start). */
  onError?: (error: unknown, schedule: DigestSchedule) => void
}

/** What one run did. */
export interface DigestRunResult {
  chatId: ChatId
  threadId?: number
  /** `queued`: this replica's digest was accepted; `duplicate`: someone already queued this period's. */
  status: 'queued' | 'duplicate'
  deliveryKey: string
  stats: DigestStats
  /** The scheduled time this run is for (epoch ms). */
  scheduledAt: number
  /** Whether it ran on start for a time that had passed. */
  late: boolean
}

/** A running (or not yet started) scheduler. */
export interface DigestScheduler {
  /** Sends missed runs (within `catchUpMs`), then waits for the next ones. Resolves once catch-up is done. */
  start(): Promise<void>
  /** Stops waiting; a run in progress finishes. */
  stop(): Promise<void>
  /** Runs schedule `index` now as if scheduled at `scheduledAt` (default: now). */
  runNow(index: number, scheduledAt?: number): Promise<DigestRunResult>
  /** The next scheduled time of schedule `index` after now, or `null`. */
  nextRun(index: number): number | null
}

/** Thrown by {@link createDigestScheduler} with every problem of the schedules. */
export class DigestConfigError extends Error {
  override readonly name = 'DigestConfigError'
  readonly problems: string[]

  constructor(problems: string[]) {
    super(`Invalid digest schedules:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`)
    this.problems = problems
  }
}

/** The delivery key of a digest: one per chat (and topic) per period. */
export function digestDeliveryKey(chatId: ChatId, threadId: number | undefined, periodKey: string): string {
  return `digest:${chatId}${threadId === undefined ? '' : `:${threadId}`}:${periodKey}`
}

/** The period a run at `scheduledAt` covers: the local day before it. */
export function digestPeriod(scheduledAt: number, timeZone: string): DigestPeriod {
  const day = previousZonedDay(scheduledAt, timeZone)
  return { key: day.date, start: day.start, end: day.end, timeZone }
}

const DAY_MS = 86_400_000
const CHAT_ID = /^(?:-?[1-9]\d{0,18}|@[A-Za-z][A-Za-z0-9_]{4,31})$/
// Long timers are unsafe (setTimeout overflows past ~24.8 days) and a suspended host wakes late; waking at
// least this often and re-reading the clock keeps runs on time.
const MAX_SLEEP_MS = 60 * 60 * 1000

interface Prepared {
  schedule: DigestSchedule
  chatId: ChatId
  timeZone: string
  cron: Cron
}

function prepare(schedules: readonly DigestSchedule[]): Prepared[] {
  const problems: string[] = []
  const prepared = schedules.map((schedule, index) => {
    const chatId = String(schedule.chatId).trim()
    if (!CHAT_ID.test(chatId))
      problems.push(`digests[${index}].chatId: expected a numeric chat id or @username`)
    if (schedule.threadId !== undefined && !(Number.isInteger(schedule.threadId) && schedule.threadId > 0))
      problems.push(`digests[${index}].threadId: expected a positive integer`)
    const timeZone = schedule.timeZone ?? 'Europe/Kyiv'
    if (!isValidTimeZone(timeZone))
      problems.push(`digests[${index}].timeZone: unknown time zone "${timeZone}"`)
    if (schedule.locale !== undefined && !['uk', 'en', 'ru'].includes(schedule.locale))
      problems.push(`digests[${index}].locale: expected one of uk, en, ru`)
    let cron: Cron | undefined
    try {
      cron = new Cron(schedule.cron ?? '0 9 * * *', {
        timezone: isValidTimeZone(timeZone) ? timeZone : 'UTC',
        paused: true,
      })
    } catch (error) {
      problems.push(`digests[${index}].cron: ${(error as Error).message}`)
    }
    return { schedule, chatId, timeZone, cron: cron! }
  })
  if (problems.length > 0) throw new DigestConfigError(problems)
  return prepared
}

/**
 * Creates a digest scheduler; call `start()` to run it.
 *
 * @throws {DigestConfigError} for a bad chat id, cron pattern, time zone or locale.
 * @example
 * ```ts
 * const digests = createDigestScheduler({
 *   store,
 *   schedules: [{ chatId: -1001234567890, cron: '0 9 * * *', timeZone: 'Europe/Kyiv', locale: 'uk' }],
 * })
 * await digests.start()
 * ```
 */
export function createDigestScheduler(options: DigestSchedulerOptions): DigestScheduler {
  const { store } = options
  const clock = options.clock ?? systemClock
  const lookbackMs = options.lookbackMs ?? 30 * DAY_MS
  const catchUpMs = options.catchUpMs ?? 12 * 60 * 60 * 1000
  const retentionMs = options.retentionMs ?? 35 * DAY_MS
  const compute: ComputeDigestOptions = {}
  if (options.awaitingPaymentAfterMs !== undefined)
    compute.awaitingPaymentAfterMs = options.awaitingPaymentAfterMs
  if (!(retentionMs > lookbackMs))
    throw new RangeError(
      'createDigestScheduler: retentionMs must exceed lookbackMs, or pruning eats what digests read',
    )
  const prepared = prepare(options.schedules)
  // The key must outlive the longest gap after which a run could repeat: the catch-up window plus a day.
  const dedupeTtlMs = Math.max(40 * DAY_MS, catchUpMs + 2 * DAY_MS)
  let stopper: AbortController | null = null
  let loops: Promise<void>[] = []

  async function run(index: number, scheduledAt: number, late: boolean): Promise<DigestRunResult> {
    const entry = prepared[index]
    if (entry === undefined) throw new RangeError(`no digest schedule #${index}`)
    const { schedule, timeZone } = entry
    const period = digestPeriod(scheduledAt, timeZone)
    const records = await store.events.range(
      period.end - Math.max(lookbackMs, period.end - period.start),
      period.end,
    )
    const stats = computeDigest(records, period, compute)
    const formatted = formatDigest(stats, {
      locale: schedule.locale ?? 'uk',
      currency: schedule.currency ?? 'UAH',
      awaitingPaymentAfterMs: compute.awaitingPaymentAfterMs ?? DAY_MS,
      disableNotification: schedule.disableNotification ?? false,
    })
    const chatId = await resolveChatMigration(store.kv, entry.chatId)
    // Keyed by the configured chat, so a migration between two replicas' runs cannot make two keys.
    const deliveryKey = digestDeliveryKey(entry.chatId, schedule.threadId, period.key)
    const job = { chatId, message: formatted.message, summaryLine: formatted.summaryLine }
    const { accepted } = await store.queue.enqueue({
      deliveryKey,
      dedupeTtlMs,
      jobs: [schedule.threadId === undefined ? job : { ...job, threadId: schedule.threadId }],
      now: clock.now(),
    })
    const result: DigestRunResult = {
      chatId,
      status: accepted ? 'queued' : 'duplicate',
      deliveryKey,
      stats,
      scheduledAt,
      late,
    }
    if (schedule.threadId !== undefined) result.threadId = schedule.threadId
    await store.events.prune(clock.now() - retentionMs).catch(() => {})
    options.onRun?.(result)
    return result
  }

  async function runSafely(index: number, scheduledAt: number, late: boolean): Promise<void> {
    try {
      await run(index, scheduledAt, late)
    } catch (error) {
      if (options.onError) options.onError(error, prepared[index]!.schedule)
      else console.error('keygram: digest run failed:', error)
    }
  }

  function nextAfter(index: number, now: number): number | null {
    const next = prepared[index]!.cron.nextRun(new Date(now))
    return next === null ? null : next.getTime()
  }

  async function loop(index: number, signal: AbortSignal): Promise<void> {
    let due = nextAfter(index, clock.now())
    while (due !== null && !signal.aborted) {
      const wait = due - clock.now()
      if (wait > 0) {
        await clock.sleep(Math.min(wait, MAX_SLEEP_MS), signal)
        continue
      }
      await runSafely(index, due, false)
      // From the later of the due time and now, so a run that took long is not repeated.
      due = nextAfter(index, Math.max(due, clock.now()))
    }
  }

  return {
    async start() {
      if (stopper !== null) return
      stopper = new AbortController()
      const now = clock.now()
      for (let index = 0; index < prepared.length; index++) {
        const previous = prepared[index]!.cron.previousRuns(1, new Date(now + 1))[0]
        if (previous !== undefined && now - previous.getTime() <= catchUpMs)
          await runSafely(index, previous.getTime(), previous.getTime() < now)
      }
      const { signal } = stopper
      loops = prepared.map((_, index) => loop(index, signal))
    },
    async stop() {
      stopper?.abort()
      stopper = null
      await Promise.all(loops)
      loops = []
    },
    runNow: (index, scheduledAt) => run(index, scheduledAt ?? clock.now(), false),
    nextRun: (index) => nextAfter(index, clock.now()),
  }
}
