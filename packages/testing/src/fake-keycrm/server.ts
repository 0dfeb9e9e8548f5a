/**
 * A fake KeyCRM REST API on 127.0.0.1 for tests: the documented routes and shapes, Bearer auth (401), the
 * 60 requests/min limit (429 with `Retry-After`), pages (`limit` <= 50, `page`), includes, status changes by
 * `PUT` with the webhook KeyCRM fires for them, and faults (connection reset, error statuses, slow replies,
 * forced 429s), before or after a write is applied.
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import {
  defaultFakeKeycrmData,
  type FakeKeycrmData,
  type FakeLead,
  type FakeOrder,
  type FakeRecord,
} from './data.ts'
import { errorBody, HttpError } from './http-error.ts'
import { KeycrmReads } from './reads.ts'
import {
  applyStatus,
  columnsOf,
  findTarget,
  requestedStatus,
  type StatusTarget,
  statusesFor,
} from './status-changes.ts'
import type { FakeKeycrmApi, FakeKeycrmApiOptions, FakeKeycrmFault, FakeKeycrmRequest } from './types.ts'
import { type FakeKeycrmWebhook, WebhookSender } from './webhooks.ts'

interface ActiveFault {
  spec: FakeKeycrmFault
  remaining: number
}

/** A reply before it is written: what a route answers, or what a fault makes of it. */
interface Reply {
  status: number
  body: unknown
  headers?: Record<string, string>
}

type Answer = (reply: Reply) => void

const HOLDING_FAULTS = new Set<FakeKeycrmFault['kind']>([
  'server_error',
  'http_error',
  'slow',
  'rate_limited',
])

class FakeKeycrmServer implements FakeKeycrmApi {
  url = ''
  readonly apiKey: string
  readonly data: FakeKeycrmData
  readonly requests: FakeKeycrmRequest[] = []
  private faults: ActiveFault[] = []
  private windowStarts: number[] = []
  private readonly rateLimit: { limit: number; windowMs: number } | false
  private readonly reads: KeycrmReads
  private readonly webhookSender: WebhookSender
  private readonly now: () => number
  private readonly server: Server
  private readonly sockets = new Set<Socket>()

