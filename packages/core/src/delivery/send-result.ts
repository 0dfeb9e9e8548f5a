/**
 * What one send (or edit) attempt came to, as the worker and the live cards see it.
 *
 * @module
 */
import type { TelegramErrorKind, TelegramFailure, TelegramSuccess } from './types.ts'

/** Telegram's answer, or `paused`: the worker is waiting out a global 429 and did not call. */
export type SendResult = TelegramSuccess | TelegramFailure | 'paused'

/** A notification's messages as they went out. */
export interface Delivery {
  /** The last call's outcome (the first failure stops the rest). */
  result: SendResult
  /** The messages that went out, in order. */
  messageIds: number[]
  /** How the content finally went: `plain` after a parse error, `split` when it was too long. */
  fallback: 'plain' | 'split' | null
}

/** Whether `result` is a failure of `kind`. */
export function isFailure(result: SendResult, kind: TelegramErrorKind): boolean {
  return result !== 'paused' && !result.ok && result.kind === kind
}
