/**
 * Guarded long polling: at most one poller per bot token among the instances sharing a guard, with no 409
 * crash loop, no lost updates on a handover and a prompt stop.
 *
 * Why not the frameworks' own loops: grammY and Telegraf stop for good on the first 409, their stop confirms
 * the offset with one more `getUpdates` whenever it happens (after a successor started polling, that call
 * ends the successor's poll with 409), and none of them coordinates across processes.
 *
 * @module
 */
import { redactSecret } from '../auth/redact.ts'
import { type Clock, systemClock } from '../delivery/clock.ts'
import type { TelegramFailure } from '../delivery/types.ts'
import { runExclusive } from '../guard/run-exclusive.ts'
import type { Lease, LeaseInfo } from '../guard/types.ts'
import {
  defaultConflictBackoff,
  defaultErrorBackoff,
  pollingBackoffDelayMs,
  resolvePollingBackoff,
} from './backoff.ts'
import { createFailureLog, type PollingStep } from './failure-log.ts'
import { failureHeadline, permanentFailure } from './failures.ts'
import type {
  GuardedPoller,
  GuardedPollerOptions,
  PollingBackoffOptions,
  PollingLogger,
  PollingStatus,
  PollingUpdate,
} from './types.ts'

/** The cause named in the warning logged when Telegram answers 409 Conflict. */
export const CONFLICT_HINT =
  'another process is polling with this bot token (or a webhook is set); keygram instances sharing a guard ' +
  'never do this — check for a foreign deployment'

const DEFAULT_TTL_MS = 15_000
const DEFAULT_TIMEOUT_SECONDS = 30
const DEFAULT_CONFIRM_TIMEOUT_MS = 5000
const DEFAULT_SETUP_TIMEOUT_MS = 30_000
const DEFAULT_FAILURE_LOG_INTERVAL_MS = 60_000
// How long a stop lets a just-sent poll travel before aborting it, so Telegram receives its offset.
const RECEIPT_GRACE_MS = 250
// Telegram clamps longer long polls to 50 s.
const MAX_TIMEOUT_SECONDS = 50

/** Writes warnings and errors to the console and drops info lines. */
export const consolePollingLogger: PollingLogger = {
  info() {},
  warn(message, fields) {
    console.warn(fields === undefined ? message : `${message} ${JSON.stringify(fields)}`)
  },
  error(message, fields) {
    console.error(fields === undefined ? message : `${message} ${JSON.stringify(fields)}`)
  },
}

interface ResolvedOptions {
  ttl: number
  renewEvery: number
  standbyRetry: number
  timeoutSeconds: number
  confirmTimeout: number
  setupTimeout: number
  failureLogInterval: number
  conflictBackoff: Required<PollingBackoffOptions>
  errorBackoff: Required<PollingBackoffOptions>
}

function resolveOptions(options: GuardedPollerOptions): ResolvedOptions {
  const ttl = options.ttlMs ?? DEFAULT_TTL_MS
  const renewEvery = options.renewEveryMs ?? ttl / 3
  const standbyRetry = options.standbyRetryMs ?? Math.min(1000, ttl / 3)
  const timeoutSeconds = options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS
  const confirmTimeout = options.confirmTimeoutMs ?? DEFAULT_CONFIRM_TIMEOUT_MS
  const setupTimeout = options.setupTimeoutMs ?? DEFAULT_SETUP_TIMEOUT_MS
  const failureLogInterval = options.failureLogIntervalMs ?? DEFAULT_FAILURE_LOG_INTERVAL_MS
  const where = `createGuardedPoller(${options.name})`
  if (typeof options.name !== 'string' || options.name === '') {
    throw new TypeError('createGuardedPoller: name is required')
  }
  if (!(ttl > 0)) throw new RangeError(`${where}: ttlMs must be > 0, got ${ttl}`)
  if (!(renewEvery > 0 && renewEvery < ttl)) {
    throw new RangeError(`${where}: renewEveryMs must be > 0 and < ttlMs (${ttl}), got ${renewEvery}`)
  }
  if (!(standbyRetry > 0)) throw new RangeError(`${where}: standbyRetryMs must be > 0, got ${standbyRetry}`)
  if (!(Number.isInteger(timeoutSeconds) && timeoutSeconds >= 0 && timeoutSeconds <= MAX_TIMEOUT_SECONDS)) {
    throw new RangeError(`${where}: timeoutSeconds must be an integer 0..50, got ${timeoutSeconds}`)
  }
  if (!(confirmTimeout > 0))
    throw new RangeError(`${where}: confirmTimeoutMs must be > 0, got ${confirmTimeout}`)
  if (!(setupTimeout > 0)) throw new RangeError(`${where}: setupTimeoutMs must be > 0, got ${setupTimeout}`)
  if (!(failureLogInterval >= 0)) {
    throw new RangeError(`${where}: failureLogIntervalMs must be >= 0, got ${failureLogInterval}`)
  }
  return {
    ttl,
    renewEvery,
    standbyRetry,
    timeoutSeconds,
    confirmTimeout,
    setupTimeout,
    failureLogInterval,
    conflictBackoff: resolvePollingBackoff(
      `${where}: conflictBackoff`,
      options.conflictBackoff,
      defaultConflictBackoff,
    ),
    errorBackoff: resolvePollingBackoff(`${where}: errorBackoff`, options.errorBackoff, defaultErrorBackoff),
  }
}

