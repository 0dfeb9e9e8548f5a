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
  conflictBackoff: Required<PollingBackoffOptions>
  errorBackoff: Required<PollingBackoffOptions>
}

function resolveOptions(options: GuardedPollerOptions): ResolvedOptions {
  const ttl = options.ttlMs ?? DEFAULT_TTL_MS
  const renewEvery = options.renewEveryMs ?? ttl / 3
  const standbyRetry = options.standbyRetryMs ?? Math.min(1000, ttl / 3)
  const timeoutSeconds = options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS
  const confirmTimeout = options.confirmTimeoutMs ?? DEFAULT_CONFIRM_TIMEOUT_MS
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
  return {
    ttl,
    renewEvery,
    standbyRetry,
    timeoutSeconds,
    confirmTimeout,
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

/**
 * Creates a poller that long-polls Telegram through `driver` only while it holds the lease `name` of
 * `guard`.
 *
 * Life cycle: stand by until the lease is granted; `deleteWebhook` (dropping pending updates only on a cold
 * start); poll `getUpdates` and hand each update to `driver.handleUpdate` in order, advancing the offset
 * (a failing handler is logged, never stops polling). A 409 sets state `conflict`, logs one warning per
 * episode naming the likely cause and backs off with jitter; 5xx and network errors back off too; a 429
 * waits `retry_after`. When the lease is lost the poll in flight is aborted at once and the poller stands
 * by again. On stop the poll in flight is aborted at once; updates handled since the last poll was sent are
 * confirmed with one `getUpdates` carrying a new offset and `timeout: 0` while the lease is still held, and
 * only then is the lease released.
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
  const dropPendingUpdates = options.dropPendingUpdates ?? true
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

  /** Retries `step` with the error back-off until it succeeds; `false` when `signal` aborted first. */
  async function retrying(what: string, signal: AbortSignal, step: () => Promise<void>): Promise<boolean> {
    for (let attempt = 1; !signal.aborted; attempt++) {
      try {
        await untilAborted(step(), signal)
        return !signal.aborted
      } catch (error) {
        if (signal.aborted) return false
        const failure = classify(error)
        setStatus({ lastError: failure.description })
        const delay = pollingBackoffDelayMs(attempt, resolved.errorBackoff, random)
        logger.warn(`polling: ${what} failed; retrying`, {
          name,
          attempt,
          delayMs: delay,
          error: failure.description,
        })
        await clock.sleep(delay, signal)
      }
    }
    return false
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
    setStatus({ lastError: failure.description })
    if (failure.kind === 'rate_limited' && failure.retryAfter !== undefined) {
      logger.warn('polling: getUpdates rate limited; waiting retry_after', {
        name,
        retryAfterS: failure.retryAfter,
      })
      await clock.sleep(failure.retryAfter * 1000, signal)
      return
    }
    streaks.error++
    const delay = pollingBackoffDelayMs(streaks.error, resolved.errorBackoff, random)
    const log = failure.kind === 'unauthorized' ? logger.error : logger.warn
    log('polling: getUpdates failed; retrying', {
      name,
      kind: failure.kind,
      attempt: streaks.error,
      delayMs: delay,
      error: failure.description,
    })
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

  /** Polls while `lease` is held and `stop` is not aborted. */
  async function pollWhileHolding(lease: Lease, stop: AbortSignal, coldStart: boolean): Promise<void> {
    const signal = AbortSignal.any([lease.signal, stop])
    setStatus({ state: 'starting', leaseHolder: lease.holder, fencingToken: lease.fencingToken })
    logger.info('polling: lease acquired', { name, holder: lease.holder, fencingToken: lease.fencingToken })
    const drop = coldStart && dropPendingUpdates
    const ready = await retrying('setup (deleteWebhook)', signal, async () => {
      await driver.prepare?.(signal)
      await driver.deleteWebhook(drop)
    })
    if (!ready) return
    setStatus({ state: 'polling' })

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
        await backOff(failure, streaks, signal)
        continue
      } finally {
        poll.dispose()
      }
      seenOffset = sentOffset
      if (signal.aborted) break
      if (status.state === 'conflict') logger.info('polling: the conflict is over; polling again', { name })
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
  }

  async function run(stop: AbortSignal): Promise<void> {
    let terms = 0
    let sawOtherHolder = false
    let guardFailures = 0
    const standBy = (current: LeaseInfo | null) => {
      if (current !== null) sawOtherHolder = true
      setStatus({
        state: 'standby',
        leaseHolder: current?.holder ?? null,
        fencingToken: current?.fencingToken ?? null,
      })
    }
    setStatus({ state: 'standby', leaseHolder: null, fencingToken: null })
    while (!stop.aborted) {
      try {
        await runExclusive(
          guard,
          name,
          async (lease) => {
            guardFailures = 0
            const coldStart = terms === 0 && !sawOtherHolder
            terms++
            await pollWhileHolding(lease, stop, coldStart)
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
        if (stop.aborted) break
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
      if (!stop.aborted) {
        logger.warn('polling: lease lost; standing by', { name })
        setStatus({ state: 'standby', leaseHolder: null, fencingToken: null })
      }
    }
    setStatus({ state: 'stopped', leaseHolder: null, fencingToken: null })
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
