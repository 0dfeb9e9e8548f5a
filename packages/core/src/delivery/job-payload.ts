/**
 * How a store keeps a job's content in one text field: the message as JSON, or, for a job rendered at
 * send time or one with a summary item, an envelope with its render request and summary item. One codec
 * for every store, so the SQLite, Redis and PostgreSQL schemas (a `message` JSON column or hash field)
 * hold every kind unchanged.
 *
 * @module
 */
import type { SummaryItem } from '../format/summary.ts'
import type { TelegramMessage } from '../telegram/types.ts'
import type { NewJob, RenderRequest } from './types.ts'

// A Telegram message never has these keys, so an envelope cannot be mistaken for a message or vice versa.
const RENDER_KEY = 'keygram_render'
const SUMMARY_KEY = 'keygram_summary'

/** What a store keeps of a job's content. */
export type JobPayload = Pick<NewJob, 'message' | 'render' | 'summary'>

/** The job content as a store keeps it (decode with {@link decodeJobPayload}). */
export function encodeJobPayload(job: JobPayload): string {
  if (job.render === undefined && job.summary === undefined) return JSON.stringify(job.message)
  const envelope: Record<string, unknown> = { message: job.message }
  if (job.render !== undefined) envelope[RENDER_KEY] = job.render
  if (job.summary !== undefined) envelope[SUMMARY_KEY] = job.summary
  return JSON.stringify(envelope)
}

/**
 * The job content from {@link encodeJobPayload}'s text: the message, and the render request and summary
 * item if the job has them. A plain message JSON (as every store wrote before envelopes existed) decodes
 * unchanged.
 */
export function decodeJobPayload(text: string): JobPayload {
  const parsed = JSON.parse(text) as Record<string, unknown>
  const isEnvelope =
    parsed !== null &&
    typeof parsed === 'object' &&
    (Object.hasOwn(parsed, RENDER_KEY) || Object.hasOwn(parsed, SUMMARY_KEY))
  if (!isEnvelope) return { message: parsed as unknown as TelegramMessage }
  const payload: JobPayload = { message: parsed.message as TelegramMessage }
  if (parsed[RENDER_KEY] !== undefined) payload.render = parsed[RENDER_KEY] as RenderRequest
  if (parsed[SUMMARY_KEY] !== undefined) payload.summary = parsed[SUMMARY_KEY] as SummaryItem
  return payload
}