  constructor(options: FakeKeycrmApiOptions) {
    this.apiKey = options.apiKey ?? `fake-keycrm-${randomBytes(12).toString('hex')}`
    this.data = { ...defaultFakeKeycrmData(), ...options.data }
    this.rateLimit = options.rateLimit ?? { limit: 60, windowMs: 60_000 }
    this.reads = new KeycrmReads(this.data)
    this.webhookSender = new WebhookSender(options.webhookUrl, options.webhookDelayMs ?? 0)
    this.now = options.now ?? Date.now
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) this.write(res, { status: 500, body: { message: String(error) } })
      })
    })
    this.server.on('connection', (socket) => {
      this.sockets.add(socket)
      socket.on('close', () => this.sockets.delete(socket))
    })
  }

  get writes(): readonly FakeKeycrmRequest[] {
    return this.requests.filter((request) => request.method !== 'GET')
  }

  get webhookUrl(): string | undefined {
    return this.webhookSender.url
  }

  set webhookUrl(url: string | undefined) {
    this.webhookSender.url = url
  }

  get webhookDelayMs(): number {
    return this.webhookSender.delayMs
  }

  set webhookDelayMs(ms: number) {
    this.webhookSender.delayMs = ms
  }

  get webhooks(): readonly FakeKeycrmWebhook[] {
    return this.webhookSender.fired
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(0, '127.0.0.1', () => resolve())
    })
    const { port } = this.server.address() as AddressInfo
    this.url = `http://127.0.0.1:${port}/v1`
  }

  flushWebhooks(): Promise<void> {
    return this.webhookSender.flush()
  }

  changeOrderStatus(orderId: number, statusId: number): FakeRecord {
    return this.changeInUi('order', orderId, statusId)
  }

  changeLeadStatus(cardId: number, statusId: number): FakeRecord {
    return this.changeInUi('lead', cardId, statusId)
  }

  fault(spec: FakeKeycrmFault): void {
    this.faults.push({ spec, remaining: spec.times ?? Number.POSITIVE_INFINITY })
  }

  clearFaults(): void {
    this.faults = []
  }

  resetRateLimit(): void {
    this.windowStarts = []
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy()
    await Promise.all([
      new Promise<void>((resolve) => this.server.close(() => resolve())),
      this.webhookSender.close(),
    ])
  }

  private changeInUi(target: StatusTarget, id: number, statusId: number): FakeRecord {
    const record = findTarget(this.data, target, id)
    const status = requestedStatus({ status_id: statusId }, statusesFor(this.data, target))!
    this.applyAndFire(target, record, status)
    return columnsOf(target, record)
  }

  private applyAndFire(target: StatusTarget, record: FakeOrder | FakeLead, status: FakeRecord): void {
    const webhook = applyStatus(target, record, status, this.now())
    if (webhook !== undefined) this.webhookSender.fire(webhook)
  }

  private takeFault(
    request: FakeKeycrmRequest,
    applies: (fault: FakeKeycrmFault) => boolean,
  ): FakeKeycrmFault | undefined {
    for (const fault of this.faults) {
      if (fault.remaining <= 0 || !applies(fault.spec) || !matches(fault.spec, request)) continue
      fault.remaining--
      return fault.spec
    }
    return undefined
  }

  private write(res: ServerResponse, reply: Reply): void {
    res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers })
    res.end(JSON.stringify(reply.body))
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const parsed = new URL(req.url ?? '/', 'http://fake')
    const method = req.method ?? 'GET'
    const text = await readText(req)
    const record: FakeKeycrmRequest = {
      method,
      path: parsed.pathname.replace(/^\/v1(?=\/|$)/, '') || '/',
      query: Object.fromEntries(parsed.searchParams),
      ...(method === 'GET' ? {} : { body: parseBody(text) }),
      authorized: req.headers.authorization === `Bearer ${this.apiKey}`,
      status: null,
      at: Date.now(),
    }
    this.requests.push(record)
    const answer: Answer = (reply) => {
      record.status = reply.status
      this.write(res, reply)
    }

    if (this.takeFault(record, (fault) => fault.kind === 'down' && fault.applied !== true)) {
      req.socket.destroy()
      return
    }
    if (!parsed.pathname.startsWith('/v1/')) return answer({ status: 404, body: { message: 'Not found' } })
    if (!record.authorized) return answer({ status: 401, body: errorBody(401) })
    const { refusal, headers } = this.countTowardLimit()
    if (refusal !== undefined) return answer(refusal)

    const fault = this.takeFault(record, (spec) => HOLDING_FAULTS.has(spec.kind) || spec.applied === true)
    const faultFirst = fault !== undefined && (fault.applied !== true || fault.kind === 'rate_limited')
    if (faultFirst && !(await this.failBefore(fault, res, answer))) return
    const reply = this.route(record)
    if (fault !== undefined && !faultFirst && !(await this.failAfter(fault, req, res, answer))) return
    answer(reply.status < 300 ? { ...reply, headers } : reply)
  }

  /** Count a request toward the per-key limit: a 429 to answer when over it, and the headers KeyCRM adds. */
  private countTowardLimit(): { refusal?: Reply; headers: Record<string, string> } {
    if (this.rateLimit === false) return { headers: {} }
    const { limit, windowMs } = this.rateLimit
    const now = Date.now()
    this.windowStarts = this.windowStarts.filter((start) => start > now - windowMs)
    if (this.windowStarts.length >= limit) {
      const retryAfter = Math.max(1, Math.ceil((this.windowStarts[0]! + windowMs - now) / 1000))
      const headers = {
        'retry-after': String(retryAfter),
        'x-ratelimit-limit': String(limit),
        'x-ratelimit-remaining': '0',
      }
      return { refusal: { status: 429, body: errorBody(429), headers }, headers }
    }
    this.windowStarts.push(now)
    const remaining = String(limit - this.windowStarts.length)
    return { headers: { 'x-ratelimit-limit': String(limit), 'x-ratelimit-remaining': remaining } }
  }

  /** A fault that hits before the request is handled. Resolves whether handling goes on. */
  private async failBefore(fault: FakeKeycrmFault, res: ServerResponse, answer: Answer): Promise<boolean> {
    if (fault.kind === 'slow') return holdReply(fault, res)
    answer(faultReply(fault))
    return false
  }

  /** A fault that hits once the request was handled (`applied`). Resolves whether the reply still goes out. */
  private async failAfter(
    fault: FakeKeycrmFault,
    req: IncomingMessage,
    res: ServerResponse,
    answer: Answer,
  ): Promise<boolean> {
    if (fault.kind === 'slow') return holdReply(fault, res)
    if (fault.kind === 'down') req.socket.destroy()
    else answer(faultReply(fault))
    return false
  }

  private route(request: FakeKeycrmRequest): Reply {
    try {
      if (request.method === 'GET')
        return { status: 200, body: this.reads.route(request.path, request.query) }
      if (request.method === 'PUT') return this.put(request.path, request.body)
      return { status: 405, body: { message: `The ${request.method} method is not supported by the fake.` } }
    } catch (error) {
      if (error instanceof HttpError) return { status: error.status, body: error.body }
      throw error
    }
  }

  /** `PUT /order/{id}` and `PUT /pipelines/cards/{id}`: KeyCRM answers 202 (the order, or `{status: true}`). */
  private put(path: string, body: unknown): Reply {
    const target = writeTarget(path)
    if (target === undefined) {
      return { status: 405, body: { message: 'The PUT method is not supported for this route by the fake.' } }
    }
    const record = findTarget(this.data, target.kind, target.id)
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      // Laravel would read such a body as no input at all; the fake says so rather than change nothing quietly.
      return { status: 400, body: { message: 'The fake expects a JSON object body.' } }
    }
    const status = requestedStatus(body as Record<string, unknown>, statusesFor(this.data, target.kind))
    if (status !== undefined) this.applyAndFire(target.kind, record, status)
    if (target.kind === 'lead') return { status: 202, body: { status: true } }
    return { status: 202, body: columnsOf(target.kind, record) }
  }
}

