/**
 * Reading a webhook on the Node hot path.
 *
 * Core's `readWebhook` reads the web `Request` body stream; under srvx that stream is
 * `Readable.toWeb(req)`, which costs several times more than the parse itself. For the common case (a
 * POST with a JSON-ish content type, served by srvx) this reads the Node request directly, with the same
 * limits and the same errors; anything else goes through `readWebhook` unchanged.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http'
import {
  type KeycrmEvent,
  KeycrmWebhookError,
  parseWebhookText,
  payloadTooLarge,
  readWebhook,
} from '@keygram/core'

// Fatal, so invalid UTF-8 is refused as core refuses it; a leading BOM is dropped by default.
const utf8 = new TextDecoder('utf-8', { fatal: true })

/** Reads, checks and parses a KeyCRM webhook request, like core's `readWebhook` (see there). */
export async function readWebhookRequest(request: Request, maxBytes: number): Promise<KeycrmEvent> {
  const req = nodeRequestOf(request)
  if (req === null || request.method !== 'POST' || !isJsonish(request.headers.get('content-type'))) {
    return readWebhook(request, { maxBytes })
  }
  const declared = req.headers['content-length']
  if (declaresMoreThan(declared, maxBytes)) {
    await drainThenRefuse(req, payloadTooLarge(maxBytes, `content-length ${declared}`))
  }
  return parseWebhookText(decodeUtf8Body(await readLimited(req, maxBytes)), { maxBytes })
}

/**
 * Whether a `content-length` header declares more than `limit` bytes. A malformed one declares nothing
 * here: the body is then read and counted as it arrives.
 */
export function declaresMoreThan(contentLength: string | null | undefined, limit: number): boolean {
  return typeof contentLength === 'string' && /^\d+$/.test(contentLength) && Number(contentLength) > limit
}

/** The body's text, or core's `invalid_encoding` error (400) when it is not valid UTF-8. */
export function decodeUtf8Body(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes)
  } catch (error) {
    throw new KeycrmWebhookError('invalid_encoding', 'The webhook body is not valid UTF-8 text.', null, {
      cause: error,
    })
  }
}

/** The Node request behind an srvx request (`request.runtime.node.req`), or `null`. */
export function nodeRequestOf(request: Request): IncomingMessage | null {
  const runtime = (request as Request & { runtime?: { node?: { req?: IncomingMessage } } }).runtime
  const req = runtime?.node?.req
  // A body another reader started on must go through the web stream.
  return req !== undefined && !req.readableDidRead && !request.bodyUsed ? req : null
}

// The types readWebhook accepts without refusing; anything else takes the slow path to get its error.
/** Whether the content type is one the fast path reads (JSON, text/plain or none). */
export function isJsonish(header: string | null): boolean {
  if (header === null || header === 'application/json') return true
  const type = (header.split(';', 1)[0] ?? '').trim().toLowerCase()
  return type === 'application/json' || type === 'text/json' || type === 'text/plain' || type === ''
}

// How long a body over the limit is still read (into nothing) before the 413 goes out, in ms: well under
// the 30 s request timeout and the 7 s a default shutdown gives HTTP. Only a client with the secret gets here.
const REFUSED_BODY_DRAIN_MS = 5_000

/**
 * Reads the rest of `req` into nothing, then rejects with `error` (a 413): once the body has ended, the
 * client has gone, or {@link REFUSED_BODY_DRAIN_MS} have passed, whichever comes first.
 *
 * Why wait: the 413 closes the connection, and closing it while the client is still sending makes the
 * kernel answer the bytes still arriving with a reset, which can reach the client before it has read the
 * 413, so it sees EPIPE or ECONNRESET instead (RFC 9112, section 9.6). A client still sending after the
 * drain time gets the 413 and the close at once.
 */
export function drainThenRefuse(req: IncomingMessage, error: Error): Promise<never> {
  return new Promise((_resolve, reject) => {
    if (req.complete || req.destroyed) return reject(error)
    const refuse = () => {
      clearTimeout(timer)
      req.off('end', refuse).off('close', refuse).off('error', refuse)
      reject(error)
    }
    const timer = setTimeout(refuse, REFUSED_BODY_DRAIN_MS)
    req.once('end', refuse).once('close', refuse).once('error', refuse)
    req.resume()
  })
}

/**
 * Reads a Node request body, refusing it with 413 once it passes `maxBytes` (after the rest of the body,
 * see {@link drainThenRefuse}).
 */
export function readLimited(req: IncomingMessage, maxBytes: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    // A flag rather than removing the listeners: they go with the request, and four `off` calls per
    // webhook were a visible share of the hot path.
    let settled = false
    req.on('data', (chunk: Buffer) => {
      if (settled) return
      size += chunk.length
      if (size > maxBytes) {
        settled = true
        chunks.length = 0
        drainThenRefuse(req, payloadTooLarge(maxBytes, `more than ${maxBytes} bytes streamed`)).catch(reject)
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => {
      if (settled) return
      settled = true
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size))
    })
    req.on('error', (error: Error) => {
      if (settled) return
      settled = true
      reject(error)
    })
    req.on('close', () => {
      if (settled) return
      settled = true
      if (!req.complete) reject(new Error('the client closed the connection before the body ended'))
    })
  })
}
