/**
 * A typed, fetch-based client of the KeyCRM REST API for what notifications need: dictionaries (statuses,
 * sources, users, funnels), an order or a funnel card with includes, and offers by SKU.
 *
 * Every request waits its turn under the API's rate limit (60/min per key), 429s pause the line for
 * `Retry-After` and are retried, 5xx / network failures / timeouts are retried with jittered back-off.
 * The API key goes only into the `Authorization` header and never into an error message.
 *
 * @module
 */

import { keycrmBudgetKey } from '../budgets/keys.ts'
import type { RateBudgetStore } from '../budgets/types.ts'
import { backoffDelayMs } from '../delivery/backoff.ts'
import { type Clock, systemClock } from '../delivery/clock.ts'
import { isAbortError, KeycrmApiError } from './errors.ts'
import { createRequestLimiter, type KeycrmPriority, type RequestLimiter } from './rate-limiter.ts'
import type {
  KeycrmLead,
  KeycrmOffer,
  KeycrmOrder,
  KeycrmOrderStatus,
  KeycrmPage,
  KeycrmPipeline,
  KeycrmPipelineStatus,
  KeycrmSource,
  KeycrmUser,
} from './types.ts'

/** KeyCRM's public API. */
export const KEYCRM_API_URL = 'https://openapi.keycrm.app/v1'
/** The page size the API allows at most. */
export const KEYCRM_PAGE_LIMIT = 50
/** Includes an order notification uses. */
export const DEFAULT_ORDER_INCLUDE = 'buyer,products.offer,manager,status,payments,shipping.deliveryService'
/** Includes a funnel card notification uses. */
export const DEFAULT_LEAD_INCLUDE = 'contact.client,manager,status,products'

/** Options of {@link createKeycrmClient}. */
export interface KeycrmClientOptions {
  /** The API key (Settings -> API). Sent as `Authorization: Bearer <key>`. */
  apiKey: string
  /** Default {@link KEYCRM_API_URL}; tests point it at a fake server. */
  baseUrl?: string
  /** Default `globalThis.fetch`. */
  fetch?: typeof fetch
  /**
   * Requests per window; default KeyCRM's documented 60 per 60 000 ms. `marginMs` (default 1 000) widens the
   * window the client keeps, because KeyCRM counts a request when it arrives, a little after it left here.
   */
  rateLimit?: { limit?: number; windowMs?: number; marginMs?: number }
  /**
   * Shares the rate limit with every process on this store that uses the same API key (pass the store's
   * `budgets`): the key is counted in the store under `keycrm:<hash of the key>`. Without it, each process
   * keeps its own limit.
   */
  budgets?: RateBudgetStore
  /** Told when the shared budget's store failed (the request then went by this process's own limit). */
  onBudgetError?: (error: unknown) => void
  /** Retries of a 5xx, network failure or timeout. Default 2 (3 tries in all). */
  retries?: number
  /** Retries of a 429 (each waits `Retry-After`). Default 5; a caller's signal usually ends it sooner. */
  rateLimitRetries?: number
  /** Back-off of those retries: first window and cap in ms. Default 300 / 5 000. */
  backoff?: { baseMs?: number; capMs?: number }
  /** Wait after a 429 without `Retry-After`, in ms. Default 5 000. */
  defaultRetryAfterMs?: number
  /** Time limit of one HTTP request, in ms. Default 10 000. */
  requestTimeoutMs?: number
  clock?: Clock
  /** `[0, 1)` source for the back-off jitter. */
  random?: () => number
}

/** Options of one call. */
export interface KeycrmRequestOptions {
  /** Query parameters; arrays are joined with commas (KeyCRM's filter format). */
  query?: Record<string, string | number | boolean | readonly (string | number)[] | undefined>
  /** Abandons the call (waiting in line, backing off or in flight). */
  signal?: AbortSignal
  /**
   * Its place in the rate limit's line: `action` (a person waits on it), `enrich` (default: a
   * notification), `products` (names for stock alerts). A higher priority goes first and, with shared
   * budgets, has a share of every window lower ones cannot use.
   */
  priority?: KeycrmPriority
}

/** Options of a write. */
export type KeycrmWriteOptions = Pick<KeycrmRequestOptions, 'signal' | 'priority'>

