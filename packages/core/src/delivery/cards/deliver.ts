/**
 * Live cards in the worker: a job of an order or lead edits the chat's card of it instead of sending a
 * message, a loud status sends a fresh message that becomes the card, a deleted card is replaced, and a
 * summary's cards are refreshed afterwards on the low-priority line.
 *
 * @module
 */
import { messageHash } from '../../format/hash.ts'
import type { TelegramMessage } from '../../telegram/types.ts'
import type { JobRenderer } from '../render.ts'
import { type Delivery, isFailure, type SendResult } from '../send-result.ts'
import type {
  CardRequest,
  ChatTarget,
  KeyValueStore,
  NewJob,
  QueuedJob,
  QueueStore,
  RenderRequest,
} from '../types.ts'
import { applyCardChange, type CardChange, type CardRecord, cardEntityOf, cardKey } from './record.ts'
import { commitCardChange, readCard } from './state.ts'

/** Default edit window: a card older than this is not edited (a later change gets a new card). */
export const DEFAULT_CARD_EDIT_WINDOW_MS = 7 * 24 * 60 * 60 * 1000

/** What happened to a card. */
export type CardAction =
  /** A new message became the card (its first, or a loud status). */
  | 'sent'
  /** The card's message was edited. */
  | 'edited'
  /** The card already showed it: no call to Telegram. */
  | 'unchanged'
  /** The card's message was deleted or cannot be edited: a new message became the card. */
  | 'replaced'
  /** A summary covered the change; the card's history took it (a refresh follows when it has a message). */
  | 'merged'
  /** A refresh found no card it may edit (none, too old, or the transport cannot edit). */
  | 'skipped'

/** One card outcome, for logs and metrics. */
export interface CardOutcome {
  chatId: string
  jobId: string
  action: CardAction
  /** The card's message after the outcome, if it has one. */
  messageId: number | null
}

/** The result of a card step: the Telegram outcome the worker settles like any send. */
export interface CardAttempt {
  /** The outcome deciding `jobs` (success: done; failure: retried or dead-lettered as usual). */
  delivery: Delivery
  /** The jobs `delivery` decides. */
  jobs: QueuedJob[]
  /** Jobs finished whatever `delivery` says (refreshes that needed no call). */
  done: string[]
  /** Calls that count toward the chat's pace (0 when Telegram was not called or changed nothing). */
  sends: number
}

/** What a card's buttons are made from (see {@link CardDeliveryOptions.decorate}). */
export interface CardDecoration {
  target: ChatTarget
  card: CardRequest
  /** The card as it will show. */
  record: CardRecord
  /** The card's message, 0 when the message is about to be sent. */
  messageId: number
  /** The rendered card. */
  message: TelegramMessage
}

/** What {@link createCardDelivery} needs from the worker. */
export interface CardDeliveryOptions {
  kv: KeyValueStore
  queue: Pick<QueueStore, 'enqueue'>
  renderer: JobRenderer
  now: () => number
  /** Cards older than this are not edited. */
  editWindowMs: number
  /** Sends a message as the worker does (paced, with its fallbacks). */
  send(target: ChatTarget, message: TelegramMessage): Promise<Delivery>
  /** Edits a message, paced like a send; `null` when the transport cannot edit. */
  edit: ((target: ChatTarget, messageId: number, message: TelegramMessage) => Promise<SendResult>) | null
  onOutcome(outcome: CardOutcome): void
  /** Adds buttons to a rendered card (two-way actions); default: the card as rendered. */
  decorate?: (decoration: CardDecoration) => Promise<TelegramMessage>
  /** A card write that failed after Telegram took the message (the card may be sent again later). */
  onError(error: string): void
}

/** The worker's card steps. */
export interface CardDelivery {
  /** Applies a status change to its card: edit, fresh message, or replacement. */
  deliver(target: ChatTarget, job: QueuedJob): Promise<CardAttempt>
  /** Works through a claimed low-priority line of refreshes: at most one call to Telegram per round. */
  refresh(target: ChatTarget, jobs: readonly QueuedJob[]): Promise<CardAttempt>
  /** After a summary went out: its cards take the changes, and the ones with a message get a refresh. */
  afterSummary(target: ChatTarget, jobs: readonly QueuedJob[]): Promise<void>
  /**
   * A notification of an order or lead sent as messages of its own (cards off): its buttons (two-way
   * actions) go on its last message, as they would on the card.
   */
  withButtons(target: ChatTarget, job: QueuedJob, messages: TelegramMessage[]): Promise<TelegramMessage[]>
}

