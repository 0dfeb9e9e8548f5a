/**
 * The in-process {@link KeygramStore}: queue, key-values, event log and guard in memory. Nothing survives the process,
 * so it suits tests and throwaway runs; it is also the reference the conformance suite is checked against.
 *
 * @module
 */

import { createMemoryBudgets } from '../budgets/memory.ts'
import { createEnqueueSignal, notifyingQueue } from '../delivery/enqueue-signal.ts'
import type {
  ChatId,
  ClaimedChat,
  ClaimInput,
  DeadJob,
  EnqueueInput,
  EventLog,
  EventRecord,
  KeygramStore,
  KeyValueStore,
  NewJob,
  QueuedJob,
  QueueStats,
  QueueStore,
  RenewInput,
  SettleInput,
} from '../delivery/types.ts'
import { memoryGuard } from '../guard/memory.ts'

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /** Epoch milliseconds for key-value TTLs and the guard; defaults to `Date.now`. Queue calls pass `now`. */
  clock?: () => number
  /**
   * Most jobs the queue holds (pending and claimed). An enqueue that would pass it fails with
   * {@link MemoryStoreFullError} (the webhook server answers `503 store_unavailable`, KeyCRM retries) and
   * `ping()` fails while the queue is full, instead of the process growing until it dies (about 3 KB of
   * heap per queued job). Default {@link DEFAULT_MEMORY_QUEUE_CAP}.
   */
  maxQueuedJobs?: number
}

/** The memory store's default cap on queued jobs: 10 000, some 30 MB. */
export const DEFAULT_MEMORY_QUEUE_CAP = 10_000

/** An enqueue refused because the memory store's queue is at its cap ({@link MemoryStoreOptions.maxQueuedJobs}). */
export class MemoryStoreFullError extends Error {
  override readonly name = 'MemoryStoreFullError'
  /** Stable code, the same for every refusal (log lines group by it). */
  readonly code = 'MEMORY_STORE_FULL'

  constructor(cap: number) {
    super(`memoryStore: the queue holds its cap of ${cap} jobs; the memory store is for tests and demos`)
  }
}

interface Claim {
  readonly token: string
  readonly workerId: string
  expiresAt: number
  readonly jobIds: ReadonlySet<string>
  /** The line the claimed run heads. */
  readonly lane: Lane
}

type Lane = 'jobs' | 'low'

/**
 * A queued job as kept here: the queue's own fields, and what the caller gave (message, render request...)
 * as JSON text. The text is a snapshot, as a durable store's row is (later changes to the caller's objects
 * do not reach it, and what cannot survive JSON does not survive here either); and a backlog of jobs is
 * then one string each for the garbage collector to skip over, not a tree of objects to trace.
 */
interface StoredJob {
  readonly id: string
  readonly deliveryKey: string
  chatId: ChatId
  sequence: number
  attempts: number
  notBefore: number
  readonly createdAt: number
  lastError: string | null
  readonly low: boolean
  /** The {@link NewJob} minus `chatId`, as JSON. */
  readonly content: string
}

type JobContent = Omit<NewJob, 'chatId'>

function contentOf(job: NewJob): string {
  const { chatId: _chatId, priority: _priority, ...content } = job
  return JSON.stringify(content)
}

function queuedJobOf(job: StoredJob): QueuedJob {
  const content = JSON.parse(job.content) as JobContent
  return {
    ...content,
    chatId: job.chatId,
    id: job.id,
    deliveryKey: job.deliveryKey,
    sequence: job.sequence,
    attempts: job.attempts,
    notBefore: job.notBefore,
    createdAt: job.createdAt,
    lastError: job.lastError,
    ...(job.low ? { priority: 'low' as const } : {}),
  }
}

interface ChatLine {
  readonly chatId: ChatId
  /** Normal-priority jobs, in sequence order. */
  jobs: StoredJob[]
  /** Low-priority jobs, in sequence order: claimed only while `jobs` is empty. */
  low: StoredJob[]
  notBefore: number
  /** When the last claim was settled: a chat just served waits behind chats that waited longer. */
  releasedAt: number
  claim: Claim | null
}

interface KvEntry {
  readonly value: unknown
  readonly expiresAt: number | null
}

// Expired dedupe keys and key-values are dropped lazily on reads, plus in one sweep every so many writes
// so a long-running process does not grow without bound.
const SWEEP_EVERY_WRITES = 1024

