/**
 * A bare Bot API call for the CLI's checks: one request, a deadline, the reply as Telegram sent it, and
 * never the token in what comes back.
 *
 * @module
 */
import { redactSecret } from '@keygram/core'

/** A Bot API reply (or a stand-in for one that never came). */
export interface BotApiReply {
  ok: boolean
  result?: unknown
  error_code?: number
  description?: string
}

/** Calls `method`; `timeoutMs` overrides the caller's default deadline. */
export type BotApiCall = (
  method: string,
  params?: Record<string, unknown>,
  timeoutMs?: number,
) => Promise<BotApiReply>

/** A {@link BotApiCall} for one token. Network failures resolve as `{ ok: false }` with the cause. */
export function botApiCaller(
  apiRoot: string,
  token: string,
  fetchImpl: typeof fetch = fetch,
  defaultTimeoutMs = 10_000,
): BotApiCall {
  return async (method, params = {}, timeoutMs = defaultTimeoutMs) => {
    try {
      const response = await fetchImpl(`${apiRoot}/bot${token}/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(params),
        signal: AbortSignal.timeout(timeoutMs),
      })
      const reply = (await response.json().catch(() => null)) as BotApiReply | null
      if (reply !== null && typeof reply.ok === 'boolean') {
        return reply.description === undefined
          ? reply
          : { ...reply, description: redactSecret(reply.description, token) }
      }
      return { ok: false, error_code: response.status, description: `HTTP ${response.status}` }
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code
      const text = error instanceof Error && error.name === 'TimeoutError' ? 'no answer in time' : cause
      return { ok: false, description: redactSecret(text ?? String(error), token) }
    }
  }
}

/** `401 Unauthorized`, or the cause when no reply came. */
export function describeReply(reply: BotApiReply): string {
  return `${reply.error_code === undefined ? '' : `${reply.error_code} `}${reply.description ?? 'no answer'}`
}
