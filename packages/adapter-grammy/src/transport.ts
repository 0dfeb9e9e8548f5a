/**
 * A {@link TelegramTransport} over grammY's `Api`, so a grammY bot sends Keygram notifications through its
 * own client (and its transformers, e.g. a throttler).
 *
 * @module
 */
import {
  classifyTelegramFailure,
  createClientTransport,
  noReplyFailure,
  redactSecret,
  type TelegramFailure,
  type TelegramResponseParameters,
  type TelegramTransport,
} from '@keygram/core'
import type { Api } from 'grammy'

interface GrammyErrorShape {
  name: 'GrammyError'
  error_code: number
  description: string
  parameters?: TelegramResponseParameters
}

interface HttpErrorShape {
  name: 'HttpError'
  message: string
  error: unknown
}

// Duck-typed rather than `instanceof`: an app may load another copy of grammY than this package does.
function isGrammyError(error: unknown): error is GrammyErrorShape {
  return (
    error instanceof Error &&
    error.name === 'GrammyError' &&
    typeof (error as Partial<GrammyErrorShape>).error_code === 'number'
  )
}

function isHttpError(error: unknown): error is HttpErrorShape {
  return error instanceof Error && error.name === 'HttpError' && 'error' in error
}

function messageOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
}

/**
 * Classifies anything a grammY API call rejects with: `GrammyError` (a Bot API error reply) by its code,
 * description and parameters; `HttpError` (no reply: network failure, timeout, unparsable body) as `timeout`
 * or `network`. Descriptions never contain `token`.
 */
export function classifyGrammyError(error: unknown, token: string): TelegramFailure {
  const redact = (text: string) => redactSecret(text, token)
  if (isGrammyError(error)) {
    return classifyTelegramFailure(error.error_code, redact(error.description), error.parameters)
  }
  if (isHttpError(error)) {
    const inner = error.error
    return noReplyFailure(
      redact(inner === undefined ? error.message : `${error.message} ${messageOf(inner)}`),
    )
  }
  return { ok: false, kind: 'network', errorCode: null, description: redact(messageOf(error)) }
}

/**
 * Creates a transport that sends with `api.sendMessage` (`bot.api`). It never throws: failures resolve as
 * {@link TelegramFailure}s, classified like every other Keygram transport (429 `rate_limited` with
 * `retryAfter`, group upgrades `migrated` with `migrateToChatId`, 403 `forbidden`...).
 *
 * @example
 * ```ts
 * const transport = createGrammyTransport(bot.api)
 * ```
 */
export function createGrammyTransport(api: Api): TelegramTransport {
  return createClientTransport(
    (chatId, text, options) => api.sendMessage(chatId, text, options),
    (error) => classifyGrammyError(error, api.token),
    (chatId, messageId, text, options) => api.editMessageText(chatId, messageId, text, options),
  )
}
