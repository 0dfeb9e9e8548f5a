/**
 * The webhook hot path on `node:http`, in front of h3.
 *
 * A KeyCRM webhook (`POST <prefix>/<secret>`, JSON) is the one request the server takes at volume. Going
 * through srvx and h3 costs more than the work itself: a web `Request` around the Node request, the
 * router, a web `Response`, and streaming it back. This path reads the Node request and writes the Node
 * response directly, with the same checks, limits and answers as the h3 route; everything it does not
 * take (another method, path or content type, a secret in the query or header, an encoded path, a
 * declared length over the limit, a wrong secret) goes to h3 untouched, body unread.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { type KeycrmEvent, KeycrmWebhookError, type StockBalanceRow } from '@keygram/core'
import { type KeycrmWebhookBody, parseKeycrmBody } from './read-keycrm-body.ts'
import { declaresMoreThan, isJsonish, readLimited } from './read-webhook.ts'
import { createReplyBatch } from './reply-batch.ts'
import { type JsonReply, jsonReply } from './responses.ts'

/** What the fast path needs from the webhook app: the same handlers the h3 route uses. */
export interface FastPathHandlers {
  /** `/webhooks/keycrm`, without a trailing slash. */
  pathPrefix: string
  /** Constant-time check of a path segment against the secret. */
  matchesSecret(candidate: string): boolean
  /** Largest order or funnel webhook, in bytes. */
  maxBytes: number
  /** Largest stock-balance webhook, in bytes; `null`: arrays are refused as core refuses them. */
  stockMaxBytes: number | null
  /** Accepts a parsed event (the notifier, metrics, the log line). */
  acceptEvent(event: KeycrmEvent): Promise<JsonReply>
  /** Applies a stock-balance webhook. */
  acceptStock(rows: StockBalanceRow[]): Promise<Response>
  /** Refuses a request (metrics, the warning line), as the h3 route does. */
  refuse(error: KeycrmWebhookError, client: string): Response
  /** The client went away mid-body. */
  aborted(error: unknown): Response
}

/** Takes a request (and answers it) or returns `false` without touching it. */
export type FastPath = (req: IncomingMessage, res: ServerResponse) => boolean

/** Creates the fast path over the webhook app's handlers. */
export function createFastPath(handlers: FastPathHandlers): FastPath {
  const prefix = `${handlers.pathPrefix}/`
  const { maxBytes, stockMaxBytes } = handlers
  const limits = { maxBytes, stockMaxBytes }
  const readLimit = stockMaxBytes === null ? maxBytes : Math.max(maxBytes, stockMaxBytes)
  // The accepted webhook's answer, the one sent at volume, leaves with the others of its turn.
  const queueReply = createReplyBatch(writeReply)

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body: KeycrmWebhookBody
    try {
      body = parseKeycrmBody(await readLimited(req, readLimit), limits)
    } catch (error) {
      if (error instanceof KeycrmWebhookError) {
        await writeResponse(res, handlers.refuse(error, clientOf(req)))
      } else await writeResponse(res, handlers.aborted(error))
      return
    }
    if (body.kind === 'stock') await writeResponse(res, await handlers.acceptStock(body.rows))
    else queueReply(res, await handlers.acceptEvent(body.event))
  }

  return (req, res) => {
    if (req.method !== 'POST') return false
    const url = req.url
    if (url === undefined || !url.startsWith(prefix)) return false
    const secret = url.slice(prefix.length)
    // Anything URL parsing could rewrite (escapes, dot segments, more segments, a query) is h3's.
    if (secret === '' || secret === '.' || secret === '..' || /[/?#%\\]/.test(secret)) return false
    if (!isJsonish(req.headers['content-type'] ?? null)) return false
    if (declaresMoreThan(req.headers['content-length'], readLimit)) return false
    if (!handlers.matchesSecret(secret)) return false
    handle(req, res).catch((error: unknown) => {
      // The handlers answer every outcome; reaching here means the response itself failed.
      if (!res.headersSent) writeReply(res, internalError)
      else res.destroy(error instanceof Error ? error : undefined)
    })
    return true
  }
}

const internalError: JsonReply = jsonReply(500, {
  error: 'internal_error',
  message: 'Internal error.',
  path: null,
})

function writeReply(res: ServerResponse, reply: JsonReply): void {
  // A length instead of chunked encoding: the head and the body leave in one write.
  res.writeHead(reply.status, { ...reply.headers, 'content-length': Buffer.byteLength(reply.body) })
  res.end(reply.body)
}

/** Writes a web `Response` (the rare answers: refusals, stock webhooks) to the Node response. */
async function writeResponse(res: ServerResponse, response: Response): Promise<void> {
  const headers: Record<string, string> = {}
  response.headers.forEach((value, name) => {
    headers[name] = value
  })
  writeReply(res, { status: response.status, body: await response.text(), headers })
}

function clientOf(req: IncomingMessage): string {
  const ip = req.socket.remoteAddress
  return typeof ip === 'string' && ip !== '' ? ` (from ${ip})` : ''
}
