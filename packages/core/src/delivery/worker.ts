/**
 * The delivery worker: claims chats with due jobs, sends, and settles every outcome with the store, so
 * a notification is never lost (it stays queued until Telegram took it or it is dead-lettered with a
 * reason) and never sent twice by two workers (claims are per chat, under a lease).
 *
 * @module
 */
import { transientTelegramErrorKinds } from '../telegram/classify.ts'
import type { TelegramMessage } from '../telegram/types.ts'
import { splitByAttempts } from './attempts.ts'
import { type BackoffOptions, backoffDelayMs, defaultBackoff } from './backoff.ts'
import {
  type CardAttempt,
  type CardDeliveryOptions,
  type CardOutcome,
  createCardDelivery,
  DEFAULT_CARD_EDIT_WINDOW_MS,
} from './cards/deliver.ts'
import { createClaimKeeper } from './claim-keeper.ts'
import { type Clock, systemClock } from './clock.ts'
import { type CoalescedBatch, type CoalesceOptions, coalesceJobs, defaultCoalesce } from './coalesce.ts'
import { createIdleWait } from './idle-wait.ts'
import { type ChatPacing, defaultChatPacing, isGroupChat } from './pacing.ts'
import { createJobRenderer, type JobRenderer } from './render.ts'
import { chatMigrationKey } from './routes.ts'
import { paceAfterSend, readSendHistory, type SendHistory, writeSendHistory } from './send-history.ts'
import { createSendWindow } from './send-window.ts'
import { createSender } from './sender.ts'
import { settleWithRetry } from './settle-retry.ts'
import { createSharedSendWindow } from './shared-send-window.ts'
import type {
  ChatId,
  ChatTarget,
  ClaimedChat,
  KeygramStore,
  QueuedJob,
  SettleInput,
  TelegramErrorKind,
  TelegramFailure,
  TelegramTransport,
} from './types.ts'

/** Send-rate limits. */
export interface DeliveryLimits extends ChatPacing {
  /**
   * Messages per second for the whole worker. Default 30 (Telegram's overall limit). Counted over sends
   * in flight and sends answered within the last second, so Telegram never sees more arrive in one second
   * whatever the network delay (see `createSendWindow`).
   */
  globalPerSecond?: number
  /**
   * Chats sent to per round (twice as many are claimed and ranked, groups first). Default 10: short
   * rounds claim a chat soon after it is due again (a round waits for its slowest send).
   */
  maxChatsPerRound?: number
  /**
   * Global 429 heuristic: when 429s hit at least this many distinct chats within
   * {@link DeliveryLimits.globalRateLimitWindowMs}, the limit is the bot's, not a chat's, and the whole
   * worker pauses for `retry_after`. Default 2.
   */
  globalRateLimitChats?: number
  /** Window of the global 429 heuristic, in ms. Default 1000. */
  globalRateLimitWindowMs?: number
}

/** Retry policy for transient failures (5xx, network, timeout, 401, 409). */
export interface RetryOptions extends BackoffOptions {
  /** Failed attempts after which a job is dead-lettered as `retries_exhausted`. Default 12. */
  maxAttempts?: number
}

/** Default {@link DeliveryLimits}. */
export const defaultDeliveryLimits: Required<DeliveryLimits> = {
  ...defaultChatPacing,
  globalPerSecond: 30,
  maxChatsPerRound: 10,
  globalRateLimitChats: 2,
  globalRateLimitWindowMs: 1000,
}

/** Default {@link RetryOptions}. */
export const defaultRetry: Required<RetryOptions> = { ...defaultBackoff, maxAttempts: 12 }

/** Fields every job-related {@link DeliveryEvent} carries. */
export interface DeliveryEventBase {
  chatId: ChatId
  /** The jobs concerned, in order. */
  jobIds: string[]
  /** The KeyCRM delivery keys those jobs came from, in the same order (what each notification is about). */
  deliveryKeys: string[]
  /** Age of the oldest of those jobs (time since enqueue), in ms. */
  latencyMs: number
}

