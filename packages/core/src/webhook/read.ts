/**
 * Reading a KeyCRM webhook from a web-standard `Request` (Node via h3/srvx, Deno, Bun, workers).
 *
 * @module
 */
import { KeycrmWebhookError } from './errors.ts'
import { payloadTooLarge, resolveMaxBytes } from './limits.ts'
import { emptyBody, type ParseWebhookTextOptions, parseWebhookJson } from './parse.ts'
import type { KeycrmEvent } from './types.ts'

/** Options of {@link readWebhook}. */
export type ReadWebhookOptions = ParseWebhookTextOptions

/**
 * Reads, checks and parses a KeyCRM webhook request.
 *
 * Checks, in order: the method is POST (a GET webhook gets a message telling the user to pick POST in
 * the KeyCRM trigger); the content type is JSON (`application/json`, `text/json`, any `+json` type),
 * `text/plain` (a client's default for string bodies) or absent; `content-length`, when given, is
 * within `maxBytes`; then the body is streamed and counted, and reading stops (the stream is
 * cancelled) as soon as it passes `maxBytes`, so an oversized or endless body is never buffered.
 * The bytes must be valid UTF-8 (a leading BOM is ignored).
 *
 * Errors of the transport itself (the client went away mid-body) are rethrown unchanged.
 *
 * @throws {KeycrmWebhookError} `method_not_allowed`, `unsupported_media_type`, `payload_too_large`,
 * `invalid_encoding`, `empty_body`, or any error of `parseWebhookText`.
 */
export async function readWebhook(request: Request, options: ReadWebhookOptions = {}): Promise<KeycrmEvent> {
  const maxBytes = resolveMaxBytes(options.maxBytes)
  try {
    checkMethod(request.method)
    checkContentType(request.headers.get('content-type'))
    checkDeclaredLength(request.headers.get('content-length'), maxBytes)
  } catch (error) {
    discard(request.body)
    throw error
  }
  const bytes = await readLimitedBody(request.body, maxBytes)
  if (bytes.byteLength === 0) throw emptyBody()
  return parseWebhookJson(decodeUtf8(bytes))
}

function checkMethod(method: string): void {
  const verb = method.toUpperCase()
  if (verb === 'POST') return
  if (verb === 'GET' || verb === 'HEAD') {
    throw new KeycrmWebhookError(
      'method_not_allowed',
      `KeyCRM sent this webhook with ${verb}, which carries no event body. In KeyCRM open Settings -> Additional -> Automation, edit the trigger, and in its "Send webhook" action choose the POST method.`,
    )
  }
  throw new KeycrmWebhookError(
    'method_not_allowed',
    `Webhooks must be sent with POST, got ${verb.slice(0, 16)}. In the KeyCRM trigger's "Send webhook" action choose POST.`,
  )
}

function checkContentType(header: string | null): void {
  if (header === null) return // KeyCRM may omit it.
  const mediaType = (header.split(';', 1)[0] ?? '').trim().toLowerCase()
  if (mediaType === '' || mediaType === 'application/json' || mediaType === 'text/json') return
  // text/plain is what fetch-style clients send for a string body by default; the body is still
  // checked as JSON, and refusing a good event over a header would lose it.
  if (mediaType === 'text/plain') return
  if (mediaType.endsWith('+json') && mediaType.includes('/')) return
  throw new KeycrmWebhookError(
    'unsupported_media_type',
    `The webhook body must be JSON (content-type application/json), got ${JSON.stringify(mediaType.slice(0, 64))}.`,
  )
}

function checkDeclaredLength(header: string | null, maxBytes: number): void {
  if (header === null) return
  const text = header.trim()
  // A malformed length is left to the runtime; the streamed count below is the real limit.
  if (!/^\d+$/.test(text)) return
  const declared = Number(text)
  if (declared > maxBytes) throw payloadTooLarge(maxBytes, `content-length ${text}`)
}

/**
 * Reads a body stream into bytes, refusing it with `payload_too_large` (and cancelling the stream) as soon
 * as it passes `maxBytes`, so an oversized or endless body is never buffered. For servers that read a
 * body themselves before parsing (e.g. to tell a stock-balance array from an event).
 *
 * @throws {KeycrmWebhookError} `payload_too_large`.
 */
export async function readLimitedBody(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
): Promise<Uint8Array> {
  if (body === null) return new Uint8Array(0)
  const reader = body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > maxBytes) {
      // Stop the sender now: cancelling tells the runtime to drop the rest of the body.
      reader.cancel().catch(() => {})
      throw payloadTooLarge(maxBytes, `more than ${maxBytes} bytes streamed`)
    }
    chunks.push(value)
  }
  if (chunks.length === 1) return chunks[0]!
  const bytes = new Uint8Array(total)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return bytes
}

// Reusable: a decode call without `stream: true` starts from a clean state.
const utf8 = new TextDecoder('utf-8', { fatal: true })

function decodeUtf8(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes)
  } catch (error) {
    throw new KeycrmWebhookError('invalid_encoding', 'The webhook body is not valid UTF-8 text.', null, {
      cause: error,
    })
  }
}

/** Frees a body that will not be read. A locked or already used body rejects; nothing to do then. */
function discard(body: ReadableStream<Uint8Array> | null): void {
  if (body !== null && !body.locked) body.cancel().catch(() => {})
}
