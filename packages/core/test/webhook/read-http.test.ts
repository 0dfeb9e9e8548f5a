// readWebhook behind a real HTTP server on 127.0.0.1: node:http request -> web Request, as h3/srvx do.
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isKeycrmWebhookError, readWebhook } from '../../src/webhook/index.ts'
import { fixtureText } from './helpers.ts'

const MAX_BYTES = 1_048_576
let server: Server
let base: string
let lastBytesRead = 0

/**
 * The request body as a web stream that counts what it reads. Written by hand because Node 20's
 * Readable.toWeb throws an uncaught ERR_INVALID_STATE when data arrives after the web stream was
 * cancelled (nodejs/node#54205, #64529), which is exactly what readWebhook does to oversized bodies.
 */
function countedBody(req: IncomingMessage): ReadableStream<Uint8Array> {
  let cancelled = false
  return new ReadableStream<Uint8Array>({
    start(controller) {
      req.on('data', (chunk: Buffer) => {
        if (cancelled) return
        lastBytesRead += chunk.byteLength
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))
        if ((controller.desiredSize ?? 0) <= 0) req.pause()
      })
      req.on('end', () => cancelled || controller.close())
      req.on('error', (error) => cancelled || controller.error(error))
      req.pause()
    },
    pull() {
      req.resume()
    },
    cancel() {
      cancelled = true
      req.pause()
    },
  })
}

function toWebRequest(req: IncomingMessage): Request {
  const headers = new Headers()
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') headers.set(name, value)
  }
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD'
  lastBytesRead = 0
  return new Request(`http://127.0.0.1${req.url}`, {
    method: req.method,
    headers,
    body: hasBody ? countedBody(req) : null,
    duplex: 'half',
  } as RequestInit)
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    try {
      const event = await readWebhook(toWebRequest(req), { maxBytes: MAX_BYTES })
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: event.kind }))
    } catch (error) {
      if (!isKeycrmWebhookError(error)) throw error
      // Close the connection: the rest of a refused body is not worth reading.
      res.writeHead(error.status, { 'content-type': 'application/json', connection: 'close' })
      res.end(JSON.stringify(error))
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

describe('readWebhook over real HTTP', () => {
  it('answers the production fixture', async () => {
    const response = await fetch(`${base}/webhooks/keycrm/x`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: fixtureText('order.change_order_status.production-abbreviated.json'),
    })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ kind: 'order_status' })
  })

  it('answers a GET webhook with 405 and the POST advice', async () => {
    const response = await fetch(`${base}/webhooks/keycrm/x`)
    expect(response.status).toBe(405)
    const answer = await response.json()
    expect(answer.error).toBe('method_not_allowed')
    expect(answer.message).toMatch(/POST/)
  })

  it('stops reading a chunked 16 MiB upload without content-length soon after 1 MiB', async () => {
    const chunk = Buffer.alloc(64 * 1024, 'a')
    const total = 16 * 1024 * 1024
    let written = 0
    const outcome = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(`${base}/webhooks/keycrm/x`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      })
      let answered = false
      req.on('response', (res) => {
        answered = true
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (part) => {
          text += part
        })
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
      })
      // The server hangs up on the rest of the upload; that is the point.
      req.on('error', (error) => (answered ? undefined : reject(error)))
      const pump = () => {
        while (!answered && written < total) {
          written += chunk.byteLength
          if (!req.write(chunk)) return void req.once('drain', pump)
        }
        if (!answered) req.end()
      }
      req.write('{"event": "x", "context": {"c": "')
      pump()
    })
    expect(outcome.status).toBe(413)
    expect(JSON.parse(outcome.body).error).toBe('payload_too_large')
    expect(lastBytesRead).toBeGreaterThan(MAX_BYTES)
    // One socket chunk or so past the limit, never the whole upload.
    expect(lastBytesRead).toBeLessThan(MAX_BYTES + 256 * 1024)
    expect(written).toBeLessThan(total)
  })

  it('refuses a declared content-length over the limit before reading', async () => {
    const response = await fetch(`${base}/webhooks/keycrm/x`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: 'a'.repeat(MAX_BYTES + 1),
    })
    expect(response.status).toBe(413)
    expect(lastBytesRead).toBe(0)
  })
})