/** What the worker reports through `onEvent`, for logs and metrics. */
export type DeliveryEvent =
  | (DeliveryEventBase & {
      type: 'sent'
      messageIds: number[]
      /** How the content finally went: `plain` after a parse error, `split` when it was too long. */
      fallback: 'plain' | 'split' | null
    })
  | (DeliveryEventBase & { type: 'coalesced'; count: number })
  | (DeliveryEventBase & {
      type: 'retry'
      kind: TelegramErrorKind
      error: string
      attempt: number
      delayMs: number
    })
  | (DeliveryEventBase & { type: 'dead'; reason: string; error: string })
  | (DeliveryEventBase & { type: 'rate_limited'; retryAfterMs: number; global: boolean })
  | (DeliveryEventBase & { type: 'migrated'; toChatId: ChatId })
  | ({ type: 'card' } & CardOutcome)
  | { type: 'error'; error: string }

/** Options of {@link createDeliveryWorker}. */
export interface DeliveryWorkerOptions {
  /** With `budgets`, the global send limit is shared by every worker on the store (see `budgetKey`). */
  store: Pick<KeygramStore, 'queue' | 'kv' | 'budgets'>
  /**
   * The bot's shared send budget (`await telegramBudgetKey(token)`), when the store has `budgets`. Default
   * `telegram:default:global`: right while one bot uses the store.
   */
  budgetKey?: string
  transport: TelegramTransport
  limits?: DeliveryLimits
  retry?: RetryOptions
  /** Burst coalescing; on by default, `false` turns it off. */
  coalesce?: CoalesceOptions | false
  clock?: Clock
  /** `[0, 1)` source for back-off jitter. Default `Math.random`. */
  random?: () => number
  /** Who claims. Default a random id. */
  workerId?: string
  /**
   * How long a claim holds without renewal, in ms. Default 10000. The worker renews its claims every third
   * of it while it sends and settles, so this bounds how long a crashed worker's chats stay blocked: another
   * worker (or the restarted one) takes them over at most this long after the crash (plus one idle poll).
   * With a store without `queue.renew`, it must exceed the longest send round.
   */
  leaseMs?: number
  /** Sleep when nothing was due, in ms. Default 100. */
  idleMs?: number
  /**
   * Wake from that sleep when the store reports an enqueue (`queue.onEnqueued`), so a lone notification
   * is claimed in milliseconds rather than at the next poll. Default `true`; the poll stays either way.
   */
  wakeOnEnqueue?: boolean
  /** Called for every outcome; exceptions it throws are ignored. */
  onEvent?: (event: DeliveryEvent) => void
  /**
   * Renders jobs enqueued with a `render` request (a notifier with `renderAt: 'send'`, and every live card):
   * pass `createJobRenderer` with the notifier's formatting options. Default: the default formatting.
   */
  render?: JobRenderer
  /**
   * Live cards: `editWindowMs` is how long a card's message is edited after it was sent (default 7 days;
   * a later change gets a new card). Jobs carry their card requests from the notifier's routes; without a
   * transport that edits, each change sends a new card.
   */
  cards?: {
    editWindowMs?: number
    /** Adds buttons to each rendered card (two-way actions: `createActionCardDecorator`). */
    decorate?: CardDeliveryOptions['decorate']
  }
}

/** Counters and state, for `/status`. */
export interface DeliveryWorkerStatus {
  workerId: string
  running: boolean
  /** Epoch ms until which a global 429 pauses the worker, or `null`. */
  pausedUntil: number | null
  /** Chats being sent to right now. */
  inFlightChats: number
  totals: {
    sent: number
    coalesced: number
    retried: number
    dead: number
    rateLimited: number
    migrated: number
    errors: number
  }
  lastError: string | null
}

/** A running (or runnable) delivery worker. */
export interface DeliveryWorker {
  /** Starts the loop in the background; `signal` aborting is the same as {@link DeliveryWorker.stop}. */
  start(signal?: AbortSignal): void
  /** Lets the in-flight round finish its sends and settle, then resolves. Idempotent. */
  stop(): Promise<void>
  /** One claim, send and settle round. Resolves the number of chats claimed (0: nothing was due). */
  runOnce(): Promise<number>
  status(): DeliveryWorkerStatus
}

/** One claim's work: what was attempted and for which jobs, before the outcome is settled. */
interface Attempt extends CardAttempt {
  /** The summary that merged `jobs`, if any. */
  batch: CoalescedBatch | null
  /** Runs after the outcome was settled as delivered. */
  afterDelivered?: () => Promise<void>
}

