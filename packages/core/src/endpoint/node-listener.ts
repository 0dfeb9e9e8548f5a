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
 * The body is streamed to the handler as it arrives (a size limit stops reading early, and the connection
 * is then closed after the answer instead of draining the rest); under Express, a body a parser such as
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
  // A body left unread (refused early, or never looked at) cannot be followed by another request.
  if (!body.readToEnd()) headers.connection = 'close'
  res.writeHead(response.status, headers)
  res.end(bytes)
}

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

/** The request body: what a parser already read, or the stream itself; and whether it was read to its end. */
function bodyOf(req: NodeRequestLike): { stream: BodyInit | null; readToEnd(): boolean } {
  const method = req.method ?? 'GET'
  if (method === 'GET' || method === 'HEAD') return { stream: null, readToEnd: () => true }
  if (req.body !== undefined && req.readableEnded === true) {
    return { stream: parsedBody(req.body), readToEnd: () => true }
  }
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
  return { stream, readToEnd: () => ended }
}

function parsedBody(body: unknown): BodyInit {
  if (typeof body === 'string') return body
  // A copy types as ArrayBuffer-backed, which `BodyInit` asks for (express.raw() hands a Buffer).
  if (body instanceof Uint8Array) return new Uint8Array(body)
  return JSON.stringify(body)
}
