/**
 * A fake KeyCRM REST API on 127.0.0.1 for tests: the documented routes and shapes, Bearer auth (401), the
 * 60 requests/min limit (429 with `Retry-After`), pages (`limit` <= 50, `page`), includes, and faults
 * (connection reset, 5xx, slow replies, forced 429s).
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { defaultFakeKeycrmData, type FakeKeycrmData, type FakeOrder, type FakeRecord } from './data.ts'

/** A fault the fake applies to matching requests. */
export interface FakeKeycrmFault {
  /**
   * `down`: the connection is reset without a reply; `server_error`: a 5xx (`status`, default 500);
   * `slow`: the normal reply after `delayMs`; `rate_limited`: a 429 with `Retry-After: retryAfterSeconds`.
   */
  kind: 'down' | 'server_error' | 'slow' | 'rate_limited'
  /** Only requests whose path (after `/v1`) starts with this string or matches this pattern. Default all. */
  path?: string | RegExp
  /** How many requests it hits; default every one until {@link FakeKeycrmApi.clearFaults}. */
  times?: number
  /** HTTP status of `server_error`. Default 500. */
  status?: number
  /** Delay of `slow`, in ms. Default 5 000. */
  delayMs?: number
  /** `Retry-After` of `rate_limited`, in seconds; `null` sends none. Default 1. */
  retryAfterSeconds?: number | null
}

/** One request the fake received. */
export interface FakeKeycrmRequest {
  method: string
  /** The path after `/v1`, e.g. `/order/67526`. */
  path: string
  query: Record<string, string>
  /** Whether the Bearer key was right. */
  authorized: boolean
  /** The status answered, or `null` for a reset connection. */
  status: number | null
  /** Epoch ms received. */
  at: number
}

/** Options of {@link createFakeKeycrmApi}. */
export interface FakeKeycrmApiOptions {
  /** The API key the fake accepts. Default a random one. */
  apiKey?: string
  /** Requests per window per key; `false` turns the limit off. Default KeyCRM's 60 per 60 000 ms. */
  rateLimit?: { limit: number; windowMs: number } | false
  /** Replaces parts of {@link defaultFakeKeycrmData}. */
  data?: Partial<FakeKeycrmData>
}

/** A running fake KeyCRM API. */
export interface FakeKeycrmApi {
  /** Base URL to give the client, ending in `/v1`. */
  readonly url: string
  readonly apiKey: string
  /** The account's records; mutate them to change what the fake answers. */
  readonly data: FakeKeycrmData
  /** Every request received, in order. */
  readonly requests: FakeKeycrmRequest[]
  /** Adds a fault; faults are tried in the order added. */
  fault(spec: FakeKeycrmFault): void
  clearFaults(): void
  /** Forgets the requests counted by the rate limit. */
  resetRateLimit(): void
  /** Closes the server and every open connection. */
  close(): Promise<void>
}

interface ActiveFault {
  spec: FakeKeycrmFault
  remaining: number
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.message ?? status))
  }
}

const MAX_LIMIT = 50
const DEFAULT_LIMIT = 15

const notFound = () => new HttpError(404, { message: 'Not found' })

/** Splits `include=a,b.c` into a set of names (`a`, `b.c`). */
function includesOf(query: Record<string, string>): Set<string> {
  return new Set(
    (query.include ?? '')
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean),
  )
}

function paginate(
  path: string,
  items: readonly unknown[],
  query: Record<string, string>,
): Record<string, unknown> {
  const limit = query.limit === undefined ? DEFAULT_LIMIT : Number(query.limit)
  const page = query.page === undefined ? 1 : Number(query.page)
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new HttpError(422, {
      message: `The limit must be between 1 and ${MAX_LIMIT}.`,
      errors: { limit: [`The limit must be between 1 and ${MAX_LIMIT}.`] },
    })
  }
  if (!Number.isInteger(page) || page < 1)
    throw new HttpError(422, { message: 'The page must be at least 1.' })
  const lastPage = Math.max(1, Math.ceil(items.length / limit))
  const url = (n: number) => `https://openapi.keycrm.app/v1${path}?page=${n}`
  return {
    total: items.length,
    current_page: page,
    per_page: limit,
    data: items.slice((page - 1) * limit, page * limit),
    first_page_url: url(1),
    last_page_url: url(lastPage),
    next_page_url: page < lastPage ? url(page + 1) : null,
  }
}

function idFilter(value: string | undefined): ((id: unknown) => boolean) | undefined {
  if (value === undefined) return undefined
  const ids = new Set(value.split(',').map((part) => part.trim()))
  return (id) => ids.has(String(id))
}

class FakeKeycrmServer implements FakeKeycrmApi {
  url = ''
  readonly apiKey: string
  readonly data: FakeKeycrmData
  readonly requests: FakeKeycrmRequest[] = []
  private faults: ActiveFault[] = []
  private windowStarts: number[] = []
  private readonly rateLimit: { limit: number; windowMs: number } | false
  private readonly server: Server
  private readonly sockets = new Set<import('node:net').Socket>()

