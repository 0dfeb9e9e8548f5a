/**
 * Turns a Bot API error reply into a {@link TelegramFailure} the retry policy understands. Shared by the
 * fetch transport and the Telegraf / grammY adapters, so all three classify the same reply the same way.
 *
 * @module
 */
import type { TelegramErrorKind, TelegramFailure } from '../delivery/types.ts'

/** The `parameters` object of a Bot API error reply (`ResponseParameters`). */
export interface TelegramResponseParameters {
  /** Seconds to wait before the next request (429). */
  retry_after?: number
  /** The supergroup a group was upgraded to (400). */
  migrate_to_chat_id?: number | string
}

// Telegram's descriptions are stable English sentences prefixed by "Bad Request: " and the like; match
// the distinctive part only, case-insensitively, so a changed prefix does not break classification.
const badRequestKinds: readonly [RegExp, TelegramErrorKind][] = [
  [/message is not modified/i, 'not_modified'],
  [/message to edit not found|message can't be edited|message_id_invalid/i, 'message_not_editable'],
  [/message thread not found/i, 'thread_not_found'],
  [/chat not found/i, 'chat_not_found'],
  [/can't parse entities|can not parse entities|cannot parse entities/i, 'parse_entities'],
  [/message is too long|text is too long/i, 'message_too_long'],
]

/**
 * Classifies a failed Bot API call.
 *
 * @param errorCode HTTP status or `error_code` of the reply; `null` when no reply came.
 * @param description The reply's `description` (already free of secrets).
 * @param parameters The reply's `parameters`, if any.
 * @returns A failure with its {@link TelegramErrorKind}; `retryAfter` is set for 429 and
 *   `migrateToChatId` for a group upgraded to a supergroup.
 */
export function classifyTelegramFailure(
  errorCode: number | null,
  description: string,
  parameters?: TelegramResponseParameters | null,
): TelegramFailure {
  const failure = (kind: TelegramErrorKind): TelegramFailure => ({ ok: false, kind, errorCode, description })
  const migrateTo = parameters?.migrate_to_chat_id
  if (migrateTo !== undefined && migrateTo !== null && String(migrateTo) !== '') {
    return { ...failure('migrated'), migrateToChatId: String(migrateTo) }
  }
  if (errorCode === 429) {
    const retryAfter = parameters?.retry_after
    return typeof retryAfter === 'number' && Number.isFinite(retryAfter) && retryAfter >= 0
      ? { ...failure('rate_limited'), retryAfter }
      : failure('rate_limited')
  }
  if (errorCode === null) return failure('network')
  if (errorCode === 403) return failure('forbidden')
  // 404 "Not Found" is what Telegram answers when the token in the URL is malformed: a configuration
  // problem like 401, not a property of the message.
  if (errorCode === 401 || errorCode === 404) return failure('unauthorized')
  if (errorCode === 409) return failure('conflict')
  if (errorCode >= 500) return failure('server_error')
  if (errorCode === 400) {
    for (const [pattern, kind] of badRequestKinds) if (pattern.test(description)) return failure(kind)
    return failure('bad_request')
  }
  // Any other status (Telegram sends none today): a 4xx says "this request is wrong", anything else is
  // treated as a transient fault of the path to Telegram.
  return failure(errorCode >= 400 && errorCode < 500 ? 'bad_request' : 'server_error')
}

/** Failure kinds that a later attempt may cure (back off and retry). */
export const transientTelegramErrorKinds: ReadonlySet<TelegramErrorKind> = new Set<TelegramErrorKind>([
  'server_error',
  'network',
  'timeout',
  'unauthorized',
  'conflict',
])
