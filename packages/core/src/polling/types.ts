/**
 * Contracts of guarded long polling: the {@link PollingDriver} a framework adapter provides, and the
 * {@link GuardedPoller} the core runs on top of it.
 *
 * @module
 */
import type { Clock } from '../delivery/clock.ts'
import type { TelegramFailure } from '../delivery/types.ts'
import type { SingleInstanceGuard } from '../guard/types.ts'

/** An update as the poller needs to see it: only its id. Drivers hand their framework's full object. */
export interface PollingUpdate {
  update_id: number
}

/** Parameters of one `getUpdates` call, as the Bot API names them. */
export interface GetUpdatesParams {
  /** First update to return; also confirms every update below it. Absent: the first unconfirmed one. */
  offset?: number
  /** Long-poll timeout in seconds; 0 answers at once. */
  timeout: number
  /** At most this many updates (1-100). */
  limit?: number
  /** Update types to receive; absent keeps the previous setting. */
  allowed_updates?: readonly string[]
}

/**
 * What the poller needs from a Telegram framework (grammY, Telegraf) or a bare client. Adapters build it from
 * the framework's API object and its `handleUpdate`.
 */
export interface PollingDriver {
  /**
   * Calls `getUpdates`. Must reject promptly when `signal` aborts (the poller aborts a 30 s long poll on stop
   * and on lease loss). Rejections are passed to {@link PollingDriver.classify}.
   */
  getUpdates(params: GetUpdatesParams, signal: AbortSignal): Promise<PollingUpdate[]>
  /**
   * Calls `deleteWebhook` with `drop_pending_updates`. Should reject when `signal` aborts (the poller gives
   * each set-up attempt a deadline); a driver that ignores it is abandoned at the deadline instead.
   */
  deleteWebhook(dropPendingUpdates: boolean, signal?: AbortSignal): Promise<void>
  /** Runs the bot's middleware for one update. A rejection is logged and the update counts as handled. */
  handleUpdate(update: PollingUpdate): Promise<void>
  /** Turns a rejection of a driver call into a {@link TelegramFailure} (409 is `conflict`). */
  classify(error: unknown): TelegramFailure
  /**
   * Optional one-time preparation once the lease is held and before polling (fetching the bot's `getMe`
   * info), so no update is handled by a bot that cannot handle it. One attempt per call: it must reject on
   * failure, not retry by itself, so the poller can report the failure, back off, and stop for good on a
   * refused token. Should reject when `signal` aborts.
   */
  prepare?(signal: AbortSignal): Promise<void>
  /** Removes secrets (the bot token) from text before it is logged or reported. */
  redact?(text: string): string
}

/**
 * Where a poller is:
 * - `starting`: holds the lease, preparing the bot (`getMe`) and deleting the webhook before the first poll;
 *   while that fails (Telegram unreachable, 5xx) it retries with back-off and `lastError` says why;
 * - `polling`: holds the lease and long-polls;
 * - `conflict`: holds the lease but Telegram answers 409 (someone outside the guard polls this token);
 * - `standby`: waits for the lease;
 * - `stopped`: not running;
 * - `failed`: not running because Telegram refused the bot token (401, or 404 for a malformed token), which
 *   no retry can cure; `lastError` says so. Fix the token and start again.
 */
export type PollingState = 'starting' | 'polling' | 'conflict' | 'standby' | 'stopped' | 'failed'

/** A snapshot of a poller, for health endpoints and logs. */
export interface PollingStatus {
  state: PollingState
  /**
   * Epoch ms of the last `getUpdates` that answered without error in the current lease term, or `null` while
   * the term has had none. Cleared when a term begins (the lease is taken, again after a loss too) and when
   * `start()` runs again after a stop, so a success from an earlier term never makes a fresh one look
   * alive; set again by the term's first successful poll. Between terms (standing by after a lost lease,
   * stopped) it still tells when the term that ended last polled successfully.
   */
  lastSuccessfulPollAt: number | null
  /** Holder of the lease: this poller while it holds it, the other holder while standing by, or `null`. */
  leaseHolder: string | null
  /** Fencing token of that lease, or `null`. */
  fencingToken: number | null
  /** The last error seen (redacted), or `null` once polling succeeds again. */
  lastError: string | null
  /** How many 409 answers this poller received in total. */
  conflicts: number
  /** Epoch ms when the current state began. */
  since: number
}

/** Structured fields of a log line. */
export type PollingLogFields = Record<string, string | number | boolean | null>

/** Where the poller writes its log lines. Never given a bot token. */
export interface PollingLogger {
  /** Details for whoever debugs the guard (lease names, holders, fencing tokens); optional. */
  debug?(message: string, fields?: PollingLogFields): void
  info(message: string, fields?: PollingLogFields): void
  warn(message: string, fields?: PollingLogFields): void
  error(message: string, fields?: PollingLogFields): void
}

