/**
 * A web-standard handler on `node:http` and Express.
 *
 * @module
 */

/** The parts of a `node:http` `IncomingMessage` (an Express request is one) that {@link toNodeListener} reads. */
export interface NodeRequestLike extends AsyncIterable<Uint8Array | string> {
  method?: string | undefined
  url?: string | undefined
  /** Express: the URL as received, before a router stripped its mount path from `url`. */
  originalUrl?: string | undefined
  headers: Record<string, string | string[] | undefined>
  /** Express with a body parser in front (`express.json()`): the body it already read. */
  body?: unknown
  /** Whether the body was read to its end (by a body parser, when `body` is set). */
  readableEnded?: boolean
}

/** The parts of a `node:http` `ServerResponse` (an Express response is one) that {@link toNodeListener} writes. */
export interface NodeResponseLike {
  readonly headersSent?: boolean
  writeHead(status: number, headers: Record<string, string>): unknown
  end(body?: Uint8Array): unknown
  destroy?(error?: Error): unknown
}

/**
 * Turns a web-standard handler (`Request` in, `Response` out) into a `node:http` request listener, which
 * is also an Express handler:
 *
 * ```ts
 * createServer(toNodeListener(handler)).listen(9000)
 * app.post('/webhooks/keycrm/:secret', toNodeListener(handler)) // Express
 * ```
 *
 * The body is streamed to the handler as it arrives; when the handler answers without reading it all (a size
 * limit, a wrong secret), the rest is read into nothing for up to 5 s before the answer goes out and the
 * connection is closed, so the client gets to read the answer. Under Express, a body a parser such as
 * `express.json()` already read is passed on as JSON text. The URL keeps Express's mount path.
 *
 * Hand-written, and small, because `@keygram/core` imports nothing of Node's: it only relies on what a
 * request and a response of `node:http` provide, so it also serves Deno's and Bun's `node:http`.
 */
export function toNodeListener(
  handler: (request: Request) => Response | Promise<Response>,
): (req: NodeRequestLike, res: NodeResponseLike) => void {
  return (req, res) => {
    respond(handler, req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json; charset=utf-8', connection: 'close' })
        res.end(
          new TextEncoder().encode('{"error":"internal_error","message":"Internal error.","path":null}'),
        )
      } else res.destroy?.(error instanceof Error ? error : undefined)
    })
  }
}

async function respond(
  handler: (request: Request) => Response | Promise<Response>,
  req: NodeRequestLike,
  res: NodeResponseLike,
): Promise<void> {
  const body = bodyOf(req)
  const response = await handler(requestOf(req, body.stream))
  const bytes = new Uint8Array(await response.arrayBuffer())
  const headers: Record<string, string> = {}
  response.headers.forEach((value, name) => {
    headers[name] = value
  })
  headers['content-length'] = String(bytes.byteLength)
  if (!body.readToEnd()) {
    // A body left unread (refused early, or never looked at) cannot be followed by another request. And
    // closing while the client still sends makes the kernel answer its bytes with a reset that can reach it
    // before the answer does (RFC 9112, section 9.6): read the rest into nothing first, for a while.
    headers.connection = 'close'
    await body.drain(REFUSED_BODY_DRAIN_MS)
  }
  res.writeHead(response.status, headers)
  res.end(bytes)
}

/** How long the rest of a body the handler did not read is read into nothing before the answer, in ms. */
const REFUSED_BODY_DRAIN_MS = 5_000

function requestOf(req: NodeRequestLike, body: BodyInit | null): Request {
  const headers = new Headers()
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) for (const item of value) headers.append(name, item)
    else if (value !== undefined) headers.set(name, value)
  }
  // A fixed origin: the Host header is the client's to choose, and only the path and query matter.
  const url = new URL(req.originalUrl ?? req.url ?? '/', 'http://localhost')
  // `duplex` is needed for a streamed body; the DOM typings do not know it yet.
  const init: RequestInit & { duplex: 'half' } = {
    method: req.method ?? 'GET',
    headers,
    body,
    duplex: 'half',
  }
  return new Request(url, init)
}

/** The request body as the listener hands it on. */
interface NodeBody {
  /** What a parser already read, or the request stream itself (`null` for GET and HEAD). */
  stream: BodyInit | null
  /** Whether the body was read to its end. */
  readToEnd(): boolean
  /** Reads what is left into nothing, until the body ends or `ms` pass. */
  drain(ms: number): Promise<void>
}

const READ: Pick<NodeBody, 'readToEnd' | 'drain'> = { readToEnd: () => true, drain: async () => {} }

function bodyOf(req: NodeRequestLike): NodeBody {
  const method = req.method ?? 'GET'
  if (method === 'GET' || method === 'HEAD') return { stream: null, ...READ }
  if (req.body !== undefined && req.readableEnded === true) return { stream: parsedBody(req.body), ...READ }
  let ended = false
  const iterator = req[Symbol.asyncIterator]()
  const encoder = new TextEncoder()
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await iterator.next()
      if (next.done) {
        ended = true
        controller.close()
      } else controller.enqueue(typeof next.value === 'string' ? encoder.encode(next.value) : next.value)
    },
    // Not `iterator.return()`: on a Node request it destroys the socket, and the answer (a 413) with it.
  })
  const drain = async (ms: number) => {
    let timer: ReturnType<typeof setTimeout> | undefined
    const rest = (async () => {
      while (!(await iterator.next()).done) {
        // into nothing
      }
      ended = true
    })().catch(() => {})
    await Promise.race([rest, new Promise((resolve) => (timer = setTimeout(resolve, ms)))])
    clearTimeout(timer)
  }
  return { stream, readToEnd: () => ended, drain }
}

function parsedBody(body: unknown): BodyInit {
  if (typeof body === 'string') return body
  // A copy types as ArrayBuffer-backed, which `BodyInit` asks for (express.raw() hands a Buffer).
  if (body instanceof Uint8Array) return new Uint8Array(body)
  return JSON.stringify(body)
}