const untouched: Delivery = { result: { ok: true, messageId: 0 }, messageIds: [], fallback: null }

/** Creates the card steps over the worker's sending and the store. */
export function createCardDelivery(options: CardDeliveryOptions): CardDelivery {
  const { kv, renderer } = options
  const ttlMs = options.editWindowMs + 24 * 60 * 60 * 1000

  function editable(record: CardRecord | null, now: number): record is CardRecord & { messageId: number } {
    return (
      record !== null &&
      record.messageId !== null &&
      record.sentAt !== null &&
      now - record.sentAt < options.editWindowMs &&
      options.edit !== null
    )
  }

  async function commit(target: ChatTarget, job: QueuedJob, change: CardChange): Promise<CardRecord | null> {
    const card = job.render?.card
    if (card === undefined) return null
    try {
      return await commitCardChange(kv, cardKey(target, card), change, { now: options.now(), ttlMs })
    } catch (error) {
      options.onError(`could not record card ${cardKey(target, card)}: ${errorText(error)}`)
      return null
    }
  }

  async function render(
    target: ChatTarget,
    request: RenderRequest,
    record: CardRecord,
    messageId: number,
  ): Promise<TelegramMessage> {
    const message = await renderer.card(request, record)
    const card = request.card
    if (options.decorate === undefined || card === undefined) return message
    return options.decorate({ target, card, record, messageId, message })
  }

  function report(target: ChatTarget, job: QueuedJob, action: CardAction, messageId: number | null): void {
    options.onOutcome({ chatId: target.chatId, jobId: job.id, action, messageId })
  }

  async function deliver(target: ChatTarget, job: QueuedJob): Promise<CardAttempt> {
    const request = job.render
    const card = request?.card
    if (request === undefined || card === undefined) throw new Error(`job ${job.id} has no card request`)
    const now = options.now()
    const current = await readCard(kv, cardKey(target, card))
    if (current?.appliedJobs.includes(job.id)) {
      // Applied before a crash kept it from being settled: the card already shows it.
      report(target, job, 'unchanged', current.messageId)
      return { delivery: untouched, jobs: [job], done: [], sends: 0 }
    }
    const shown = applyCardChange(current, { webhook: request.webhook }, now)
    // Loud is news: not a change KeyCRM delivers after a newer one, nor one the card already shows (the
    // webhook of a change made from the card's own button).
    const news =
      current === null || (shown.latest === request.webhook && statusOf(current) !== statusOf(shown))
    const loud = card.loud && news
    let message = await render(
      target,
      request,
      shown,
      !loud && editable(current, now) ? current.messageId : 0,
    )
    let shownHash = messageHash(message)
    let change: CardChange = { webhook: request.webhook, jobId: job.id, shownHash }
    let replacing = false
    if (!loud && editable(current, now)) {
      if (current.shownHash === shownHash) {
        await commit(target, job, change)
        report(target, job, 'unchanged', current.messageId)
        return { delivery: untouched, jobs: [job], done: [], sends: 0 }
      }
      const result = await options.edit!(target, current.messageId, message)
      const answered = result !== 'paused' && (result.ok || result.kind === 'not_modified')
      if (answered) {
        await commit(target, job, change)
        report(target, job, 'edited', current.messageId)
        const sends = result.ok ? 1 : 0
        return {
          delivery: { ...untouched, messageIds: result.ok ? [current.messageId] : [] },
          jobs: [job],
          done: [],
          sends,
        }
      }
      if (!isFailure(result, 'message_not_editable')) {
        return { delivery: { result, messageIds: [], fallback: null }, jobs: [job], done: [], sends: 0 }
      }
      // Someone deleted the card (or it is frozen): the change goes out as a new, silent card.
      replacing = true
      message = await render(target, request, shown, 0)
      shownHash = messageHash(message)
      change = { ...change, shownHash }
    }
    const delivery = await options.send(
      target,
      replacing ? { ...message, disable_notification: true } : message,
    )
    if (delivery.result !== 'paused' && delivery.result.ok) {
      const messageId = delivery.result.messageId
      await commit(target, job, { ...change, messageId, sentAt: now })
      report(target, job, replacing ? 'replaced' : 'sent', messageId)
    }
    return { delivery, jobs: [job], done: [], sends: delivery.messageIds.length }
  }

  async function refresh(target: ChatTarget, jobs: readonly QueuedJob[]): Promise<CardAttempt> {
    const done: string[] = []
    for (const job of jobs) {
      const card = job.render?.card
      const now = options.now()
      const current = card === undefined ? null : await readCard(kv, cardKey(target, card))
      if (job.render === undefined || !editable(current, now)) {
        done.push(job.id)
        report(target, job, 'skipped', current?.messageId ?? null)
        continue
      }
      const message = await render(target, job.render, current, current.messageId)
      const shownHash = messageHash(message)
      if (shownHash === current.shownHash) {
        done.push(job.id)
        report(target, job, 'unchanged', current.messageId)
        continue
      }
      const result = await options.edit!(target, current.messageId, message)
      if (result !== 'paused' && (result.ok || result.kind === 'not_modified')) {
        await commit(target, job, { jobId: job.id, shownHash })
        report(target, job, 'edited', current.messageId)
        const sent = result.ok ? [current.messageId] : []
        return { delivery: { ...untouched, messageIds: sent }, jobs: [job], done, sends: sent.length }
      }
      if (isFailure(result, 'message_not_editable')) {
        // A refresh never sends a new message: the summary told the chat; the next change makes a new card.
        await commit(target, job, { jobId: job.id, messageId: null })
        done.push(job.id)
        report(target, job, 'skipped', null)
        continue
      }
      return { delivery: { result, messageIds: [], fallback: null }, jobs: [job], done, sends: 0 }
    }
    return { delivery: untouched, jobs: [], done, sends: 0 }
  }

  async function afterSummary(target: ChatTarget, jobs: readonly QueuedJob[]): Promise<void> {
    const refreshes: NewJob[] = []
    const now = options.now()
    for (const job of jobs) {
      const card = job.render?.card
      if (job.render === undefined || card === undefined || card.refresh) continue
      const record = await commit(target, job, { webhook: job.render.webhook, jobId: job.id })
      report(target, job, 'merged', record?.messageId ?? null)
      if (!editable(record, now)) continue
      const refreshJob: NewJob = {
        chatId: target.chatId,
        priority: 'low',
        message: job.message,
        summaryLine: job.summaryLine,
        render: { ...job.render, card: { ...card, loud: false, refresh: true } },
      }
      if (target.threadId !== undefined) refreshJob.threadId = target.threadId
      refreshes.push(refreshJob)
    }
    if (refreshes.length === 0) return
    try {
      await options.queue.enqueue({
        deliveryKey: `card-refresh:${target.chatId}:${jobs[0]!.id}`,
        dedupeTtlMs: 60 * 60 * 1000,
        jobs: refreshes,
        now,
      })
    } catch (error) {
      options.onError(
        `could not queue ${refreshes.length} card refresh(es) for chat ${target.chatId}: ${errorText(error)}`,
      )
    }
  }

  async function withButtons(
    target: ChatTarget,
    job: QueuedJob,
    messages: TelegramMessage[],
  ): Promise<TelegramMessage[]> {
    const last = messages.at(-1)
    const entity = job.render === undefined ? null : cardEntityOf(job.render.webhook)
    if (options.decorate === undefined || last === undefined || entity === null || job.render === undefined)
      return messages
    const record = applyCardChange(null, { webhook: job.render.webhook }, options.now())
    const card: CardRequest = { ...entity, loud: false }
    const decorated = await options.decorate({ target, card, record, messageId: 0, message: last })
    return [...messages.slice(0, -1), decorated]
  }

  return { deliver, refresh, afterSummary, withButtons }
}

/** The status a card shows: its last step's. */
function statusOf(record: CardRecord): number | null {
  return record.steps.at(-1)?.statusId ?? null
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