/** Exponential back-off with jitter. */
export interface PollingBackoffOptions {
  /** First delay in ms. */
  baseMs?: number
  /** Largest delay in ms. */
  capMs?: number
  /**
   * Fraction of the delay that is random, 0..1: a delay is drawn from `[window * (1 - jitter), window]`.
   * Default 0.5. The lower bound keeps retries from ever turning into a tight loop.
   */
  jitter?: number
}

/** Options of {@link createGuardedPoller}. */
export interface GuardedPollerOptions {
  /** The single-instance guard shared by every instance that may poll this bot. */
  guard: SingleInstanceGuard
  /** The lease name, e.g. `polling:<bot id>`. */
  name: string
  /** The framework binding. */
  driver: PollingDriver
  /** Lease lifetime in ms. Default 15000. A killed poller is replaced within about this long. */
  ttlMs?: number
  /** Lease renewal period in ms. Default a third of `ttlMs`. */
  renewEveryMs?: number
  /** How often a standby instance tries to take the lease, in ms. Default `min(1000, ttlMs / 3)`. */
  standbyRetryMs?: number
  /** Shown as the lease holder in health reports. Default: a random id. */
  holder?: string
  /**
   * Drop updates queued at Telegram on a cold start (the lease was free at the first try), as the seed bot
   * did. Default `false`: in a bot people talk to, what they sent while it was down is answered once it is
   * back. The standalone Keygram server passes `true` (a bot that only notifies has nothing to catch up on).
   * A poller that stood by behind another holder never drops, whatever this says: a handover loses nothing.
   */
  dropPendingUpdates?: boolean
  /** Long-poll timeout in seconds (Telegram clamps it to 50). Default 30. */
  timeoutSeconds?: number
  /** `allowed_updates` of every poll. Default: Telegram's default set. */
  allowedUpdates?: readonly string[]
  /** Back-off after a 409. Default base 1000 ms, cap 60000 ms, jitter 0.5. */
  conflictBackoff?: PollingBackoffOptions
  /**
   * Back-off after other failures (5xx, network, timeouts, guard errors), also between set-up attempts.
   * Default base 1000 ms, cap 30000 ms, jitter 0.5.
   */
  errorBackoff?: PollingBackoffOptions
  /** How long the confirming `getUpdates` on stop may take, in ms. Default 5000. */
  confirmTimeoutMs?: number
  /**
   * How long one set-up attempt (`prepare`, then `deleteWebhook`) may take before it counts as a `timeout`
   * failure and is retried, in ms. Default 30000. Keeps a start-up against an API that never answers from
   * hanging in `starting` with nothing to show.
   */
  setupTimeoutMs?: number
  /**
   * While the same kind of failure repeats (the API unreachable, 5xx, ...), its warning is logged once and
   * then at most once per this many ms, with the number of retries in between. Default 60000.
   */
  failureLogIntervalMs?: number
  /** Log lines. Default: warnings and errors to `console`, info dropped. */
  logger?: PollingLogger
  /** Time and waiting (tests). Default: the system clock. */
  clock?: Clock
  /** `[0, 1)` source for jitter (tests). Default `Math.random`. */
  random?: () => number
  /** Called with the new status whenever the state or the lease holder changes (health reports, tests). */
  onStateChange?: (status: PollingStatus) => void
}

/**
 * The options an adapter's `startPolling(bot, options)` takes: those of {@link createGuardedPoller} without
 * the driver, which the adapter builds, and with the name defaulting to `polling:<bot id>`.
 */
export interface AdapterPollingOptions extends Omit<GuardedPollerOptions, 'driver' | 'name'> {
  /** The lease name. Default `polling:<bot id>` (the numeric prefix of the token). */
  name?: string
  /** Stops the poller when it aborts. */
  signal?: AbortSignal
}

/** A long poller that polls only while it holds the lease. */
export interface GuardedPoller {
  /**
   * Runs until stopped: stands by for the lease, polls while holding it, stands by again if it is lost.
   * Resolves once stopped and the lease released, or once it failed for good (state `failed`: Telegram
   * refused the token); never rejects. Calling it while running returns the
   * running promise. `signal` stops it like {@link GuardedPoller.stop}.
   */
  start(signal?: AbortSignal): Promise<void>
  /**
   * Stops at once: aborts the long poll in flight (one sent less than 250 ms ago with a new offset gets
   * those 250 ms to reach Telegram, as it confirms the updates handled before it), confirms handled updates
   * with one short `getUpdates` if no poll carried their offset yet, then releases the lease. Resolves when
   * that is done.
   */
  stop(): Promise<void>
  /** The current status. */
  status(): PollingStatus
}
