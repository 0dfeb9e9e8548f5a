/**
 * A tiny scripted Bot API on a real `node:http` server (127.0.0.1, port 0) for the delivery tests:
 * it records every `sendMessage` and answers what the test's script says (default: success).
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** One `sendMessage` call as the server saw it. */
export interface SendCall {
  chatId: string
  threadId: number | undefined
  text: string
  parseMode: string | undefined
  disableNotification: boolean | undefined
  /** Epoch ms the request arrived. */
  at: number
  /** Whether it was answered with success (the message "reached" the chat). */
  delivered: boolean
}

/**
 * A scripted answer: a status and JSON body (no body: success), `drop` (destroy the socket) or `hang`
 * (never answer).
 */
export type ScriptedReply = { status: number; body: unknown; delayMs?: number } | 'drop' | 'hang'

/** Decides the answer to a call; `undefined` means success. */
export type Script = (call: SendCall, index: number) => ScriptedReply | undefined

/** Bot API error reply helper. */
export function apiError(
  status: number,
  description: string,
  parameters?: Record<string, unknown>,
): { status: number; body: unknown } {
  return {
    status,
    body: { ok: false, error_code: status, description, ...(parameters ? { parameters } : {}) },
  }
}

/** The running server. */
export interface ScriptedBotApi {
  apiRoot: string
  token: string
  calls: SendCall[]
  /** Successful calls only, in arrival order. */
  delivered(): SendCall[]
  script: Script
  close(): Promise<void>
}

/** Starts the server with `script` (replaceable later through `api.script`). */
export async function startScriptedBotApi(script: Script = () => undefined): Promise<ScriptedBotApi> {
  const token = '123456789:AAtest-token-for-scripted-bot-api_xx'
  let messageId = 0
  const api: ScriptedBotApi = {
    apiRoot: '',
    token,
    calls: [],
    delivered: () => api.calls.filter((call) => call.delivered),
    script,
    close: async () => {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
  const server: Server = createServer(async (req, res) => {
    let raw = ''
    for await (const chunk of req) raw += chunk
    if (req.url !== `/bot${token}/sendMessage`) {
      res.writeHead(404, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ ok: false, error_code: 404, description: 'Not Found' }))
      return
    }
    const body = JSON.parse(raw) as Record<string, unknown>
    const call: SendCall = {
      chatId: String(body.chat_id),
      threadId: body.message_thread_id as number | undefined,
      text: String(body.text),
      parseMode: body.parse_mode as string | undefined,
      disableNotification: body.disable_notification as boolean | undefined,
      at: Date.now(),
      delivered: false,
    }
    const index = api.calls.push(call) - 1
    const reply = api.script(call, index)
    if (reply === 'drop') {
      req.socket.destroy()
      return
    }
    if (reply === 'hang') return
    if (reply?.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs))
    // A reply without a body is a success (possibly delayed).
    if (reply === undefined || reply.body === undefined) call.delivered = true
    res.writeHead(reply?.status ?? 200, { 'content-type': 'application/json' })
    res.end(
      JSON.stringify(
        reply?.body ?? {
          ok: true,
          result: { message_id: ++messageId, chat: { id: Number(call.chatId) }, date: 0, text: call.text },
        },
      ),
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  api.apiRoot = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return api
}

/** Polls `predicate` every 5 ms until it holds, or fails after `timeoutMs`. */
export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}