/** The KeyCRM API client. Methods reject with {@link KeycrmApiError}, or the signal's reason on abort. */
export interface KeycrmClient {
  /** The base URL in use (no key). */
  readonly baseUrl: string
  /** The shared rate limiter (for metrics: `limiter.waiting`). */
  readonly limiter: RequestLimiter
  /** `GET path` and its JSON body. */
  get<T>(path: string, options?: KeycrmRequestOptions): Promise<T>
  /**
   * `PUT path` with a JSON body, and the reply's JSON. Waits out a 429 (KeyCRM did nothing then) but never
   * repeats a request that may have reached KeyCRM (a timeout, a reset, a 5xx): the caller decides, e.g.
   * after reading back what KeyCRM holds. A 422 carries KeyCRM's message.
   */
  put<T>(path: string, body: unknown, options?: KeycrmWriteOptions): Promise<T>
  /** `PUT /order/{id}` with `{ status_id }`: moves an order to another status. */
  updateOrderStatus(id: number, statusId: number, options?: KeycrmWriteOptions): Promise<KeycrmOrder>
  /** `PUT /pipelines/cards/{id}` with `{ status_id }`: moves a funnel card to another status. */
  updateLeadStatus(id: number, statusId: number, options?: KeycrmWriteOptions): Promise<KeycrmLead>
  /** Every item of a paginated list, fetched 50 at a time. */
  listAll<T>(path: string, options?: KeycrmRequestOptions): Promise<T[]>
  /** `GET /order/status`: every order status. */
  orderStatuses(options?: KeycrmRequestOptions): Promise<KeycrmOrderStatus[]>
  /** `GET /order/source`: every order source. */
  orderSources(options?: KeycrmRequestOptions): Promise<KeycrmSource[]>
  /** `GET /users`: every user (managers). */
  users(options?: KeycrmRequestOptions): Promise<KeycrmUser[]>
  /** `GET /pipelines`: every funnel. */
  pipelines(options?: KeycrmRequestOptions): Promise<KeycrmPipeline[]>
  /** `GET /pipelines/{id}/statuses`: the statuses of one funnel. */
  pipelineStatuses(pipelineId: number, options?: KeycrmRequestOptions): Promise<KeycrmPipelineStatus[]>
  /** `GET /order/{id}` with `include` (default {@link DEFAULT_ORDER_INCLUDE}). */
  order(id: number, options?: KeycrmRequestOptions & { include?: string }): Promise<KeycrmOrder>
  /** `GET /pipelines/cards/{id}` with `include` (default {@link DEFAULT_LEAD_INCLUDE}). */
  lead(id: number, options?: KeycrmRequestOptions & { include?: string }): Promise<KeycrmLead>
  /** `GET /offers?filter[sku]=...&include=product`: the offers with these SKUs, all pages. */
  offersBySku(skus: readonly string[], options?: KeycrmRequestOptions): Promise<KeycrmOffer[]>
}

// A misbehaving API (total growing while we page) must not keep us paging for ever: 100 pages are 5 000 items.
const MAX_PAGES = 100

function buildQuery(query: KeycrmRequestOptions['query']): string {
  if (query === undefined) return ''
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue
    params.set(key, Array.isArray(value) ? value.join(',') : String(value))
  }
  const text = params.toString()
  return text === '' ? '' : `?${text}`
}

