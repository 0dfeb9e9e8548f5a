/**
 * A {@link TelegramTransport} over the web `fetch` API: no framework, runs on Node, Deno, Bun and edge
 * runtimes.
 *
 * @module
 */
import { redactSecret } from '../auth/index.ts'
import type { ChatTarget, TelegramFailure, TelegramSuccess, TelegramTransport } from '../delivery/types.ts'
import { classifyTelegramFailure, type TelegramResponseParameters } from './classify.ts'
import { editMessageOptions, sendMessageOptions } from './send-options.ts'
import type { OutgoingMessage } from './types.ts'

/** Options of {@link createFetchTransport}. */
export interface FetchTransportOptions {
  /** The bot token. Never appears in anything the transport returns. */
  token: string
  /** Bot API root, without a trailing slash. Default `https://api.telegram.org`. */
  apiRoot?: string
  /** The `fetch` to use (tests, proxies). Default: the global `fetch`. */
  fetch?: typeof fetch
  /** How long one call may take, body included, in ms. Default 15000. */
  timeoutMs?: number
}

interface BotApiReply {
  ok?: boolean
  result?: unknown
  error_code?: number
  description?: string
  parameters?: TelegramResponseParameters
}

/**
 * Creates a transport that calls `POST {apiRoot}/bot{token}/sendMessage` (and `editMessageText`) with a
 * JSON body.
 *
 * It never throws: every outcome resolves, failures classified by {@link classifyTelegramFailure}
 * (an aborted call after `timeoutMs` is `timeout`, a `fetch` rejection is `network`).
 *
 * @example
 * ```ts
 * const transport = createFetchTransport({ token: env.BOT_TOKEN })
 * const result = await transport.sendMessage({ chatId: '-1001234' }, message)
 * ```
 */
export function createFetchTransport(options: FetchTransportOptions): TelegramTransport {
  const call = createBotApiCaller(options, 'createFetchTransport')
  const sent = (reply: BotApiResult): TelegramSuccess | TelegramFailure => {
    if (!reply.ok) return reply
    const messageId = (reply.result as { message_id?: unknown } | null)?.message_id
    return typeof messageId === 'number'
      ? { ok: true, messageId }
      : classifyTelegramFailure(502, 'the reply carries no message_id')
  }
  return {
    sendMessage: async (target, message) => sent(await call('sendMessage', sendMessageBody(target, message))),
    editMessageText: async (target, messageId, message) =>
      sent(
        await call('editMessageText', {
          chat_id: target.chatId,
          message_id: messageId,
          text: message.text,
          ...editMessageOptions(message),
        }),
      ),
  }
}

/** A Bot API call's outcome: its `result`, or the failure classified. */
export type BotApiResult = { ok: true; result: unknown } | TelegramFailure

/** Calls a Bot API method with a JSON body; never throws (see {@link createBotApiCaller}). */
export type BotApiCaller = (method: string, body: Record<string, unknown>) => Promise<BotApiResult>

/**
 * A caller of any Bot API method over `fetch`: `POST {apiRoot}/bot{token}/{method}` with a JSON body, the
 * reply's `result` on success, every failure classified by {@link classifyTelegramFailure} (a timeout is
 * `timeout`, a `fetch` rejection `network`), and the token never in a description.
 *
 * @param who Named in the error for a missing token.
 */
export function createBotApiCaller(options: FetchTransportOptions, who = 'createBotApiCaller'): BotApiCaller {
  const { token } = options
  if (typeof token !== 'string' || token.trim() === '') throw new TypeError(`${who}: token is required`)
  const apiRoot = (options.apiRoot ?? 'https://api.telegram.org').replace(/\/+$/, '')
  const fetchImpl = options.fetch ?? globalThis.fetch
  const timeoutMs = options.timeoutMs ?? 15_000
  const redact = (text: string) => redactSecret(text, token)

  return async (method, body) => {
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort(), timeoutMs)
    try {
      const response = await fetchImpl(`${apiRoot}/bot${token}/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: controller.signal,
      })
      const reply = await readReply(response)
      if (reply?.ok === true) return { ok: true, result: reply.result }
      const errorCode = reply?.error_code ?? (response.ok ? 502 : response.status)
      const description =
        reply?.description ?? `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`
      return classifyTelegramFailure(errorCode, redact(description), reply?.parameters)
    } catch (error) {
      if (controller.signal.aborted) {
        return { ok: false, kind: 'timeout', errorCode: null, description: `no reply within ${timeoutMs} ms` }
      }
      return { ok: false, kind: 'network', errorCode: null, description: redact(describeError(error)) }
    } finally {
      clearTimeout(timer)
    }
  }
}

/** The JSON body of `sendMessage` for a target and a message. */
function sendMessageBody(target: ChatTarget, message: OutgoingMessage): Record<string, unknown> {
  return { chat_id: target.chatId, text: message.text, ...sendMessageOptions(message, target.threadId) }
}

/** Parses the reply body; a proxy's HTML error page yields `null`, classified by the HTTP status. */
async function readReply(response: Response): Promise<BotApiReply | null> {
  const text = await response.text()
  try {
    const parsed: unknown = JSON.parse(text)
    return parsed !== null && typeof parsed === 'object' ? (parsed as BotApiReply) : null
  } catch {
    return null
  }
}

/** `fetch failed` alone says little; Node puts the reason (ECONNREFUSED...) in `cause`. */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : ''
  return `${error.name}: ${error.message}${cause}`
}
