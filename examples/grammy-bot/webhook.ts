/**
 * The KeyCRM webhook endpoint: a web-standard `Request` -> `Response` handler (the same as in the docs'
 * embedding guide) and a small `node:http` server to host it. Any server that speaks `Request` (h3, Hono,
 * Fastify with a bridge) can host the handler instead.
 *
 * @module
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import { authenticateWebhook, isKeycrmWebhookError, type Notifier, readWebhook } from '@keygram/core'

/** A web-standard request handler. */
export type FetchHandler = (request: Request) => Promise<Response>

/**
 * Answers KeyCRM webhooks at `/webhooks/keycrm/<secret>`: 200 only once `notifier.accept()` resolved, so a
 * 2xx means the event is durably queued; a store failure answers 503 and KeyCRM retries.
 */
export function keycrmWebhookHandler(notifier: Notifier, secret: string): FetchHandler {
  return async (request) => {
    const auth = await authenticateWebhook(request, { secret })
    if (!auth.ok)
      return Response.json({ error: auth.reason }, { status: auth.reason === 'missing_secret' ? 401 : 404 })
    try {
      const event = await readWebhook(request) // 405 for GET, 413 too large, 415 not JSON, 400 bad fields
      const { status, deliveryKey } = await notifier.accept(event)
      return Response.json({ status, deliveryKey })
    } catch (error) {
      if (isKeycrmWebhookError(error)) return Response.json(error.toJSON(), { status: error.status })
      return Response.json({ error: 'store_unavailable' }, { status: 503 })
    }
  }
}

/** A listening server and its base URL, e.g. `http://127.0.0.1:9000`. */
export interface ListeningServer {
  url: string
  close(): Promise<void>
}

/** Serves `handler` with `node:http` on `host:port` (port 0: a free one). */
export async function listen(handler: FetchHandler, port: number, host: string): Promise<ListeningServer> {
  const server = createServer((req, res) => {
    respond(handler, req, res).catch((error: unknown) => {
      console.error('webhook server:', error)
      if (!res.headersSent) res.writeHead(500)
      res.end()
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve())
  })
  const address = server.address() as AddressInfo
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return { url: `http://${shownHost}:${address.port}`, close: () => closeServer(server) }
}

async function respond(handler: FetchHandler, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const response = await handler(toRequest(req))
  res.writeHead(response.status, Object.fromEntries(response.headers))
  res.end(Buffer.from(await response.arrayBuffer()))
}

function toRequest(req: IncomingMessage): Request {
  const headers = new Headers()
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) for (const item of value) headers.append(name, item)
    else if (value !== undefined) headers.set(name, value)
  }
  const method = req.method ?? 'GET'
  const hasBody = method !== 'GET' && method !== 'HEAD'
  // Node's fetch needs `duplex` for a streamed body; the DOM typings do not know it yet.
  const init: RequestInit & { duplex: 'half' } = {
    method,
    headers,
    // Streamed, so readWebhook's size limit stops an oversized body without buffering it.
    body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : null,
    duplex: 'half',
  }
  // A fixed origin: the Host header is the client's to choose, and only the path and query matter here.
  return new Request(new URL(req.url ?? '/', 'http://localhost'), init)
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()))
    // Keep-alive connections would hold close() open until they time out.
    server.closeIdleConnections()
  })
}
