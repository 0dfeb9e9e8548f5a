/**
 * How a store keeps a job's content in one text field: the message as JSON, or, for a job rendered at
 * send time, an envelope with its render request. One codec for every store, so the SQLite and Redis
 * schemas (a `message` JSON column or hash field) hold both kinds unchanged.
 *
 * @module
 */
import type { TelegramMessage } from '../telegram/types.ts'
import type { NewJob, RenderRequest } from './types.ts'

// A Telegram message never has this key, so an envelope cannot be mistaken for a message or vice versa.
const RENDER_KEY = 'keygram_render'

/** The job content as a store keeps it (decode with {@link decodeJobPayload}). */
export function encodeJobPayload(job: Pick<NewJob, 'message' | 'render'>): string {
  if (job.render === undefined) return JSON.stringify(job.message)
  return JSON.stringify({ [RENDER_KEY]: job.render, message: job.message })
}

/**
 * The job content from {@link encodeJobPayload}'s text: the message, and the render request if the job has
 * one. A plain message JSON (as every store wrote before render requests existed) decodes unchanged.
 */
export function decodeJobPayload(text: string): { message: TelegramMessage; render?: RenderRequest } {
  const parsed = JSON.parse(text) as Record<string, unknown>
  if (parsed === null || typeof parsed !== 'object' || !Object.hasOwn(parsed, RENDER_KEY)) {
    return { message: parsed as unknown as TelegramMessage }
  }
  return { message: parsed.message as TelegramMessage, render: parsed[RENDER_KEY] as RenderRequest }
}