/**
 * Creates a delivery worker. Several workers (in one or many processes) may share a store.
 *
 * Outcomes: `rate_limited` waits exactly `retry_after` (not counted as an attempt); 5xx, network,
 * timeout, 401 and 409 back off exponentially with full jitter, up to `maxAttempts`, blocking that chat
 * so order holds; `migrated` moves the chat and remembers the new id; `forbidden`, `chat_not_found`,
 * `thread_not_found` and other `bad_request` are dead-lettered at once; `parse_entities` resends as
 * plain text and `message_too_long` as plain parts.
 *
 * Pacing: at most one message per chat per round, the next one not before the chat's interval
 * (shared through the store; for groups also 20 per minute, from the send times kept in `store.kv`),
 * and a global send window per worker.
 */
export function createDeliveryWorker(options: DeliveryWorkerOptions): DeliveryWorker {
  const { store, transport } = options
  const limits = { ...defaultDeliveryLimits, ...options.limits }
  const retry = { ...defaultRetry, ...options.retry }
  const coalesce = options.coalesce === false ? null : { ...defaultCoalesce, ...options.coalesce }
  const clock = options.clock ?? systemClock
  const random = options.random ?? Math.random
  const workerId = options.workerId ?? `worker-${crypto.randomUUID().slice(0, 8)}`
  const leaseMs = options.leaseMs ?? DEFAULT_CLAIM_LEASE_MS
  const idleMs = options.idleMs ?? 100
  const globalLimit = Math.max(1, Math.floor(limits.globalPerSecond))
  const sendWindow =
    store.budgets === undefined
      ? createSendWindow({ limit: globalLimit })
      : createSharedSendWindow({
          budgets: store.budgets,
          limit: globalLimit,
          clock,
          ...(options.budgetKey === undefined ? {} : { key: options.budgetKey }),
          onError: (error) => emit({ type: 'error', error: `shared send budget: ${String(error)}` }),
        })
  const claimJobs = coalesce?.enabled ? Math.max(1, coalesce.maxJobsPerChat) : 1
  const renderer = options.render ?? createJobRenderer()
  const edit = transport.editMessageText?.bind(transport)
  const cards = createCardDelivery({
    kv: store.kv,
    queue: store.queue,
    renderer,
    now: () => clock.now(),
    editWindowMs: options.cards?.editWindowMs ?? DEFAULT_CARD_EDIT_WINDOW_MS,
    send: (target, message) => send(target, message),
    edit:
      edit === undefined
        ? null
        : (target, messageId, message) => paced(() => edit(target, messageId, message)),
    onOutcome: (outcome) => emit({ type: 'card', ...outcome }),
    onError: (error) => emit({ type: 'error', error }),
    ...(options.cards?.decorate === undefined ? {} : { decorate: options.cards.decorate }),
  })

  const sender = createSender({
    transport,
    clock,
    limits,
    sendWindow,
    pausedUntil: () => pausedUntil,
    kv: store.kv,
    onError: (error) => emit({ type: 'error', error }),
  })
  const { paced, send, sendAll } = sender

  const keeper = createClaimKeeper({
    queue: store.queue,
    leaseMs,
    now: () => clock.now(),
    onLost: (chatId) => emit({ type: 'error', error: `claim of chat ${chatId} was lost while in use` }),
    onError: (chatId, error) =>
      emit({ type: 'error', error: `could not renew the claim of chat ${chatId}: ${errorText(error)}` }),
  })

  let pausedUntil = 0
  let recentRateLimits: { chatId: ChatId; at: number }[] = []
  let inFlightChats = 0
  let loop: Promise<void> | null = null
  let stopping = false
  let wake = new AbortController()
  let lastError: string | null = null
  const totals = { sent: 0, coalesced: 0, retried: 0, dead: 0, rateLimited: 0, migrated: 0, errors: 0 }

  function emit(event: DeliveryEvent): void {
    if (event.type === 'error') {
      totals.errors++
      lastError = event.error
    }
    try {
      options.onEvent?.(event)
    } catch {
      // A metrics hook must not break delivery.
    }
  }

  // Telegram's 429s are per chat unless the bot as a whole is over its limit; several chats throttled
  // within a short window is the sign of the latter, and then every chat must wait.
  function noteRateLimit(chatId: ChatId, now: number, retryAfterMs: number): boolean {
    recentRateLimits = recentRateLimits.filter((entry) => now - entry.at < limits.globalRateLimitWindowMs)
    recentRateLimits.push({ chatId, at: now })
    const chats = new Set(recentRateLimits.map((entry) => entry.chatId)).size
    if (chats < limits.globalRateLimitChats) return false
    pausedUntil = Math.max(pausedUntil, now + retryAfterMs)
    return true
  }

  // The claim stays held (and renewed) until the settle is recorded, so nobody resends meanwhile.
  async function settle(claim: ClaimedChat, outcome: SettleInput): Promise<void> {
    try {
      const settled = await settleWithRetry(store.queue, claim, outcome, {
        clock,
        stopping: () => stopping,
        onFailure: (error, failures, retryInMs) =>
          emit({
            type: 'error',
            error:
              `settle failed for chat ${claim.chatId} (${failures}x): ${errorText(error)}; ` +
              (retryInMs < 0
                ? 'giving up (the claim expires and the chat is served again)'
                : `retrying in ${retryInMs} ms`),
          }),
      })
      if (settled === 'lost')
        emit({ type: 'error', error: `claim of chat ${claim.chatId} was lost before settling` })
    } finally {
      keeper.release(claim)
    }
  }

  // A burst summary needs every job's line: render them (cheap, no enrichment) only when one may form.
  function withSummaries(jobs: QueuedJob[]): QueuedJob[] {
    if (coalesce === null || !coalesce.enabled || jobs.length < Math.max(2, coalesce.threshold)) return jobs
    return jobs.map((job) => {
      if (job.render === undefined) return job
      try {
        const { summaryLine, item, disableNotification } = renderer.summary(job.render)
        const message = { ...job.message }
        if (disableNotification) message.disable_notification = true
        else delete message.disable_notification
        return item === undefined
          ? { ...job, summaryLine, message }
          : { ...job, summaryLine, summary: item, message }
      } catch (error) {
        emit({ type: 'error', error: `could not render job ${job.id}: ${errorText(error)}` })
        return job
      }
    })
  }

  async function messagesOf(job: QueuedJob): Promise<TelegramMessage[]> {
    if (job.render === undefined) return [job.message]
    try {
      const messages = await renderer.messages(job.render)
      if (messages.length > 0) return messages
    } catch (error) {
      // Sending the placeholder (it names the event) beats losing the notification to a rendering bug.
      emit({ type: 'error', error: `could not render job ${job.id}: ${errorText(error)}` })
    }
    return [job.message]
  }

  // What a claim's head calls for: refreshing cards (the low-priority line), a summary of a burst, a live
  // card, or one notification.
  async function attemptOf(claim: ClaimedChat, target: ChatTarget): Promise<Attempt> {
    const first = claim.jobs[0]!
    if (first.priority === 'low') return { ...(await cards.refresh(target, claim.jobs)), batch: null }
    const batch = coalesce === null ? null : coalesceJobs(withSummaries(claim.jobs), coalesce)
    if (batch !== null) {
      const delivery = await sendAll(target, [batch.message])
      const summarized = batch.jobs
      return {
        delivery,
        jobs: summarized,
        done: [],
        sends: delivery.messageIds.length,
        batch,
        afterDelivered: () => cards.afterSummary(target, summarized),
      }
    }
    if (first.render?.card !== undefined) return { ...(await cards.deliver(target, first)), batch: null }
    const messages = await cards.withButtons(target, first, await messagesOf(first))
    const delivery = await sendAll(target, messages, first.id)
    return { delivery, jobs: [first], done: [], sends: delivery.messageIds.length, batch: null }
  }

  async function deliverChat(claim: ClaimedChat): Promise<void> {
    const first = claim.jobs[0]
    if (first === undefined) return settle(claim, { now: clock.now() })
    if (pausedUntil > clock.now()) return settle(claim, { chatNotBefore: pausedUntil, now: clock.now() })

    const target: ChatTarget =
      first.threadId === undefined
        ? { chatId: claim.chatId }
        : { chatId: claim.chatId, threadId: first.threadId }
    // Read while the message goes out, so that nothing but the settle follows Telegram's answer.
    const history = readSendHistory(store.kv, claim.chatId, limits, (error) =>
      emit({
        type: 'error',
        error: `could not read send times of chat ${claim.chatId}: ${errorText(error)}`,
      }),
    )
    let attempt: Attempt
    try {
      attempt = await attemptOf(claim, target)
    } catch (error) {
      // The store could not tell a card's state: nothing was sent; the chat backs off and tries again.
      const failure: TelegramFailure = {
        ok: false,
        kind: 'network',
        errorCode: null,
        description: errorText(error),
      }
      attempt = {
        delivery: { result: failure, messageIds: [], fallback: null },
        jobs: [first],
        done: [],
        sends: 0,
        batch: null,
      }
    }
    const now = clock.now()
    const { jobs, delivery } = attempt
    if (jobs.length === 0) return settle(claim, { done: attempt.done, now })
    const base = eventBase(claim.chatId, jobs, now)
    const { result } = delivery
    if (result === 'paused') return settle(claim, { done: attempt.done, chatNotBefore: pausedUntil, now })
    if (result.ok) return settleDelivered(claim, attempt, base, now, await history)
    return settleFailure(claim, attempt, base, result, now)
  }

  async function settleDelivered(
    claim: ClaimedChat,
    attempt: Attempt,
    base: DeliveryEventBase,
    now: number,
    history: SendHistory,
  ): Promise<void> {
    const { jobs, batch, delivery } = attempt
    // A card that needed no call (it already showed the change) costs the chat no pace.
    const pace = attempt.sends === 0 ? null : paceAfterSend(claim.chatId, now, attempt.sends, history, limits)
    await settle(claim, {
      done: [...attempt.done, ...base.jobIds],
      ...(pace === null ? {} : { chatNotBefore: pace.notBefore }),
      now,
    })
    if (pace?.keep)
      await writeSendHistory(store.kv, claim.chatId, pace.keep, (error) =>
        emit({
          type: 'error',
          error: `could not keep send times of chat ${claim.chatId}: ${errorText(error)}`,
        }),
      )
    totals.sent += jobs.length
    if (batch !== null) {
      totals.coalesced += jobs.length
      emit({ ...base, type: 'coalesced', count: jobs.length })
    }
    emit({ ...base, type: 'sent', messageIds: delivery.messageIds, fallback: delivery.fallback })
    await attempt.afterDelivered?.()
  }

  async function settleFailure(
    claim: ClaimedChat,
    { jobs, done }: Attempt,
    base: DeliveryEventBase,
    result: TelegramFailure,
    now: number,
  ): Promise<void> {
    const error = `${result.kind}: ${result.description}`
    switch (result.kind) {
      case 'rate_limited': {
        const retryAfterMs = Math.max(0, (result.retryAfter ?? 1) * 1000)
        const global = noteRateLimit(claim.chatId, now, retryAfterMs)
        await settle(claim, { done, chatNotBefore: now + retryAfterMs, now })
        totals.rateLimited++
        emit({ ...base, type: 'rate_limited', retryAfterMs, global })
        return
      }
      case 'migrated': {
        const toChatId = result.migrateToChatId
        if (toChatId !== undefined && toChatId !== claim.chatId) {
          // Settle first, then remember: jobs enqueued meanwhile for the old id go through the old line
          // and are moved after these, so order holds.
          await settle(claim, { done, movedTo: toChatId, now })
          try {
            await store.kv.set(chatMigrationKey(claim.chatId), toChatId)
          } catch (kvError) {
            emit({ type: 'error', error: `could not remember chat migration: ${errorText(kvError)}` })
          }
          totals.migrated++
          emit({ ...base, type: 'migrated', toChatId })
          return
        }
        return deadLetter(claim, jobs, done, base, 'bad_request', error, now)
      }
      case 'forbidden':
      case 'chat_not_found':
      case 'thread_not_found':
        return deadLetter(claim, jobs, done, base, result.kind, error, now)
      default:
        if (!transientTelegramErrorKinds.has(result.kind))
          return deadLetter(claim, jobs, done, base, 'bad_request', error, now)
    }

    return retryOrDeadLetter(claim, jobs, done, result.kind, error, now)
  }

  // Attempts are each job's own: a job that joined a failing batch late is retried, not dead-lettered
  // with the batch's oldest jobs.
  async function retryOrDeadLetter(
    claim: ClaimedChat,
    jobs: QueuedJob[],
    done: string[],
    kind: TelegramErrorKind,
    error: string,
    now: number,
  ): Promise<void> {
    const { exhausted, retrying, attemptNumber } = splitByAttempts(jobs, retry.maxAttempts)
    const delayMs = retrying.length === 0 ? 0 : backoffDelayMs(attemptNumber, retry, random)
    const reason = 'retries_exhausted'
    await settle(claim, {
      done,
      retry: retrying.map((job) => ({ id: job.id, notBefore: now + delayMs, error })),
      dead: exhausted.map((job) => ({ id: job.id, reason, error })),
      now,
    })
    if (exhausted.length > 0) {
      totals.dead += exhausted.length
      emit({ ...eventBase(claim.chatId, exhausted, now), type: 'dead', reason, error })
    }
    if (retrying.length > 0) {
      totals.retried += retrying.length
      const base = eventBase(claim.chatId, retrying, now)
      emit({ ...base, type: 'retry', kind, error, attempt: attemptNumber, delayMs })
    }
  }

  async function deadLetter(
    claim: ClaimedChat,
    jobs: QueuedJob[],
    done: string[],
    base: DeliveryEventBase,
    reason: string,
    error: string,
    now: number,
  ): Promise<void> {
    await settle(claim, { done, dead: jobs.map((job) => ({ id: job.id, reason, error })), now })
    totals.dead += jobs.length
    emit({ ...base, type: 'dead', reason, error })
  }

  async function runOnce(): Promise<number> {
    const now = clock.now()
    if (pausedUntil > now) return 0
    const claimed = await store.queue.claim({
      workerId,
      now,
      leaseMs,
      // Claim more than a round sends, so the round can pick the chats that matter most.
      maxChats: limits.maxChatsPerRound * 2,
      maxJobsPerChat: claimJobs,
    })
    // Groups first: their 20-per-minute budget is the scarcer resource, and a group served late in the
    // minute pushes its next 20 messages a whole minute back. The sort is stable, so the store's
    // oldest-waiting-first order holds within each kind. Chats left for the next round are released
    // unchanged.
    for (const claim of claimed) keeper.hold(claim)
    const ranked = [...claimed].sort((a, b) => Number(isGroupChat(b.chatId)) - Number(isGroupChat(a.chatId)))
    const claims = ranked.slice(0, limits.maxChatsPerRound)
    const deferred = ranked.slice(limits.maxChatsPerRound)
    await Promise.all(deferred.map((claim) => settle(claim, { now })))
    inFlightChats += claims.length
    await Promise.all(
      claims.map(async (claim) => {
        try {
          await deliverChat(claim)
        } catch (error) {
          // Unreachable by design; if it happens the lease expires and another round retries the chat.
          emit({ type: 'error', error: `delivery to chat ${claim.chatId} failed: ${errorText(error)}` })
        } finally {
          // Never renewed past its round, whatever happened in it.
          keeper.release(claim)
          inFlightChats--
        }
      }),
    )
    return claims.length
  }

  async function run(): Promise<void> {
    let failures = 0
    const idle = createIdleWait({
      clock,
      queue: options.wakeOnEnqueue === false ? null : store.queue,
      stop: wake.signal,
    })
    while (!stopping) {
      let claimed = 0
      try {
        claimed = await runOnce()
        failures = 0
      } catch (error) {
        failures++
        emit({ type: 'error', error: `claim failed: ${errorText(error)}` })
      }
      if (stopping) break
      if (claimed > 0) continue
      const now = clock.now()
      const waitMs =
        pausedUntil > now
          ? pausedUntil - now
          : failures > 0
            ? Math.min(idleMs * 2 ** failures, 30_000)
            : idleMs
      // A notice of new work shortens only the plain idle wait, never a back-off.
      await idle.wait(waitMs, pausedUntil <= now && failures === 0)
    }
    idle.close()
  }

  function start(signal?: AbortSignal): void {
    if (loop !== null) return
    stopping = false
    wake = new AbortController()
    loop = run()
    if (signal?.aborted) void stop()
    else signal?.addEventListener('abort', () => void stop(), { once: true })
  }

  async function stop(): Promise<void> {
    stopping = true
    wake.abort()
    const running = loop
    await running
    if (loop === running) loop = null
  }

  return {
    start,
    stop,
    runOnce,
    status() {
      const now = clock.now()
      return {
        workerId,
        running: loop !== null && !stopping,
        pausedUntil: pausedUntil > now ? pausedUntil : null,
        inFlightChats,
        totals: { ...totals },
        lastError,
      }
    },
  }
}

/** Default {@link DeliveryWorkerOptions.leaseMs}: how long a crashed worker's chats stay blocked, at most. */
export const DEFAULT_CLAIM_LEASE_MS = 10_000

function eventBase(chatId: ChatId, jobs: readonly QueuedJob[], now: number): DeliveryEventBase {
  return {
    chatId,
    jobIds: jobs.map((job) => job.id),
    deliveryKeys: jobs.map((job) => job.deliveryKey),
    latencyMs: now - Math.min(...jobs.map((job) => job.createdAt)),
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
