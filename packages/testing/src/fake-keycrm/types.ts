/**
 * Public shapes of the fake KeyCRM API.
 *
 * @module
 */
import type { FakeKeycrmData, FakeRecord } from './data.ts'
import type { FakeKeycrmWebhook } from './webhooks.ts'

/** A fault the fake applies to matching requests. */
export interface FakeKeycrmFault {
  /**
   * `down`: the connection is reset without a reply; `server_error`: a 5xx (`status`, default 500);
   * `http_error`: any error status (`status`, default 500) with KeyCRM's body for it (401 "Unauthenticated.",
   * 404 "Not found", 422 Laravel's validation shape, 5xx "Server Error"); `slow`: the normal reply after
   * `delayMs`; `rate_limited`: a 429 with `Retry-After: retryAfterSeconds`.
   */
  kind: 'down' | 'server_error' | 'http_error' | 'slow' | 'rate_limited'
  /** Only requests whose path (after `/v1`) starts with this string or matches this pattern. Default all. */
  path?: string | RegExp
  /** Only requests with this HTTP method (`'PUT'`, `'GET'`; any case). Default all. */
  method?: string
  /** How many requests it hits; default every one until {@link FakeKeycrmApi.clearFaults}. */
  times?: number
  /** HTTP status of `server_error` and `http_error`. Default 500. */
  status?: number
  /** The JSON body of `server_error` and `http_error`, instead of KeyCRM's for the status. */
  body?: Record<string, unknown>
  /** Delay of `slow`, in ms. Default 5 000. */
  delayMs?: number
  /** `Retry-After` of `rate_limited`, in seconds; `null` sends none. Default 1. */
  retryAfterSeconds?: number | null
  /**
   * Do the work first, then fail the reply: a write is applied (and its webhook fired) before the connection is
   * reset (`down`), the error is answered (`server_error`, `http_error`) or the reply is held back (`slow`),
   * like a gateway timing out on a KeyCRM that did the change. Default `false`: the fault hits before anything
   * happens (a `slow` request the client gave up on is then never applied). Ignored by `rate_limited`.
   */
  applied?: boolean
}

/** One request the fake received. */
export interface FakeKeycrmRequest {
  method: string
  /** The path after `/v1`, e.g. `/order/67526`. */
  path: string
  query: Record<string, string>
  /** The body of a write (any method but GET): parsed JSON, or the raw text when it is not JSON. */
  body?: unknown
  /** Whether the Bearer key was right. */
  authorized: boolean
  /** The status answered, or `null` for a reset connection (or while the reply is under way). */
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
  /**
   * Where to POST the webhook of every status change, as a KeyCRM trigger with the "Send webhook" action does.
   * Default none (no webhooks).
   */
  webhookUrl?: string
  /** How long after the change the webhook is posted, in ms (KeyCRM's queue, or "after N minutes"). Default 0. */
  webhookDelayMs?: number
  /** The clock of the times a status change writes (`status_changed_at`, `updated_at`), in epoch ms. */
  now?: () => number
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
  /** The requests other than GET (the writes), in order, whatever they were answered, with their bodies. */
  readonly writes: readonly FakeKeycrmRequest[]
  /** Where status changes' webhooks go; set it (or `undefined`) at any time. */
  webhookUrl: string | undefined
  /** The delay of the webhooks fired from now on, in ms. */
  webhookDelayMs: number
  /** The webhooks fired, in order, with the receiver's HTTP status once it answered. */
  readonly webhooks: readonly FakeKeycrmWebhook[]
  /** Resolves when every webhook fired so far has been answered (or has failed). */
  flushWebhooks(): Promise<void>
  /**
   * Change an order's status as a manager in KeyCRM's UI would: the order takes the status and its group and
   * the times, and the webhook fires; no request is recorded and no rate limit is used. Returns the order's
   * columns. Throws for an unknown order or status.
   */
  changeOrderStatus(orderId: number, statusId: number): FakeRecord
  /** {@link changeOrderStatus} for a funnel card; a status of another funnel moves the card there. */
  changeLeadStatus(cardId: number, statusId: number): FakeRecord
  /** Adds a fault; faults are tried in the order added. */
  fault(spec: FakeKeycrmFault): void
  clearFaults(): void
  /** Forgets the requests counted by the rate limit. */
  resetRateLimit(): void
  /** Closes the server and every open connection, and aborts the webhooks under way. */
  close(): Promise<void>
}
