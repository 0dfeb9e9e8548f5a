/**
 * Jobs for the suites and the throughput helper (internal: not exported from the package).
 *
 * @module
 */
import type { NewJob } from '@keygram/core'

/** A job for `chatId` whose text names it, so order can be read back. */
export function job(chatId: string, text: string): NewJob {
  return {
    chatId,
    message: { text, parse_mode: 'HTML', link_preview_options: { is_disabled: true } },
    summaryLine: text,
  }
}
