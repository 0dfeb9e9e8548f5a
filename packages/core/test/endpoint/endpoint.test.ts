/**
 * The ready-made KeyCRM endpoint: the web-standard handler, and the same on a real `node:http` server and a
 * real Express 5 app through `toNodeListener`.
 */
import { createServer, type RequestListener, request, type Server } from 'node:http'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createNotifier } from '../../src/delivery/notifier.ts'
import { createKeycrmWebhookHandler, toNodeListener } from '../../src/endpoint/index.ts'
import { memoryStore } from '../../src/stores/index.ts'

const SECRET = 'endpoint-test-secret-0123456789'
const ORDER = JSON.stringify({
  event: 'order.change_order_status',
  context: { id: 23196, status_id: 4, status_changed_at: '2026-01-29T18:53:35.000000Z' },
})

function setup(options: { failing?: boolean } = {}) {
  const store = memoryStore()
  const enqueue = store.queue.enqueue.bind(store.queue)
  store.queue.enqueue = (input) => (options.failing ? Promise.reject(new Error('disk full')) : enqueue(input))
  const notifier = createNotifier({ store, routes: [{ chatId: '-1001234567890' }] })
  return createKeycrmWebhookHandler({ notifier, secret: SECRET, maxBytes: 4096 })
}

const post = (path: string, body: BodyInit | null, headers: Record<string, string> = {}) =>
  new Request(`http://localhost${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  })

async function answer(response: Response): Promise<[number, unknown]> {
  return [response.status, await response.json()]
}

describe('createKeycrmWebhookHandler', () => {
  it('answers 200 once the event is queued (KeyCRM expects a 200), and 200 duplicate to a retry', async () => {
    const handler = setup()
    const first = await answer(await handler(post(`/webhooks/keycrm/${SECRET}`, ORDER)))
    expect(first).toEqual([200, { status: 'queued', deliveryKey: expect.stringContaining('23196') }])
    const retry = await answer(await handler(post(`/webhooks/keycrm/${SECRET}`, ORDER)))
    expect(retry).toEqual([
      200,
      { status: 'duplicate', deliveryKey: (first[1] as { deliveryKey: string }).deliveryKey },
    ])
  })

  it('refuses as the server does: 401, 404, 405, 415, 413, 400; 503 when the store fails', async () => {
    const handler = setup()
    const refusal = async (request: Request) => {
      const response = await handler(request)
      return [response.status, ((await response.json()) as { error: string }).error]
    }
    expect(await refusal(post('/webhooks/keycrm/', ORDER))).toEqual([401, 'missing_secret'])
    expect(await refusal(post('/webhooks/keycrm/wrong-secret', ORDER))).toEqual([404, 'wrong_secret'])
    expect(await refusal(new Request(`http://localhost/webhooks/keycrm/${SECRET}`))).toEqual([
      405,
      'method_not_allowed',
    ])
    expect(await refusal(post(`/webhooks/keycrm/${SECRET}`, ORDER, { 'content-type': 'text/html' }))).toEqual(
      [415, 'unsupported_media_type'],
    )
    expect(await refusal(post(`/webhooks/keycrm/${SECRET}`, 'x'.repeat(5000)))).toEqual([
      413,
      'payload_too_large',
    ])
    expect(await refusal(post(`/webhooks/keycrm/${SECRET}`, '{"event":'))).toEqual([400, 'invalid_json'])
    expect(await refusal(post(`/webhooks/keycrm/?secret=${SECRET}`, ORDER))).toEqual([200, undefined])

    const down = setup({ failing: true })
    const response = await down(post(`/webhooks/keycrm/${SECRET}`, ORDER))
    expect(await answer(response)).toEqual([503, expect.objectContaining({ error: 'store_unavailable' })])
  })
})

// Express ships no types; the tests use this much of it.
interface ExpressApp extends RequestListener {
  use(...handlers: unknown[]): void
  post(path: string, ...handlers: unknown[]): void
}
interface Express {
  (): ExpressApp
  json(): unknown
  Router(): { post(path: string, ...handlers: unknown[]): void }
}
const express = createRequire(import.meta.url)('express') as Express