/** Resolves with `promise`, or as soon as `signal` aborts (leaving `promise` to settle unobserved). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) {
    promise.catch(() => {})
    return Promise.resolve(undefined)
  }
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(undefined)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}

/** How a set-up ended: ready to poll, interrupted (stop or lease loss), or impossible for good. */
type SetupResult =
  | { outcome: 'ready' }
  | { outcome: 'aborted' }
  | { outcome: 'failed'; failure: TelegramFailure }

/**
 * Creates a poller that long-polls Telegram through `driver` only while it holds the lease `name` of
 * `guard`.
 *
 * Life cycle: stand by until the lease is granted; prepare the bot (`getMe`) and `deleteWebhook` (dropping
 * pending updates only on a cold start, and only with `dropPendingUpdates`), retrying with back-off while that fails (state `starting`,
 * `lastError` set, each attempt bounded by `setupTimeoutMs`); poll `getUpdates` and hand each update to
 * `driver.handleUpdate` in order, advancing the offset (a failing handler is logged, never stops polling).
 * A 409 sets state `conflict`, logs one warning per episode naming the likely cause and backs off with
 * jitter; 5xx and network errors back off too; a 429 waits `retry_after`. A repeating failure is logged
 * once, then at most once per `failureLogIntervalMs`. A refused token (401, or 404 for a malformed one) is
 * permanent: the poller logs one error, releases the lease and ends in state `failed` instead of retrying.
 * When the lease is lost the poll in flight is aborted at once and the poller stands by again. On stop the
 * poll in flight is aborted at once; updates handled since the last poll was sent are confirmed with one
 * `getUpdates` carrying a new offset and `timeout: 0` while the lease is still held, and only then is the
 * lease released. `status().lastSuccessfulPollAt` belongs to the current lease term: it is cleared when the
 * lease is taken (again) or the poller is started again, and set by that term's successful polls.
 *
 * @example
 * ```ts
 * const poller = createGuardedPoller({ guard: store.guard, name: `polling:${botId}`, driver })
 * void poller.start()
 * // on SIGTERM:
 * await poller.stop()
 * ```
 */