/** Seconds or an HTTP date, as RFC 9110 allows; `undefined` when absent or unreadable. */
export function parseRetryAfter(header: string | null, now: number): number | undefined {
  if (header === null || header.trim() === '') return undefined
  const seconds = Number(header)
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const date = Date.parse(header)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

/** The error kind of an HTTP status KeyCRM answered with. */
function kindOfStatus(status: number): KeycrmApiError['kind'] {
  if (status === 401 || status === 403) return 'unauthorized'
  if (status === 404) return 'not_found'
  if (status === 429) return 'rate_limited'
  return status >= 500 ? 'server_error' : 'bad_request'
}

/** KeyCRM's `message` from an error reply (a 422 says what it refused), at most 200 characters. */
async function replyMessage(response: Response): Promise<string> {
  try {
    const reply = (await response.json()) as { message?: unknown }
    return typeof reply?.message === 'string' ? reply.message.slice(0, 200) : ''
  } catch {
    return ''
  }
}

function positiveId(id: number, what: string): number {
  if (!Number.isSafeInteger(id) || id < 1) throw new TypeError(`KeyCRM ${what} id must be a positive integer`)
  return id
}

/**
 * Creates a client. One client per API key: the rate limit is shared by everything it sends.
 *
 * @throws {TypeError} when `apiKey` is empty or `baseUrl` is not an http(s) URL.
 * @example
 * ```ts
 * const keycrm = createKeycrmClient({ apiKey: env.KEYCRM_API_KEY })
 * const order = await keycrm.order(67526, { signal: AbortSignal.timeout(3000) })
 * ```
 */
export function createKeycrmClient(options: KeycrmClientOptions): KeycrmClient {
  const apiKey = options.apiKey?.trim() ?? ''
  if (apiKey === '') throw new TypeError('createKeycrmClient: apiKey is required')
  const baseUrl = (options.baseUrl ?? KEYCRM_API_URL).replace(/\/+$/, '')
  if (!/^https?:\/\/[^/]/.test(baseUrl))
    throw new TypeError('createKeycrmClient: baseUrl must be an http(s) URL')
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis)
  const clock = options.clock ?? systemClock
  const random = options.random ?? Math.random
  const retries = options.retries ?? 2
  const rateLimitRetries = options.rateLimitRetries ?? 5
  const backoff = { baseMs: options.backoff?.baseMs ?? 300, capMs: options.backoff?.capMs ?? 5_000 }
  const defaultRetryAfterMs = options.defaultRetryAfterMs ?? 5_000
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000
  const limiter = createRequestLimiter({
    limit: options.rateLimit?.limit ?? 60,
    windowMs: (options.rateLimit?.windowMs ?? 60_000) + (options.rateLimit?.marginMs ?? 1_000),
    clock,
    ...(options.budgets === undefined
      ? {}
      : {
          shared: {
            budgets: options.budgets,
            key: keycrmBudgetKey(apiKey),
            ...(options.onBudgetError === undefined ? {} : { onError: options.onBudgetError }),
          },
        }),
  })
  const headers = { Accept: 'application/json', Authorization: `Bearer ${apiKey}` }

  // Whatever a runtime puts into a network error message, the key must not travel with it.
  const redact = (text: string) => text.split(apiKey).join('***')

  async function send(
    path: string,
    url: string,
    signal: AbortSignal | undefined,
    write?: { method: 'PUT'; body: string },
  ): Promise<Response> {
    const timeout = AbortSignal.timeout(requestTimeoutMs)
    const combined = signal === undefined ? timeout : AbortSignal.any([signal, timeout])
    const init: RequestInit =
      write === undefined
        ? { method: 'GET', headers, signal: combined }
        : {
            method: write.method,
            headers: { ...headers, 'Content-Type': 'application/json' },
            body: write.body,
            signal: combined,
          }
    try {
      return await fetchImpl(url, init)
    } catch (error) {
      if (signal?.aborted) throw signal.reason
      if (timeout.aborted || isAbortError(error))
        throw new KeycrmApiError('timeout', path, `no reply within ${requestTimeoutMs} ms`)
      throw new KeycrmApiError('network', path, redact(String((error as Error)?.message ?? error)), null)
    }
  }

  async function get<T>(path: string, requestOptions: KeycrmRequestOptions = {}): Promise<T> {
    const { signal } = requestOptions
    const url = `${baseUrl}${path}${buildQuery(requestOptions.query)}`
    let failures = 0
    let limited = 0
    for (;;) {
      await limiter.acquire(signal, requestOptions.priority)
      let response: Response
      try {
        response = await send(path, url, signal)
      } catch (error) {
        if (!(error instanceof KeycrmApiError) || failures >= retries) throw error
        failures++
        await pause(backoffDelayMs(failures, backoff, random), signal)
        continue
      }
      if (response.ok) {
        try {
          return (await response.json()) as T
        } catch (error) {
          if (signal?.aborted) throw signal.reason
          throw new KeycrmApiError('invalid_response', path, 'the reply is not JSON', response.status, error)
        }
      }
      // The body is not needed; reading it frees the connection for reuse.
      await response.body?.cancel().catch(() => {})
      const { status } = response
      if (status === 429) {
        const waitMs =
          parseRetryAfter(response.headers.get('retry-after'), clock.now()) ?? defaultRetryAfterMs
        limiter.pauseUntil(clock.now() + waitMs)
        if (limited >= rateLimitRetries)
          throw new KeycrmApiError('rate_limited', path, `HTTP 429 after ${limited} retries`, status)
        limited++
        continue
      }
      if (status === 401 || status === 403)
        throw new KeycrmApiError('unauthorized', path, `HTTP ${status}: check the KeyCRM API key`, status)
      if (status === 404) throw new KeycrmApiError('not_found', path, 'HTTP 404', status)
      if (status >= 500 && failures < retries) {
        failures++
        await pause(backoffDelayMs(failures, backoff, random), signal)
        continue
      }
      throw new KeycrmApiError(status >= 500 ? 'server_error' : 'bad_request', path, `HTTP ${status}`, status)
    }
  }

  async function put<T>(path: string, body: unknown, requestOptions: KeycrmWriteOptions = {}): Promise<T> {
    const { signal } = requestOptions
    const write = { method: 'PUT' as const, body: JSON.stringify(body) }
    for (let limited = 0; ; limited++) {
      await limiter.acquire(signal, requestOptions.priority)
      const response = await send(path, `${baseUrl}${path}`, signal, write)
      if (response.ok) {
        try {
          return (await response.json()) as T
        } catch (error) {
          if (signal?.aborted) throw signal.reason
          throw new KeycrmApiError('invalid_response', path, 'the reply is not JSON', response.status, error)
        }
      }
      const { status } = response
      const detail = await replyMessage(response)
      if (status === 429 && limited < rateLimitRetries) {
        const waitMs =
          parseRetryAfter(response.headers.get('retry-after'), clock.now()) ?? defaultRetryAfterMs
        limiter.pauseUntil(clock.now() + waitMs)
        continue
      }
      throw new KeycrmApiError(
        kindOfStatus(status),
        path,
        `HTTP ${status}${detail === '' ? '' : `: ${detail}`}`,
        status,
      )
    }
  }

  async function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
    await clock.sleep(ms, signal)
    if (signal?.aborted) throw signal.reason
  }

  async function listAll<T>(path: string, requestOptions: KeycrmRequestOptions = {}): Promise<T[]> {
    const items: T[] = []
    for (let page = 1; page <= MAX_PAGES; page++) {
      const reply = await get<KeycrmPage<T>>(path, {
        ...requestOptions,
        query: { ...requestOptions.query, limit: KEYCRM_PAGE_LIMIT, page },
      })
      if (!Array.isArray(reply?.data)) throw new KeycrmApiError('invalid_response', path, 'no data array')
      items.push(...reply.data)
      const total = Number(reply.total)
      const done =
        reply.data.length < KEYCRM_PAGE_LIMIT ||
        (Number.isFinite(total) && items.length >= total) ||
        reply.next_page_url === null
      if (done) return items
    }
    return items
  }

  return {
    baseUrl,
    limiter,
    get,
    put,
    updateOrderStatus: (id, statusId, o) =>
      put<KeycrmOrder>(`/order/${positiveId(id, 'order')}`, { status_id: positiveId(statusId, 'status') }, o),
    updateLeadStatus: (id, statusId, o) =>
      put<KeycrmLead>(
        `/pipelines/cards/${positiveId(id, 'card')}`,
        { status_id: positiveId(statusId, 'status') },
        o,
      ),
    listAll,
    orderStatuses: (o) => listAll<KeycrmOrderStatus>('/order/status', o),
    orderSources: (o) => listAll<KeycrmSource>('/order/source', o),
    users: (o) => listAll<KeycrmUser>('/users', o),
    pipelines: (o) => listAll<KeycrmPipeline>('/pipelines', o),
    pipelineStatuses: (pipelineId, o) =>
      listAll<KeycrmPipelineStatus>(`/pipelines/${positiveId(pipelineId, 'funnel')}/statuses`, o),
    order: (id, o = {}) =>
      get<KeycrmOrder>(`/order/${positiveId(id, 'order')}`, {
        ...o,
        query: { ...o.query, include: o.include ?? DEFAULT_ORDER_INCLUDE },
      }),
    async lead(id, o = {}) {
      const reply = await get<KeycrmLead | KeycrmPage<KeycrmLead>>(
        `/pipelines/cards/${positiveId(id, 'card')}`,
        {
          ...o,
          query: { ...o.query, include: o.include ?? DEFAULT_LEAD_INCLUDE },
        },
      )
      // The OpenAPI text documents this reply as a page of cards; accept both that and a bare card.
      if (reply !== null && typeof reply === 'object' && 'data' in reply && Array.isArray(reply.data)) {
        const card = reply.data[0]
        if (card === undefined) throw new KeycrmApiError('not_found', `/pipelines/cards/${id}`, 'empty page')
        return card
      }
      return reply as KeycrmLead
    },
    offersBySku(skus, o = {}) {
      if (skus.length === 0) return Promise.resolve([])
      return listAll<KeycrmOffer>('/offers', {
        ...o,
        query: { ...o.query, 'filter[sku]': skus, include: 'product' },
      })
    },
  }
}