  constructor(options: FakeKeycrmApiOptions) {
    this.apiKey = options.apiKey ?? `fake-keycrm-${randomBytes(12).toString('hex')}`
    this.data = { ...defaultFakeKeycrmData(), ...options.data }
    this.rateLimit = options.rateLimit ?? { limit: 60, windowMs: 60_000 }
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) this.reply(res, 500, { message: String(error) })
      })
    })
    this.server.on('connection', (socket) => {
      this.sockets.add(socket)
      socket.on('close', () => this.sockets.delete(socket))
    })
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(0, '127.0.0.1', () => resolve())
    })
    const { port } = this.server.address() as AddressInfo
    this.url = `http://127.0.0.1:${port}/v1`
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
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  private takeFault(path: string, kinds: readonly FakeKeycrmFault['kind'][]): FakeKeycrmFault | undefined {
    for (const fault of this.faults) {
      if (fault.remaining <= 0 || !kinds.includes(fault.spec.kind)) continue
      const { path: match } = fault.spec
      if (match !== undefined && (typeof match === 'string' ? !path.startsWith(match) : !match.test(path)))
        continue
      fault.remaining--
      return fault.spec
    }
    return undefined
  }

  private reply(
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void {
    const text = JSON.stringify(body)
    res.writeHead(status, { 'content-type': 'application/json', ...headers })
    res.end(text)
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const parsed = new URL(req.url ?? '/', 'http://fake')
    const path = parsed.pathname.replace(/^\/v1(?=\/|$)/, '') || '/'
    const query = Object.fromEntries(parsed.searchParams)
    const authorized = req.headers.authorization === `Bearer ${this.apiKey}`
    const record: FakeKeycrmRequest = {
      method: req.method ?? 'GET',
      path,
      query,
      authorized,
      status: null,
      at: Date.now(),
    }
    this.requests.push(record)
    const answer = (status: number, body: unknown, headers?: Record<string, string>) => {
      record.status = status
      this.reply(res, status, body, headers)
    }

    if (this.takeFault(path, ['down'])) {
      req.socket.destroy()
      return
    }
    if (!parsed.pathname.startsWith('/v1/')) return answer(404, { message: 'Not found' })
    if (!authorized) return answer(401, { message: 'Unauthenticated.' })

    const limitHeaders: Record<string, string> = {}
    if (this.rateLimit !== false) {
      const { limit, windowMs } = this.rateLimit
      const now = Date.now()
      this.windowStarts = this.windowStarts.filter((start) => start > now - windowMs)
      if (this.windowStarts.length >= limit) {
        const retryAfter = Math.max(1, Math.ceil((this.windowStarts[0]! + windowMs - now) / 1000))
        return answer(
          429,
          { message: 'Too Many Attempts.' },
          {
            'retry-after': String(retryAfter),
            'x-ratelimit-limit': String(limit),
            'x-ratelimit-remaining': '0',
          },
        )
      }
      this.windowStarts.push(now)
      limitHeaders['x-ratelimit-limit'] = String(limit)
      limitHeaders['x-ratelimit-remaining'] = String(limit - this.windowStarts.length)
    }

    const fault = this.takeFault(path, ['server_error', 'slow', 'rate_limited'])
    if (fault?.kind === 'rate_limited') {
      const seconds = fault.retryAfterSeconds === undefined ? 1 : fault.retryAfterSeconds
      return answer(
        429,
        { message: 'Too Many Attempts.' },
        seconds === null ? {} : { 'retry-after': String(seconds) },
      )
    }
    if (fault?.kind === 'server_error') return answer(fault.status ?? 500, { message: 'Server Error' })
    if (fault?.kind === 'slow') {
      const closed = new Promise<void>((resolve) => res.once('close', () => resolve()))
      await Promise.race([new Promise((resolve) => setTimeout(resolve, fault.delayMs ?? 5_000)), closed])
      if (res.destroyed || res.writableEnded) return
    }

    if (req.method !== 'GET')
      return answer(405, { message: `The ${req.method} method is not supported by the fake.` })
    try {
      answer(200, this.route(path, query), limitHeaders)
    } catch (error) {
      if (error instanceof HttpError) return answer(error.status, error.body)
      throw error
    }
  }

  private route(path: string, query: Record<string, string>): unknown {
    const { data } = this
    const segments = path.split('/').filter(Boolean)
    const [first, second, third, fourth] = segments
    if (first === 'order' && segments.length === 2) {
      if (second === 'status') return paginate(path, data.orderStatuses, query)
      if (second === 'source') return paginate(path, data.sources, query)
      if (second === 'delivery-service') return paginate(path, data.deliveryServices, query)
      return this.order(second!, query)
    }
    if (first === 'users' && segments.length === 1) {
      const byId = idFilter(query['filter[id]'])
      return paginate(path, byId ? data.users.filter((item) => byId(item.id)) : data.users, query)
    }
    if (first === 'pipelines') {
      if (segments.length === 1) return paginate(path, data.pipelines, query)
      if (second === 'cards' && third !== undefined && segments.length === 3)
        return this.lead(third, path, query)
      if (third === 'statuses' && segments.length === 3) {
        const pipelineId = Number(second)
        if (!data.pipelines.some((pipeline) => pipeline.id === pipelineId)) throw notFound()
        return paginate(
          path,
          data.pipelineStatuses.filter((item) => item.pipeline_id === pipelineId),
          query,
        )
      }
    }
    if (first === 'offers' && segments.length === 1) return this.offers(path, query)
    void fourth
    throw notFound()
  }

  private order(idText: string, query: Record<string, string>): Record<string, unknown> {
    const found = this.data.orders.find((order) => String(order.id) === idText)
    if (found === undefined) throw new HttpError(404, { message: 'Order not found' })
    const includes = includesOf(query)
    const { buyer, products, shipping, payments, ...columns } = structuredClone(found) as FakeOrder
    const reply: Record<string, unknown> = { ...columns }
    if (includes.has('buyer')) reply.buyer = buyer ?? null
    if (includes.has('products') || includes.has('products.offer')) {
      reply.products = (products ?? []).map((line) => {
        const { offer_id: offerId, ...rest } = line
        if (!includes.has('products.offer')) return rest
        return { ...rest, offer: this.data.offers.find((offer) => offer.id === offerId) ?? null }
      })
    }
    if (includes.has('manager')) reply.manager = this.userById(found.manager_id)
    if (includes.has('status'))
      reply.status = this.data.orderStatuses.find((item) => item.id === found.status_id) ?? null
    if (includes.has('payments')) reply.payments = payments ?? []
    if (includes.has('shipping') || includes.has('shipping.deliveryService')) {
      if (shipping === null || shipping === undefined) reply.shipping = null
      else {
        reply.shipping = { ...shipping }
        if (includes.has('shipping.deliveryService')) {
          ;(reply.shipping as Record<string, unknown>).deliveryService =
            this.data.deliveryServices.find((service) => service.id === shipping.delivery_service_id) ?? null
        }
      }
    }
    return reply
  }

  private lead(idText: string, path: string, query: Record<string, string>): Record<string, unknown> {
    const found = this.data.leads.find((lead) => String(lead.id) === idText)
    if (found === undefined) throw new HttpError(404, { message: 'Card not found' })
    const includes = includesOf(query)
    const { contact, products, ...columns } = structuredClone(found) as FakeRecord & {
      contact?: Record<string, unknown> | null
      products?: unknown[]
    }
    const card: Record<string, unknown> = { ...columns }
    if (includes.has('contact') || includes.has('contact.client')) {
      if (contact === null || contact === undefined || includes.has('contact.client'))
        card.contact = contact ?? null
      else {
        const { client: _client, ...withoutClient } = contact
        card.contact = withoutClient
      }
    }
    if (includes.has('products')) card.products = products ?? []
    if (includes.has('manager')) card.manager = this.userById(found.manager_id)
    if (includes.has('status'))
      card.status = this.data.pipelineStatuses.find((item) => item.id === found.status_id) ?? null
    // KeyCRM's OpenAPI text documents this reply as a page holding the card.
    return paginate(path, [card], { limit: '15', page: '1' })
  }

  private offers(path: string, query: Record<string, string>): Record<string, unknown> {
    let offers: FakeRecord[] = this.data.offers
    const bySku = query['filter[sku]']
    if (bySku !== undefined) {
      const skus = new Set(bySku.split(',').map((sku) => sku.trim()))
      offers = offers.filter((offer) => skus.has(String(offer.sku)))
    }
    const byId = idFilter(query['filter[id]'])
    if (byId) offers = offers.filter((offer) => byId(offer.id))
    const byProduct = idFilter(query['filter[product_id]'])
    if (byProduct) offers = offers.filter((offer) => byProduct(offer.product_id))
    const withProduct = includesOf(query).has('product')
    const items = offers.map((offer) =>
      withProduct
        ? { ...offer, product: this.data.products.find((item) => item.id === offer.product_id) ?? null }
        : { ...offer },
    )
    return paginate(path, items, query)
  }

  private userById(id: unknown): FakeRecord | null {
    return this.data.users.find((user) => user.id === id) ?? null
  }
}

/**
 * Starts a fake KeyCRM API on a random port of 127.0.0.1.
 *
 * @example
 * ```ts
 * const keycrm = await createFakeKeycrmApi()
 * const client = createKeycrmClient({ apiKey: keycrm.apiKey, baseUrl: keycrm.url })
 * keycrm.fault({ kind: 'slow', path: '/order/', delayMs: 5000 })
 * ```
 */
export async function createFakeKeycrmApi(options: FakeKeycrmApiOptions = {}): Promise<FakeKeycrmApi> {
  const server = new FakeKeycrmServer(options)
  await server.listen()
  return server
}