/** Creates an empty in-memory store. */
export function memoryStore(options: MemoryStoreOptions = {}): KeygramStore {
  const clock = options.clock ?? Date.now
  const guard = memoryGuard({ clock })
  const chats = new Map<ChatId, ChatLine>()
  const deliveries = new Map<string, number>()
  const dead: DeadJob[] = []
  const kvEntries = new Map<string, KvEntry>()
  let sequence = 0
  let writesSinceSweep = 0
  let closed = false
  const maxQueuedJobs = options.maxQueuedJobs ?? DEFAULT_MEMORY_QUEUE_CAP
  if (!(maxQueuedJobs >= 0))
    throw new RangeError(`memoryStore: maxQueuedJobs must be >= 0, got ${maxQueuedJobs}`)
  // Never below the number of queued jobs: counted exactly only when it nears the cap, so settles and
  // claims need no bookkeeping and an enqueue far from the cap costs nothing.
  let queuedAtMost = 0

  function countQueued(): number {
    let count = 0
    for (const chat of chats.values()) count += chat.jobs.length + chat.low.length
    queuedAtMost = count
    return count
  }

  function hasRoomFor(jobs: number): boolean {
    return queuedAtMost + jobs <= maxQueuedJobs || countQueued() + jobs <= maxQueuedJobs
  }

  function assertOpen(): void {
    if (closed) throw new Error('memoryStore: the store is closed')
  }

  function sweep(now: number): void {
    // Waiting for as many writes as there are entries keeps the sweep's cost amortised O(1) per write.
    if (++writesSinceSweep < Math.max(SWEEP_EVERY_WRITES, deliveries.size + kvEntries.size)) return
    writesSinceSweep = 0
    for (const [key, expiresAt] of deliveries) if (expiresAt <= now) deliveries.delete(key)
    for (const [key, entry] of kvEntries)
      if (entry.expiresAt !== null && entry.expiresAt <= now) kvEntries.delete(key)
    for (const chat of chats.values()) dropIfIdle(chat, now)
  }

  function lineOf(chatId: ChatId): ChatLine {
    let chat = chats.get(chatId)
    if (chat === undefined) {
      chat = { chatId, jobs: [], low: [], notBefore: 0, releasedAt: 0, claim: null }
      chats.set(chatId, chat)
    }
    return chat
  }

  // An empty chat is kept while its notBefore lies ahead: a rate-limit wait must outlive the line.
  function dropIfIdle(chat: ChatLine, now: number): void {
    if (chat.jobs.length === 0 && chat.low.length === 0 && chat.claim === null && chat.notBefore <= now)
      chats.delete(chat.chatId)
  }

  function hasLiveClaim(chat: ChatLine, now: number): boolean {
    return chat.claim !== null && chat.claim.expiresAt > now
  }

  function append(job: StoredJob, chatId: ChatId): void {
    job.chatId = chatId
    job.sequence = ++sequence
    queuedAtMost++
    const chat = lineOf(chatId)
    ;(job.low ? chat.low : chat.jobs).push(job)
  }

  /** The line a claim of `chat` takes its run from: normal jobs first, low ones when there are none. */
  function headLane(chat: ChatLine): Lane {
    return chat.jobs.length > 0 ? 'jobs' : 'low'
  }

  const queue: QueueStore = {
    async enqueue({ deliveryKey, dedupeTtlMs, jobs, now }: EnqueueInput) {
      assertOpen()
      sweep(now)
      const seenUntil = deliveries.get(deliveryKey)
      if (seenUntil !== undefined && seenUntil > now) return { accepted: false, jobIds: [] }
      if (!hasRoomFor(jobs.length)) throw new MemoryStoreFullError(maxQueuedJobs)
      deliveries.set(deliveryKey, now + dedupeTtlMs)
      const jobIds: string[] = []
      for (const newJob of jobs) {
        const job: StoredJob = {
          id: crypto.randomUUID(),
          deliveryKey,
          chatId: newJob.chatId,
          sequence: 0,
          attempts: 0,
          notBefore: now,
          createdAt: now,
          lastError: null,
          low: newJob.priority === 'low',
          content: contentOf(newJob),
        }
        append(job, newJob.chatId)
        jobIds.push(job.id)
      }
      return { accepted: true, jobIds }
    },

    async claim({ workerId, now, leaseMs, maxChats, maxJobsPerChat }: ClaimInput) {
      assertOpen()
      if (!(maxChats >= 1) || !(maxJobsPerChat >= 1)) {
        throw new RangeError(
          `claim: maxChats and maxJobsPerChat must be >= 1, got ${maxChats}, ${maxJobsPerChat}`,
        )
      }
      const ready: { chat: ChatLine; waitingSince: number; headSequence: number }[] = []
      for (const chat of chats.values()) {
        const head = chat[headLane(chat)][0]
        if (head === undefined || chat.notBefore > now || head.notBefore > now || hasLiveClaim(chat, now))
          continue
        ready.push({
          chat,
          waitingSince: Math.max(chat.notBefore, chat.releasedAt, head.notBefore),
          headSequence: head.sequence,
        })
      }
      ready.sort((a, b) => a.waitingSince - b.waitingSince || a.headSequence - b.headSequence)

      const claimed: ClaimedChat[] = []
      for (const { chat } of ready.slice(0, maxChats)) {
        const lane = headLane(chat)
        const run: StoredJob[] = []
        for (const job of chat[lane]) {
          if (job.notBefore > now || run.length >= maxJobsPerChat) break
          run.push(job)
        }
        const token = crypto.randomUUID()
        chat.claim = {
          token,
          workerId,
          expiresAt: now + leaseMs,
          jobIds: new Set(run.map((job) => job.id)),
          lane,
        }
        claimed.push({ chatId: chat.chatId, claimToken: token, jobs: run.map(queuedJobOf) })
      }
      return claimed
    },

    async settle(chatId: ChatId, claimToken: string, outcome: SettleInput) {
      assertOpen()
      const chat = chats.get(chatId)
      if (chat === undefined || chat.claim === null || chat.claim.token !== claimToken) return { ok: false }
      const { jobIds, lane } = chat.claim
      const { now } = outcome
      // Only the claim holder removes jobs and everything else appends, so the claimed run is still the
      // head of its line: settling touches that prefix, not the whole (possibly long) line.
      const line = chat[lane]
      const prefix = line.slice(0, jobIds.size)
      const byId = new Map(prefix.filter((job) => jobIds.has(job.id)).map((job) => [job.id, job]))
      const removed = new Set<string>()

      for (const id of outcome.done ?? []) if (byId.has(id)) removed.add(id)
      for (const { id, notBefore, error } of outcome.retry ?? []) {
        const job = byId.get(id)
        if (job === undefined || removed.has(id)) continue
        job.attempts += 1
        job.notBefore = notBefore
        job.lastError = error
      }
      for (const { id, reason, error } of outcome.dead ?? []) {
        const job = byId.get(id)
        if (job === undefined || removed.has(id)) continue
        removed.add(id)
        dead.push({
          ...queuedJobOf(job),
          attempts: job.attempts + 1,
          lastError: error,
          reason,
          deadAt: now,
        })
      }

      if (removed.size > 0) line.splice(0, prefix.length, ...prefix.filter((job) => !removed.has(job.id)))
      chat.claim = null
      chat.releasedAt = now
      if (outcome.chatNotBefore !== undefined) chat.notBefore = outcome.chatNotBefore
      if (outcome.movedTo !== undefined && outcome.movedTo !== chatId) {
        const remaining = [...chat.jobs, ...chat.low]
        chat.jobs = []
        chat.low = []
        for (const job of remaining) append(job, outcome.movedTo)
      }
      dropIfIdle(chat, now)
      return { ok: true }
    },

    async renew(chatId: ChatId, claimToken: string, { now, leaseMs }: RenewInput) {
      assertOpen()
      const claim = chats.get(chatId)?.claim
      if (claim === undefined || claim === null || claim.token !== claimToken) return { ok: false }
      claim.expiresAt = now + leaseMs
      return { ok: true }
    },

    async listDead(options: { limit?: number } = {}) {
      assertOpen()
      const limit = options.limit ?? dead.length
      return structuredClone(dead.slice(0, Math.max(0, limit)))
    },

    async replayDead({ ids, now }: { ids?: string[]; now: number }) {
      assertOpen()
      const wanted = ids === undefined ? null : new Set(ids)
      let replayed = 0
      for (let index = 0; index < dead.length; ) {
        const entry = dead[index]!
        if (wanted !== null && !wanted.has(entry.id)) {
          index++
          continue
        }
        dead.splice(index, 1)
        const { reason: _reason, deadAt: _deadAt, id, deliveryKey, sequence, createdAt, ...rest } = entry
        const { attempts: _attempts, notBefore: _notBefore, lastError, ...newJob } = rest
        const low = newJob.priority === 'low'
        append(
          {
            id,
            deliveryKey,
            chatId: entry.chatId,
            sequence,
            attempts: 0,
            notBefore: now,
            createdAt,
            lastError,
            low,
            content: contentOf(newJob),
          },
          entry.chatId,
        )
        replayed++
      }
      return replayed
    },

    async stats(now: number): Promise<QueueStats> {
      assertOpen()
      let pending = 0
      let claimed = 0
      let oldest: number | null = null
      for (const chat of chats.values()) {
        const count = chat.jobs.length + chat.low.length
        if (hasLiveClaim(chat, now)) claimed += count
        else pending += count
        for (const job of [...chat.jobs, ...chat.low])
          if (oldest === null || job.createdAt < oldest) oldest = job.createdAt
      }
      return {
        pending,
        claimed,
        dead: dead.length,
        oldestPendingAgeMs: oldest === null ? null : now - oldest,
      }
    },
  }

  function liveEntry(key: string): KvEntry | undefined {
    const entry = kvEntries.get(key)
    if (entry === undefined) return undefined
    if (entry.expiresAt !== null && entry.expiresAt <= clock()) {
      kvEntries.delete(key)
      return undefined
    }
    return entry
  }

  function write(key: string, value: unknown, ttlMs: number | undefined): void {
    const now = clock()
    sweep(now)
    kvEntries.set(key, { value: structuredClone(value), expiresAt: ttlMs === undefined ? null : now + ttlMs })
  }

  const kv: KeyValueStore = {
    async get<T = unknown>(key: string): Promise<T | null> {
      assertOpen()
      const entry = liveEntry(key)
      return entry === undefined ? null : (structuredClone(entry.value) as T)
    },
    async set(key, value, options) {
      assertOpen()
      write(key, value, options?.ttlMs)
    },
    async setIfAbsent(key, value, options) {
      assertOpen()
      if (liveEntry(key) !== undefined) return false
      write(key, value, options?.ttlMs)
      return true
    },
    async compareAndSet(key, expected, next, options) {
      assertOpen()
      const entry = liveEntry(key)
      // JSON text, as the durable stores compare: a value read back from `get` always matches itself.
      const current = entry === undefined ? 'null' : JSON.stringify(entry.value ?? null)
      if (current !== JSON.stringify(expected ?? null)) return false
      write(key, next, options?.ttlMs)
      return true
    },
    async delete(key) {
      assertOpen()
      kvEntries.delete(key)
    },
  }

  // Kept sorted by `at` (ties in append order); appends come in time order, so the search is from the end.
  const eventRecords: EventRecord[] = []
  const recordedKeys = new Set<string>()

  const events: EventLog = {
    async append(record) {
      assertOpen()
      if (recordedKeys.has(record.deliveryKey)) return false
      recordedKeys.add(record.deliveryKey)
      // A record is flat (numbers, strings, nulls): a spread is a full copy.
      const copy = { ...record }
      let index = eventRecords.length
      while (index > 0 && eventRecords[index - 1]!.at > record.at) index--
      if (index === eventRecords.length) eventRecords.push(copy)
      else eventRecords.splice(index, 0, copy)
      return true
    },
    async range(fromMs, toMs) {
      assertOpen()
      return structuredClone(eventRecords.filter((record) => record.at >= fromMs && record.at < toMs))
    },
    async prune(beforeMs) {
      assertOpen()
      let count = 0
      while (count < eventRecords.length && eventRecords[count]!.at < beforeMs) {
        recordedKeys.delete(eventRecords[count]!.deliveryKey)
        count++
      }
      eventRecords.splice(0, count)
      return count
    },
  }

  // One process, so this instance's own enqueues are all there is to hear.
  const enqueued = createEnqueueSignal()
  return {
    name: 'memory',
    queue: notifyingQueue(queue, enqueued),
    kv,
    events,
    guard,
    budgets: createMemoryBudgets(),
    async ping() {
      assertOpen()
      // Readiness means "can take a webhook now".
      if (!hasRoomFor(1)) throw new MemoryStoreFullError(maxQueuedJobs)
    },
    async close() {
      closed = true
      guard.close()
      await enqueued.close()
    },
  }
}
