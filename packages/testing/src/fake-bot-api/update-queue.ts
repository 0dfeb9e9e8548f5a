/**
 * The getUpdates queue and long-poll coordination, ported from telegram-bot-api's Client.cpp
 * (process_get_updates_query, do_get_updates, abort_long_poll, fail_query_conflict): the newest poller wins and
 * the previous pending one gets 409, 409s are paced, a repeated offset turns a short poll into a 3 s one.
 *
 * @module
 */
import { BotApiError } from './bot-api-error.ts'
import { intArg, jsonArg, type Params } from './request-params.ts'
import type { FakeUpdate } from './types.ts'

/** How a poll ends: the updates, or an error (409). */
export type PollOutcome = FakeUpdate[] | BotApiError

/** Answers one getUpdates request. */
export type PollResponder = (outcome: PollOutcome) => void

/** Timing knobs of {@link UpdateQueue}. */
export interface UpdateQueueTiming {
  /** Minimum gap between two 409 answers; later ones wait this long. Telegram: 3000. */
  conflictPacingMs: number
  /** A repeated offset within this window makes a shorter poll this long. Telegram: 3000. */
  repeatedOffsetPollMs: number
}

/** Telegram's 409 descriptions. */
export const CONFLICT = {
  otherGetUpdates:
    'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
  webhookActive:
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
  setWebhook: 'Conflict: terminated by setWebhook request',
} as const

const LONG_POLL_MAX_TIMEOUT_S = 50
// Telegram waits ~1 ms after an update arrives so that a burst is answered in one batch.
const WAKE_DELAY_MS = 1
// Updates Telegram leaves out unless asked for by name in allowed_updates.
const OPT_IN_UPDATE_TYPES = new Set(['chat_member', 'message_reaction', 'message_reaction_count'])

interface PendingPoll {
  offset: number
  limit: number
  respond: PollResponder
  timer: ReturnType<typeof setTimeout>
  wakeTimer?: ReturnType<typeof setTimeout>
}

/** Updates waiting for a poller, the one pending long poll, and the webhook that excludes polling. */
export class UpdateQueue {
  private updates: FakeUpdate[] = []
  private nextUpdateId = 1
  private allowedTypes: Set<string> | null = null
  private pending: PendingPoll | undefined
  private previousOffset = Number.NaN
  private previousStartAt = Number.NEGATIVE_INFINITY
  private nextConflictAt = 0
  private readonly conflictTimers = new Set<ReturnType<typeof setTimeout>>()
  private webhook = ''

  constructor(
    private readonly timing: UpdateQueueTiming,
    private readonly now: () => number = Date.now,
  ) {}

  /** Updates not yet confirmed by an offset. */
  get pendingCount(): number {
    return this.updates.length
  }

  /** The webhook URL, or `''`. */
  get webhookUrl(): string {
    return this.webhook
  }

  /** Whether a long poll is waiting. */
  get hasPendingPoll(): boolean {
    return this.pending !== undefined
  }

  /** Queue an update unless allowed_updates excludes its type; wakes the pending poll. */
  push(update: Omit<FakeUpdate, 'update_id'> & { update_id?: number }): FakeUpdate | undefined {
    const type = Object.keys(update).find((key) => key !== 'update_id')
    if (type === undefined) throw new TypeError('an update needs a payload field such as "message"')
    if (!this.isAllowed(type)) return undefined
    const updateId = update.update_id ?? this.nextUpdateId
    if (updateId < this.nextUpdateId) throw new RangeError(`update_id ${updateId} is not above the last one`)
    this.nextUpdateId = updateId + 1
    const stored: FakeUpdate = { ...update, update_id: updateId }
    this.updates.push(stored)
    this.wakePendingPoll()
    return stored
  }

  /** Handle one getUpdates request; `respond` is called once, now or when the poll ends. */
  getUpdates(params: Params, respond: PollResponder): void {
    if (this.webhook !== '') {
      this.failConflict(CONFLICT.webhookActive, respond)
      return
    }
    const offset = intArg(params, 'offset', 0, -(2 ** 31), 2 ** 31 - 1)
    let limit = intArg(params, 'limit', 100, 1, 100)
    let timeoutMs = intArg(params, 'timeout', 0, 0, LONG_POLL_MAX_TIMEOUT_S) * 1000
    this.updateAllowedTypes(params)

    const now = this.now()
    const repeatWindow = this.timing.repeatedOffsetPollMs
    if (
      offset === this.previousOffset &&
      timeoutMs < repeatWindow &&
      now < this.previousStartAt + repeatWindow
    ) {
      timeoutMs = repeatWindow
    }
    if (offset === this.previousOffset && now < this.previousStartAt + Math.min(500, repeatWindow)) limit = 1
    this.previousOffset = offset
    this.previousStartAt = now
    this.answerOrWait(offset, limit, timeoutMs, respond)
  }