function matches(fault: FakeKeycrmFault, request: FakeKeycrmRequest): boolean {
  if (fault.method !== undefined && fault.method.toUpperCase() !== request.method) return false
  const { path } = fault
  if (path === undefined) return true
  return typeof path === 'string' ? request.path.startsWith(path) : path.test(request.path)
}

function faultReply(fault: FakeKeycrmFault): Reply {
  if (fault.kind === 'rate_limited') {
    const seconds = fault.retryAfterSeconds === undefined ? 1 : fault.retryAfterSeconds
    return {
      status: 429,
      body: errorBody(429),
      headers: seconds === null ? {} : { 'retry-after': String(seconds) },
    }
  }
  const status = fault.status ?? 500
  return { status, body: fault.body ?? errorBody(status) }
}

/** Wait out a `slow` fault; resolves `false` when the client gave up meanwhile. */
async function holdReply(fault: FakeKeycrmFault, res: ServerResponse): Promise<boolean> {
  const closed = new Promise<void>((resolve) => res.once('close', () => resolve()))
  await Promise.race([new Promise((resolve) => setTimeout(resolve, fault.delayMs ?? 5_000)), closed])
  return !res.destroyed && !res.writableEnded
}

function writeTarget(path: string): { kind: StatusTarget; id: string } | undefined {
  const order = /^\/order\/(\d+)$/.exec(path)
  if (order !== null) return { kind: 'order', id: order[1]! }
  const card = /^\/pipelines\/cards\/(\d+)$/.exec(path)
  if (card !== null) return { kind: 'lead', id: card[1]! }
  return undefined
}

async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/**
 * Starts a fake KeyCRM API on a random port of 127.0.0.1.
 *
 * @example
 * ```ts
 * const keycrm = await createFakeKeycrmApi({ webhookUrl: `${receiver}/keycrm/secret` })
 * const client = createKeycrmClient({ apiKey: keycrm.apiKey, baseUrl: keycrm.url })
 * keycrm.fault({ kind: 'slow', method: 'PUT', path: '/order/', delayMs: 5000, applied: true })
 * ```
 */
export async function createFakeKeycrmApi(options: FakeKeycrmApiOptions = {}): Promise<FakeKeycrmApi> {
  const server = new FakeKeycrmServer(options)
  await server.listen()
  return server
}