export function createGuardedPoller(options: GuardedPollerOptions): GuardedPoller {
  const resolved = resolveOptions(options)
  const { guard, name, driver } = options
  const clock: Clock = options.clock ?? systemClock
  const random = options.random ?? Math.random
  const logger = options.logger ?? consolePollingLogger
  const failureLog = createFailureLog({ logger, name, clock, intervalMs: resolved.failureLogInterval })
  const dropPendingUpdates = options.dropPendingUpdates ?? false
  const allowedUpdates =
    options.allowedUpdates === undefined ? {} : { allowed_updates: options.allowedUpdates }

  let status: PollingStatus = {
    state: 'stopped',
    lastSuccessfulPollAt: null,
    leaseHolder: null,
    fencingToken: null,
    lastError: null,
    conflicts: 0,
    since: clock.now(),
  }
  let running: Promise<void> | undefined
  let stopController: AbortController | undefined

  function setStatus(patch: Partial<PollingStatus>): void {
    const changed = patch.state !== undefined && patch.state !== status.state
    const holderChanged =
      (patch.leaseHolder !== undefined && patch.leaseHolder !== status.leaseHolder) ||
      (patch.fencingToken !== undefined && patch.fencingToken !== status.fencingToken)
    status = { ...status, ...patch, ...(changed ? { since: clock.now() } : {}) }
    if (!(changed || holderChanged) || options.onStateChange === undefined) return
    try {
      options.onStateChange({ ...status })
    } catch {
      // A broken status listener must not break polling.
    }
  }

  function redact(text: string): string {
    const cleaned = driver.redact === undefined ? text : driver.redact(text)
    // Also catches anything token-shaped that a driver without `redact` lets through.
    return redactSecret(cleaned, [])
  }

  function describe(error: unknown): string {
    if (error instanceof Error) return redact(`${error.name}: ${error.message}`)
    return redact(String(error))
  }

  function classify(error: unknown): TelegramFailure {
    try {
      const failure = driver.classify(error)
      return { ...failure, description: redact(failure.description) }
    } catch {
      return { ok: false, kind: 'network', errorCode: null, description: describe(error) }
    }
  }

  /** The status' `lastError` for a failure that will be retried. */
  function retryableError(failure: TelegramFailure): string {
    return `${failureHeadline(failure)}: ${failure.description}`
  }

  /** The wait before retrying after `failure`: `retry_after` for a 429, else the error back-off. */
  function retryDelay(failure: TelegramFailure, attempt: number): number {
    if (failure.kind === 'rate_limited' && failure.retryAfter !== undefined) return failure.retryAfter * 1000
    return pollingBackoffDelayMs(attempt, resolved.errorBackoff, random)
  }

  /** One set-up attempt within its deadline: its failure, or `undefined` if it worked or `signal` aborted. */
  async function trySetUp(signal: AbortSignal, drop: boolean): Promise<TelegramFailure | undefined> {
    const deadline = new AbortController()
    const settled = new AbortController()
    void clock.sleep(resolved.setupTimeout, settled.signal).then(() => {
      if (!settled.signal.aborted) deadline.abort()
    })
    const attemptSignal = AbortSignal.any([signal, deadline.signal])
    const timedOut: TelegramFailure = {
      ok: false,
      kind: 'timeout',
      errorCode: null,
      description: `no answer within ${resolved.setupTimeout} ms`,
    }
    try {
      const attempt = (async () => {
        await driver.prepare?.(attemptSignal)
        await driver.deleteWebhook(drop, attemptSignal)
      })()
      await untilAborted(attempt, attemptSignal)
      return deadline.signal.aborted && !signal.aborted ? timedOut : undefined
    } catch (error) {
      if (signal.aborted) return undefined
      return deadline.signal.aborted ? timedOut : classify(error)
    } finally {
      settled.abort()
    }
  }

  /**
   * Prepares the bot and deletes the webhook, retrying with the error back-off until that works, the lease is
   * lost or the poller stops. A refused token ends it at once: no retry can cure it.
   */
  async function setUp(signal: AbortSignal, drop: boolean): Promise<SetupResult> {
    for (let attempt = 1; !signal.aborted; attempt++) {
      const failure = await trySetUp(signal, drop)
      if (signal.aborted) break
      if (failure === undefined) {
        failureLog.recovered('setup')
        return { outcome: 'ready' }
      }
      if (permanentFailure(failure) !== null) return { outcome: 'failed', failure }
      const delay = retryDelay(failure, attempt)
      setStatus({ lastError: retryableError(failure) })
      failureLog.failed('setup', failure, delay)
      await clock.sleep(delay, signal)
    }
    return { outcome: 'aborted' }
  }

  /** Logs the one line of a permanent failure and returns the reason to show as the status' `lastError`. */
  function giveUp(step: PollingStep, failure: TelegramFailure): string {
    const reason = permanentFailure(failure) ?? retryableError(failure)
    logger.error(`polling: ${reason}; polling stopped for good: fix the bot token and restart`, {
      name,
      step,
      error: failure.description,
    })
    return reason
  }

  /** Waits after a failed `getUpdates`, by the kind of failure. */
  async function backOff(
    failure: TelegramFailure,
    streaks: { conflict: number; error: number },
    signal: AbortSignal,
  ): Promise<void> {
    if (failure.kind === 'conflict') {
      streaks.conflict++
      if (status.state !== 'conflict') {
        logger.warn(`polling: Telegram answered 409 Conflict: ${CONFLICT_HINT}`, {
          name,
          description: failure.description,
        })
      }
      setStatus({ state: 'conflict', conflicts: status.conflicts + 1, lastError: failure.description })
      await clock.sleep(pollingBackoffDelayMs(streaks.conflict, resolved.conflictBackoff, random), signal)
      return
    }
    setStatus({ lastError: retryableError(failure) })
    if (!(failure.kind === 'rate_limited' && failure.retryAfter !== undefined)) streaks.error++
    const delay = retryDelay(failure, streaks.error)
    failureLog.failed('getUpdates', failure, delay)
    await clock.sleep(delay, signal)
  }

  async function handle(update: PollingUpdate): Promise<void> {
    try {
      await driver.handleUpdate(update)
    } catch (error) {
      logger.error('polling: an update handler failed; the update is skipped', {
        name,
        updateId: update.update_id,
        error: describe(error),
      })
    }
  }

  /**
   * The signal of one poll: aborts at once when the lease is lost, and on stop too, unless the poll carries
   * an offset the server has not acknowledged yet and left less than 250 ms ago. That poll
   * is what confirms the updates just handled; aborting it before it reached Telegram would leave them for
   * the next holder to handle again, and confirming them with the same offset later is the 3 s trap.
   */
  function pollSignal(
    leaseSignal: AbortSignal,
    stop: AbortSignal,
    carriesNewOffset: boolean,
  ): { signal: AbortSignal; dispose(): void } {
    const sentAt = performance.now()
    const controller = new AbortController()
    let timer: ReturnType<typeof setTimeout> | undefined
    const onStop = () => {
      const wait = carriesNewOffset ? RECEIPT_GRACE_MS - (performance.now() - sentAt) : 0
      if (wait <= 0) controller.abort()
      else timer = setTimeout(() => controller.abort(), wait)
    }
    if (stop.aborted) onStop()
    else stop.addEventListener('abort', onStop, { once: true })
    return {
      signal: AbortSignal.any([leaseSignal, controller.signal]),
      dispose() {
        stop.removeEventListener('abort', onStop)
        if (timer !== undefined) clearTimeout(timer)
      },
    }
  }

  /**
   * Polls while `lease` is held and `stop` is not aborted. Resolves `null`, or the reason polling can never
   * work (a refused token), already logged.
   */
  async function pollWhileHolding(
    lease: Lease,
    stop: AbortSignal,
    coldStart: boolean,
  ): Promise<string | null> {
    const signal = AbortSignal.any([lease.signal, stop])
    // A new term: a success from an earlier one says nothing about this one (health checks, metrics).
    setStatus({
      state: 'starting',
      leaseHolder: lease.holder,
      fencingToken: lease.fencingToken,
      lastSuccessfulPollAt: null,
    })
    // The lease and its fencing token are the guard's inner workings: plain words at info, details at debug.
    logger.info("polling: started; this instance now receives the bot's messages and commands")
    logger.debug?.('polling: lease acquired', {
      name,
      holder: lease.holder,
      fencingToken: lease.fencingToken,
    })
    const setup = await setUp(signal, coldStart && dropPendingUpdates)
    if (setup.outcome === 'failed') return giveUp('setup', setup.failure)
    if (setup.outcome === 'aborted') return null
    setStatus({ state: 'polling', lastError: null })

    // `offset` is the next update to ask for; `sentOffset` what the last poll sent carried. A poll the server
    // received confirms every update below its offset, so the two differing means handled, unconfirmed work.
    let offset: number | undefined
    let sentOffset: number | undefined
    // The offset of the last poll the server answered in any way: it surely saw that one.
    let seenOffset: number | undefined
    const streaks = { conflict: 0, error: 0 }
    while (!signal.aborted) {
      sentOffset = offset
      const poll = pollSignal(lease.signal, stop, offset !== undefined && offset !== seenOffset)
      let updates: PollingUpdate[]
      try {
        updates = await driver.getUpdates(
          {
            ...(offset === undefined ? {} : { offset }),
            timeout: resolved.timeoutSeconds,
            ...allowedUpdates,
          },
          poll.signal,
        )
      } catch (error) {
        if (signal.aborted) break
        const failure = classify(error)
        if (failure.errorCode !== null) seenOffset = sentOffset
        // Nothing handled since the last poll can be confirmed with a refused token: just stop.
        if (permanentFailure(failure) !== null) return giveUp('getUpdates', failure)
        await backOff(failure, streaks, signal)
        continue
      } finally {
        poll.dispose()
      }
      seenOffset = sentOffset
      if (signal.aborted) break
      if (status.state === 'conflict') logger.info('polling: the conflict is over; polling again', { name })
      failureLog.recovered('getUpdates')
      streaks.conflict = 0
      streaks.error = 0
      setStatus({ state: 'polling', lastSuccessfulPollAt: clock.now(), lastError: null })
      for (const update of updates) {
        if (signal.aborted) break
        if (offset !== undefined && update.update_id < offset) continue
        await handle(update)
        offset = update.update_id + 1
      }
    }

    // Confirm only on a stop with the lease still held: after a loss another instance may be polling, and
    // a late confirm is exactly the call that ends its poll with 409. The new offset never repeats the
    // aborted poll's (a repeat within 3 s becomes a 3 s poll).
    if (stop.aborted && !lease.signal.aborted && offset !== undefined && offset !== sentOffset) {
      try {
        const confirmSignal = AbortSignal.any([lease.signal, AbortSignal.timeout(resolved.confirmTimeout)])
        await driver.getUpdates({ offset, timeout: 0, limit: 1 }, confirmSignal)
      } catch (error) {
        logger.warn('polling: could not confirm handled updates; the next poller may see them again', {
          name,
          offset,
          error: classify(error).description,
        })
      }
    }
    return null
  }

  async function run(stop: AbortSignal): Promise<void> {
    let terms = 0
    let sawOtherHolder = false
    let guardFailures = 0
    // Set when Telegram refused the token: the poller ends in state `failed` with this as `lastError`.
    let failedFor: string | null = null
    const standBy = (current: LeaseInfo | null) => {
      if (current !== null) sawOtherHolder = true
      setStatus({
        state: 'standby',
        leaseHolder: current?.holder ?? null,
        fencingToken: current?.fencingToken ?? null,
      })
    }
    // A start after a stop: nothing of the previous run counts, not even while standing by.
    setStatus({ state: 'standby', leaseHolder: null, fencingToken: null, lastSuccessfulPollAt: null })
    while (!stop.aborted) {
      try {
        await runExclusive(
          guard,
          name,
          async (lease) => {
            guardFailures = 0
            const coldStart = terms === 0 && !sawOtherHolder
            terms++
            failedFor = await pollWhileHolding(lease, stop, coldStart)
          },
          {
            ttl: resolved.ttl,
            renewEvery: resolved.renewEvery,
            retry: { interval: resolved.standbyRetry, signal: stop },
            ...(options.holder === undefined ? {} : { holder: options.holder }),
            onStandby: standBy,
          },
        )
      } catch (error) {
        // A guard error while releasing after a refused token must not start it all over again.
        if (stop.aborted || failedFor !== null) break
        guardFailures++
        const text = describe(error)
        const delay = pollingBackoffDelayMs(guardFailures, resolved.errorBackoff, random)
        setStatus({ state: 'standby', leaseHolder: null, fencingToken: null, lastError: text })
        logger.error('polling: the guard failed; retrying', {
          name,
          attempt: guardFailures,
          delayMs: delay,
          error: text,
        })
        await clock.sleep(delay, stop)
        continue
      }
      if (failedFor !== null) break
      if (!stop.aborted) {
        logger.warn('polling: lease lost; standing by', { name })
        setStatus({ state: 'standby', leaseHolder: null, fencingToken: null })
      }
    }
    setStatus({
      state: failedFor === null ? 'stopped' : 'failed',
      leaseHolder: null,
      fencingToken: null,
      ...(failedFor === null ? {} : { lastError: failedFor }),
    })
  }

  return {
    start(signal?: AbortSignal): Promise<void> {
      if (running !== undefined) return running
      const controller = new AbortController()
      const onAbort = () => controller.abort()
      if (signal?.aborted) controller.abort()
      else signal?.addEventListener('abort', onAbort, { once: true })
      stopController = controller
      running = (async () => {
        try {
          await run(controller.signal)
        } catch (error) {
          // run() handles its failures; this is a last resort so start() keeps its never-rejects promise.
          logger.error('polling: stopped by an unexpected error', { name, error: describe(error) })
          setStatus({ state: 'stopped', leaseHolder: null, fencingToken: null, lastError: describe(error) })
        } finally {
          signal?.removeEventListener('abort', onAbort)
          running = undefined
          stopController = undefined
        }
      })()
      return running
    },

    stop(): Promise<void> {
      stopController?.abort()
      return running ?? Promise.resolve()
    },

    status(): PollingStatus {
      return { ...status }
    },
  }
}
