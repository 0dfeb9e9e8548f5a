import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { REDACTED } from '../../src/auth/index.ts'
import { createFetchTransport } from '../../src/telegram/fetch-transport.ts'

const TOKEN = '123456:SECRET-token_value'

interface Recorded {
  url: string
  body: Record<string, unknown>
}

type Reply = (res: ServerResponse) => void

const json =
  (status: number, body: unknown): Reply =>
  (res) => {
    res.writeHead(status, { 'content-type': 'application/json' })
    res.end(JSON.stringify(body))
  }

let server: Server
let apiRoot: string
let recorded: Recorded[]
let replies: Reply[]

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = ''
  for await (const chunk of req) text += chunk
  return JSON.parse(text) as Record<string, unknown>
}

beforeEach(async () => {
  recorded = []
  replies = []
  server = createServer(async (req, res) => {
    recorded.push({ url: req.url ?? '', body: await readJson(req) })
    const reply = replies.shift() ?? json(200, { ok: true, result: { message_id: 1 } })
    reply(res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  apiRoot = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterEach(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

describe('createFetchTransport', () => {
  it('POSTs sendMessage with the chat, topic and message fields', async () => {
    replies.push(json(200, { ok: true, result: { message_id: 42 } }))
    const transport = createFetchTransport({ token: TOKEN, apiRoot })
    const result = await transport.sendMessage(
      { chatId: '-1001', threadId: 7 },
      {
        text: '<b>hi</b>',
        parse_mode: 'HTML',
        link_preview_options: { is_disabled: true },
        disable_notification: true,
        reply_markup: {
          inline_keyboard: [[{ text: 'Open', url: 'https://x.keycrm.app/app/orders/view/1' }]],
        },
      },
    )
    expect(result).toEqual({ ok: true, messageId: 42 })
    expect(recorded[0]?.url).toBe(`/bot${TOKEN}/sendMessage`)
    expect(recorded[0]?.body).toEqual({
      chat_id: '-1001',
      message_thread_id: 7,
      text: '<b>hi</b>',
      parse_mode: 'HTML',
      link_preview_options: { is_disabled: true },
      disable_notification: true,
      reply_markup: { inline_keyboard: [[{ text: 'Open', url: 'https://x.keycrm.app/app/orders/view/1' }]] },
    })
  })

  it('sends plain text without parse_mode', async () => {
    const transport = createFetchTransport({ token: TOKEN, apiRoot })
    await transport.sendMessage({ chatId: '5' }, { text: 'a < b', link_preview_options: {} })
    expect(recorded[0]?.body).not.toHaveProperty('parse_mode')
    expect(recorded[0]?.body).not.toHaveProperty('message_thread_id')
  })

  it('classifies Bot API errors with their parameters', async () => {
    replies.push(
      json(429, {
        ok: false,
        error_code: 429,
        description: 'Too Many Requests: retry after 3',
        parameters: { retry_after: 3 },
      }),
      json(400, {
        ok: false,
        error_code: 400,
        description: 'Bad Request: group chat was upgraded to a supergroup chat',
        parameters: { migrate_to_chat_id: -100777 },
      }),
      json(403, { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' }),
    )
    const transport = createFetchTransport({ token: TOKEN, apiRoot })
    const message = { text: 'x', parse_mode: 'HTML' as const, link_preview_options: {} }
    expect(await transport.sendMessage({ chatId: '1' }, message)).toMatchObject({
      kind: 'rate_limited',
      retryAfter: 3,
      errorCode: 429,
    })
    expect(await transport.sendMessage({ chatId: '-1' }, message)).toMatchObject({
      kind: 'migrated',
      migrateToChatId: '-100777',
    })
    expect(await transport.sendMessage({ chatId: '1' }, message)).toMatchObject({ kind: 'forbidden' })
  })

  it('classifies a non-JSON 502 from a proxy by its status', async () => {
    replies.push((res) => {
      res.writeHead(502, 'Bad Gateway', { 'content-type': 'text/html' })
      res.end('<html>bad gateway</html>')
    })
    const transport = createFetchTransport({ token: TOKEN, apiRoot })
    const result = await transport.sendMessage({ chatId: '1' }, { text: 'x', link_preview_options: {} })
    expect(result).toMatchObject({ ok: false, kind: 'server_error', errorCode: 502 })
  })

  it('times out a call that gets no reply, without throwing', async () => {
    replies.push(() => {
      // never answer
    })
    const transport = createFetchTransport({ token: TOKEN, apiRoot, timeoutMs: 100 })
    const started = Date.now()
    const result = await transport.sendMessage({ chatId: '1' }, { text: 'x', link_preview_options: {} })
    expect(result).toMatchObject({ ok: false, kind: 'timeout', errorCode: null })
    expect(Date.now() - started).toBeLessThan(2000)
  })

  it('reports a refused connection as network and never leaks the token', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise((resolve) => closed.close(resolve))
    // A fetch whose error quotes the URL (as some runtimes do) must still not show the token.
    const leakyFetch: typeof fetch = async (input) => {
      try {
        return await fetch(input)
      } catch (error) {
        throw new TypeError(`request to ${String(input)} failed`, { cause: error })
      }
    }
    const transport = createFetchTransport({
      token: TOKEN,
      apiRoot: `http://127.0.0.1:${port}`,
      fetch: leakyFetch,
    })
    const result = await transport.sendMessage({ chatId: '1' }, { text: 'x', link_preview_options: {} })
    expect(result).toMatchObject({ ok: false, kind: 'network', errorCode: null })
    expect(JSON.stringify(result)).not.toContain(TOKEN)
    expect(JSON.stringify(result)).toContain(REDACTED)
  })

  it('redacts the token from a description that echoes it', async () => {
    replies.push(
      json(400, { ok: false, error_code: 400, description: `Bad Request: weird bot${TOKEN} echo` }),
    )
    const transport = createFetchTransport({ token: TOKEN, apiRoot })
    const result = await transport.sendMessage({ chatId: '1' }, { text: 'x', link_preview_options: {} })
    expect(JSON.stringify(result)).not.toContain(TOKEN)
  })

  it('refuses to be created without a token', () => {
    expect(() => createFetchTransport({ token: '' })).toThrow(/token is required/)
  })
})
