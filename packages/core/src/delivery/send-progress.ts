/**
 * Progress of a notification that goes out as several messages (a split long message, a rendered
 * notification of several parts): each part that went out is recorded before the next is sent, so a
 * crash or a failure halfway resends only the part that was in flight, never the ones before it.
 *
 * @module
 */
import type { KeyValueStore } from './types.ts'

/** How long a job's progress is kept: longer than any retry of the job takes. */
export const SEND_PROGRESS_TTL_MS = 7 * 86_400_000

/** The parts of one job that Telegram already took. */
export interface SendProgress {
  /** The message id of a part with this text that already went out, or `undefined`. */
  sentAs(text: string): number | undefined
  /** Records that the part with this text went out as `messageId`. Never rejects. */
  record(text: string, messageId: number): Promise<void>
}

/** The key-value key of a job's progress. */
export function sendProgressKey(jobId: string): string {
  return `send-progress:${jobId}`
}

/**
 * Loads a job's progress. A record that cannot be read or written costs at most a repeated part, so
 * failures are reported through `onError` and otherwise ignored.
 */
export async function loadSendProgress(
  kv: Pick<KeyValueStore, 'get' | 'set'>,
  jobId: string,
  onError: (error: unknown) => void,
): Promise<SendProgress> {
  const key = sendProgressKey(jobId)
  let parts: Record<string, number> = {}
  try {
    const stored = await kv.get<Record<string, number>>(key)
    if (stored !== null && typeof stored === 'object') parts = { ...stored }
  } catch (error) {
    onError(error)
  }
  return {
    sentAs: (text) => parts[digest(text)],
    async record(text, messageId) {
      parts[digest(text)] = messageId
      try {
        await kv.set(key, parts, { ttlMs: SEND_PROGRESS_TTL_MS })
      } catch (error) {
        onError(error)
      }
    },
  }
}

// FNV-1a over the UTF-16 code units, with the length: a short, stable name for a part's text.
function digest(text: string): string {
  let hash = 0x811c9dc5
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index)
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return `${text.length}:${hash.toString(36)}`
}
