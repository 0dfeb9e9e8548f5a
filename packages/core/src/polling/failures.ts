/**
 * What a failed Telegram call means to the poller: a headline an operator understands, and whether any retry
 * can cure it.
 *
 * @module
 */
import type { TelegramFailure } from '../delivery/types.ts'

/** A short, plain description of a failure's kind, for log lines and the status' `lastError`. */
export function failureHeadline(failure: TelegramFailure): string {
  switch (failure.kind) {
    case 'network':
      return 'the Telegram Bot API cannot be reached'
    case 'timeout':
      return 'the Telegram Bot API did not answer in time'
    case 'server_error':
      return `the Telegram Bot API answered ${failure.errorCode ?? 'a server error'}`
    case 'rate_limited':
      return 'Telegram answered 429 Too Many Requests'
    default:
      return `Telegram answered ${failure.errorCode ?? 'an error'} (${failure.kind})`
  }
}

/**
 * The reason a failure stops the poller for good, or `null` when retrying may cure it. Only a refused token
 * is permanent: 401, or the 404 Telegram answers for a malformed one. Neither changes while the process
 * runs with the same token, so retrying would only hammer the API.
 */
export function permanentFailure(failure: TelegramFailure): string | null {
  if (failure.kind !== 'unauthorized') return null
  return failure.errorCode === 404
    ? 'Telegram does not know this bot token (404 Not Found): it is malformed, or the API root is wrong'
    : 'Telegram refused the bot token (401)'
}