describe('toNodeListener', () => {
  const servers: Server[] = []
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))))
  })

  async function serve(listener: RequestListener): Promise<string> {
    const server = createServer(listener)
    servers.push(server)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  }

  const send = async (url: string, body: BodyInit | null, method = 'POST') => {
    const response = await fetch(url, { method, headers: { 'content-type': 'application/json' }, body })
    return { status: response.status, json: (await response.json()) as Record<string, unknown> }
  }

  it('serves the handler on node:http: queued, a retry, GET, and an oversized body the client sees refused', async () => {
    const base = await serve(toNodeListener(setup()))
    const url = `${base}/webhooks/keycrm/${SECRET}`
    expect(await send(url, ORDER)).toMatchObject({ status: 200, json: { status: 'queued' } })
    expect(await send(url, ORDER)).toMatchObject({ status: 200, json: { status: 'duplicate' } })
    expect(await send(url, null, 'GET')).toMatchObject({ status: 405, json: { error: 'method_not_allowed' } })
    // 1 MiB chunked, with no length: refused at 4 KiB, the connection closed after the answer.
    expect(await postChunked(url, 1024 * 1024)).toEqual({ status: 413, connection: 'close' })
  })

  it('answers a refused body only once the rest has arrived, so the client is not reset while sending', async () => {
    let releaseRest: () => void = () => {}
    const restSent = new Promise<void>((resolve) => {
      releaseRest = resolve
    })
    let bodyEnded = false
    async function* body() {
      yield new Uint8Array(16 * 1024).fill(0x61) // over the 4 KiB limit at once
      await restSent
      yield new Uint8Array(16 * 1024).fill(0x61)
      bodyEnded = true
    }
    const written: { status: number; headers: Record<string, string>; bodyEnded: boolean }[] = []
    const answered = new Promise<void>((resolve) => {
      toNodeListener(setup())(
        {
          method: 'POST',
          url: `/webhooks/keycrm/${SECRET}`,
          headers: { 'content-type': 'application/json' },
          [Symbol.asyncIterator]: () => body(),
        },
        {
          writeHead: (status, headers) => written.push({ status, headers, bodyEnded }),
          end: () => resolve(),
        },
      )
    })
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(written).toEqual([]) // refused, but still reading the rest into nothing
    releaseRest()
    await answered
    expect(written).toEqual([
      { status: 413, headers: expect.objectContaining({ connection: 'close' }), bodyEnded: true },
    ])
  })

  it('mounts on Express 5, with or without express.json() in front, under a router too', async () => {
    const plain = express()
    plain.post('/webhooks/keycrm/:secret', toNodeListener(setup()))
    const parsed = express()
    parsed.use(express.json())
    parsed.post('/webhooks/keycrm/:secret', toNodeListener(setup()))
    const routed = express()
    const router = express.Router()
    router.post('/keycrm/:secret', toNodeListener(setup()))
    routed.use('/webhooks', router)

    for (const app of [plain, parsed, routed]) {
      const url = `${await serve(app)}/webhooks/keycrm/${SECRET}`
      expect(await send(url, ORDER)).toMatchObject({ status: 200, json: { status: 'queued' } })
      expect(await send(url, ORDER)).toMatchObject({ status: 200, json: { status: 'duplicate' } })
      expect(await send(url.replace(SECRET, 'wrong'), ORDER)).toMatchObject({ status: 404 })
    }
  })
})

/** POSTs `totalBytes` in 16 KiB chunks with no declared length; resolves the answer's status and `connection`. */
function postChunked(
  url: string,
  totalBytes: number,
): Promise<{ status: number; connection: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }))
    })
    req.on('error', reject)
    const chunk = Buffer.alloc(16 * 1024, 'a')
    let sent = 0
    const write = () => {
      while (sent < totalBytes) {
        sent += chunk.length
        if (!req.write(chunk)) return void req.once('drain', write)
      }
      req.end()
    }
    write()
  })
}
