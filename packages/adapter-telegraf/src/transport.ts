/**
 * A {@link TelegramTransport} over Telegraf's `Telegram` client, so a Telegraf bot sends Keygram
 * notifications through its own client.
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
import type { Telegram } from 'telegraf'

interface TelegramErrorShape {
  response: { error_code: number; description: string; parameters?: TelegramResponseParameters }
}

// Duck-typed rather than `instanceof`: an app may load another copy of Telegraf than this package does.
function isTelegramError(error: unknown): error is Error & TelegramErrorShape {
  if (!(error instanceof Error) || !('response' in error)) return false
  const response = (error as { response?: unknown }).response
  return (
    typeof response === 'object' &&
    response !== null &&
    typeof (response as { error_code?: unknown }).error_code === 'number'
  )
}

function messageOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
}

/**
 * Classifies anything a Telegraf API call rejects with: `TelegramError` (an error reply; Telegraf also turns
 * any HTTP 5xx into one, with the status text as description) by code, description and parameters; fetch
 * errors as `timeout` or `network`. Descriptions never contain `token`.
 */
export function classifyTelegrafError(error: unknown, token: string): TelegramFailure {
  const redact = (text: string) => redactSecret(text, token)
  if (isTelegramError(error)) {
    const { error_code, description, parameters } = error.response
    return classifyTelegramFailure(error_code, redact(String(description ?? '')), parameters)
  }
  const type = (error as { type?: unknown } | null)?.type
  return noReplyFailure(redact(messageOf(error)), type === 'request-timeout')
}

/**
 * Creates a transport that sends with `telegram.sendMessage` (`bot.telegram`). It never throws: failures
 * resolve as {@link TelegramFailure}s, classified like every other Keygram transport.
 *
 * @example
 * ```ts
 * const transport = createTelegrafTransport(bot.telegram)
 * ```
 */
export function createTelegrafTransport(telegram: Telegram): TelegramTransport {
  return createClientTransport(
    (chatId, text, options) => telegram.sendMessage(chatId, text, options),
    (error) => classifyTelegrafError(error, telegram.token),
    (chatId, messageId, text, options) =>
      telegram.editMessageText(chatId, messageId, undefined, text, options),
  )
}
