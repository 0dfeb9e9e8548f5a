/**
 * A live card's state as the store keeps it, and the one pure function that changes it. Every writer (the
 * worker sending or editing a card, a summary merging history, a button press) describes its change as a
 * {@link CardChange} and applies it to whatever the store holds at that moment, so concurrent writers
 * merge instead of overwriting each other.
 *
 * @module
 */
import { toTimestamp } from '../../webhook/coerce.ts'
import type { CardRequest, ChatTarget, RenderRequest } from '../types.ts'

/** One step of a card's status history. */
export interface CardStep {
  statusId: number
  /** When the entity entered the status (its `status_changed_at`), epoch ms. */
  at: number
}

/** The state of one live card, kept in the store's key-values. Plain JSON. */
export interface CardRecord {
  /** The message that shows the card, or `null` while the card has none (its changes went out as a summary). */
  messageId: number | null
  /** When that message was sent, epoch ms (edits stop after the edit window). */
  sentAt: number | null
  /** Status steps, oldest first, by `at`; the last one is the current status. */
  steps: CardStep[]
  /** The newest webhook of the entity (by its `updated_at` / `status_changed_at`): what the card shows. */
  latest: RenderRequest['webhook']
  /** The time of `latest`, epoch ms: an older webhook never replaces it. */
  latestAt: number
  /** Hash of the message the card shows now, to skip edits that would change nothing. */
  shownHash: string | null
  /** Jobs applied to the card (newest last): a job retried after a crash is recognised and not applied twice. */
  appliedJobs: string[]
  /** The last change made from the chat (two-way actions): who and when, shown on the card. */
  changedBy?: { name: string; at: number }
}

/** A change to a card, applied with {@link applyCardChange}. */
export interface CardChange {
  /** A webhook of the entity: its status step joins the history; it becomes `latest` when newer. */
  webhook?: RenderRequest['webhook']
  /** The job making the change, remembered in `appliedJobs`. */
  jobId?: string
  /** The card's message now (`null`: it has none any more). */
  messageId?: number | null
  /** When that message was sent, epoch ms. */
  sentAt?: number
  /** Hash of what the message shows after this change. */
  shownHash?: string | null
  changedBy?: { name: string; at: number }
}

/** How many status steps a card remembers (it shows the last few). */
export const CARD_STEP_LIMIT = 20
/** How many applied job ids a card remembers: more than a chat claims in one round. */
export const CARD_APPLIED_JOB_LIMIT = 64

/** The key-value key of the card of `request` in `target` (chat and topic). */
export function cardKey(target: ChatTarget, request: Pick<CardRequest, 'entity' | 'id'>): string {
  return `card:${target.chatId}:${target.threadId ?? ''}:${request.entity}:${request.id}`
}

/** The order or lead a webhook is about, as a card names it; `null` for events that have no card. */
export function cardEntityOf(webhook: RenderRequest['webhook']): Pick<CardRequest, 'entity' | 'id'> | null {
  const id = positiveInteger(webhook.context.id)
  if (id === null) return null
  if (webhook.event === 'order.change_order_status' || webhook.event === 'order.change_payment_status')
    return { entity: 'order', id }
  if (webhook.event === 'lead.change_lead_status') return { entity: 'lead', id }
  return null
}

/** Applies `change` to `record` (`null`: the card is new), at `now` (epoch ms). Pure. */
export function applyCardChange(record: CardRecord | null, change: CardChange, now: number): CardRecord {
  const webhook = change.webhook ?? record?.latest
  if (webhook === undefined) throw new Error('applyCardChange: a new card needs a webhook')
  const next: CardRecord = record === null ? newRecord(webhook) : { ...record, steps: [...record.steps] }
  if (change.webhook !== undefined) mergeWebhook(next, change.webhook, now)
  if (change.jobId !== undefined && !next.appliedJobs.includes(change.jobId))
    next.appliedJobs = [...next.appliedJobs, change.jobId].slice(-CARD_APPLIED_JOB_LIMIT)
  if (change.messageId !== undefined) next.messageId = change.messageId
  if (change.sentAt !== undefined) next.sentAt = change.sentAt
  if (change.shownHash !== undefined) next.shownHash = change.shownHash
  if (change.changedBy !== undefined) next.changedBy = change.changedBy
  return next
}

function newRecord(webhook: RenderRequest['webhook']): CardRecord {
  return {
    messageId: null,
    sentAt: null,
    steps: [],
    latest: webhook,
    latestAt: Number.NEGATIVE_INFINITY,
    shownHash: null,
    appliedJobs: [],
  }
}

function mergeWebhook(record: CardRecord, webhook: RenderRequest['webhook'], now: number): void {
  const statusId = positiveInteger(webhook.context.status_id)
  const changedAt = timeOf(webhook.context.status_changed_at) ?? timeOf(webhook.context.updated_at) ?? now
  if (statusId !== null) {
    record.steps.push({ statusId, at: changedAt })
    // Stable: steps at the same time keep the order they arrived in. A step into the status the entity was
    // already in (a repeated or re-triggered webhook) is no step: the earliest of such a run stays.
    record.steps.sort((a, b) => a.at - b.at)
    record.steps = record.steps
      .filter((step, index, steps) => index === 0 || steps[index - 1]!.statusId !== step.statusId)
      .slice(-CARD_STEP_LIMIT)
  }
  // KeyCRM may deliver an older change after a newer one: the card never rolls back to it.
  const at = Math.max(timeOf(webhook.context.updated_at) ?? changedAt, changedAt)
  if (at >= record.latestAt) {
    record.latest = webhook
    record.latestAt = at
  }
}

function positiveInteger(value: unknown): number | null {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value
  return typeof number === 'number' && Number.isInteger(number) && number > 0 ? number : null
}

/** Epoch ms of a KeyCRM timestamp in either of its formats, or `null`. */
function timeOf(value: unknown): number | null {
  const iso = toTimestamp(value)
  return typeof iso === 'string' ? Date.parse(iso) : null
}