  /** setWebhook: a non-empty URL ends the pending poll with 409 (deleteWebhook does not). */
  setWebhook(url: string, dropPendingUpdates: boolean, params: Params): string {
    const unchanged = url === this.webhook && !dropPendingUpdates
    if (url !== '') this.abortLongPoll(CONFLICT.setWebhook)
    this.webhook = url
    if (dropPendingUpdates) this.updates = []
    this.updateAllowedTypes(params)
    if (url === '') return unchanged ? 'Webhook is already deleted' : 'Webhook was deleted'
    return unchanged ? 'Webhook is already set' : 'Webhook was set'
  }

  /** Stop every timer; pending polls are left to the closing server. */
  close(): void {
    if (this.pending !== undefined) {
      clearTimeout(this.pending.timer)
      clearTimeout(this.pending.wakeTimer)
      this.pending = undefined
    }
    for (const timer of this.conflictTimers) clearTimeout(timer)
    this.conflictTimers.clear()
  }

  private answerOrWait(offset: number, limit: number, timeoutMs: number, respond: PollResponder): void {
    if (offset < 0) this.updates = this.updates.slice(offset)
    const head = this.updates[0]?.update_id ?? this.nextUpdateId
    let from = head
    // An offset beyond the queue's tail is ignored rather than confirming anything (TQueue "in the future").
    if (offset > 0 && offset <= this.nextUpdateId) {
      from = offset
      this.updates = this.updates.filter((update) => update.update_id >= offset)
    }
    const batch = this.updates.filter((update) => update.update_id >= from).slice(0, limit)
    if (timeoutMs !== 0 && batch.length === 0) {
      this.abortLongPoll(CONFLICT.otherGetUpdates)
      const timer = setTimeout(() => this.finishPendingPoll(), timeoutMs)
      this.pending = { offset: from, limit, respond, timer }
      return
    }
    respond(batch)
  }

  private wakePendingPoll(): void {
    const pending = this.pending
    if (pending === undefined || pending.wakeTimer !== undefined) return
    pending.wakeTimer = setTimeout(() => this.finishPendingPoll(), WAKE_DELAY_MS)
  }

  private finishPendingPoll(): void {
    const pending = this.pending
    if (pending === undefined) return
    clearTimeout(pending.timer)
    clearTimeout(pending.wakeTimer)
    this.pending = undefined
    this.answerOrWait(pending.offset, pending.limit, 0, pending.respond)
  }

  private abortLongPoll(message: string): void {
    const pending = this.pending
    if (pending === undefined) return
    clearTimeout(pending.timer)
    clearTimeout(pending.wakeTimer)
    this.pending = undefined
    this.failConflict(message, pending.respond)
  }

  // Telegram answers at most one 409 per pacing window at once; the others are held back a full window.
  private failConflict(message: string, respond: PollResponder): void {
    const now = this.now()
    const send = () => respond(new BotApiError(409, message))
    if (now >= this.nextConflictAt) {
      this.nextConflictAt = now + this.timing.conflictPacingMs
      send()
      return
    }
    const timer = setTimeout(() => {
      this.conflictTimers.delete(timer)
      send()
    }, this.timing.conflictPacingMs)
    this.conflictTimers.add(timer)
  }

  private updateAllowedTypes(params: Params): void {
    let value: unknown
    try {
      value = jsonArg(params, 'allowed_updates', 'allowed updates')
    } catch {
      return
    }
    if (!Array.isArray(value)) return
    const names = value.filter((name): name is string => typeof name === 'string')
    this.allowedTypes = names.length === 0 ? null : new Set(names)
  }

  private isAllowed(type: string): boolean {
    return this.allowedTypes === null ? !OPT_IN_UPDATE_TYPES.has(type) : this.allowedTypes.has(type)
  }
}
