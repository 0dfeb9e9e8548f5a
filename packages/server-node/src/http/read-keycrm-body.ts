/**
 * Reading either kind of KeyCRM webhook from one URL: an object `{event, context}` (order and funnel
 * triggers) or an array `[{offer_id, sku, in_stock, in_reserve}]` (the stock-balance webhook).
 *
 * The body is read once, up to the larger of the two limits, and told apart by its first character, so
 * an order webhook costs what it did before (one `JSON.parse`) and an order body over its own (smaller)
 * limit is still refused with 413.
 *
 * @module
 */
import {
  type KeycrmEvent,
  parseStockWebhookText,
  parseWebhookText,
  payloadTooLarge,
  readLimitedBody,
  readWebhook,
  type StockBalanceRow,
} from '@keygram/core'
import {
  declaresMoreThan,
  decodeUtf8Body,
  drainThenRefuse,
  isJsonish,
  nodeRequestOf,
  readLimited,
  readWebhookRequest,
} from './read-webhook.ts'

/** A read webhook: an event, or the rows of a stock-balance webhook. */
export type KeycrmWebhookBody =
  | { kind: 'event'; event: KeycrmEvent }
  | { kind: 'stock'; rows: StockBalanceRow[] }

/** Limits of {@link readKeycrmBody}. */
export interface ReadKeycrmBodyLimits {
  /** Largest order or funnel webhook, in bytes. */
  maxBytes: number
  /** Largest stock-balance webhook, in bytes; `null`: arrays are not accepted (refused as core refuses them). */
  stockMaxBytes: number | null
}

/**
 * Reads, checks and parses a webhook request of either kind, with core's checks and errors (405, 415,
 * 413, 400 with the field path; a bad stock row is named by index, e.g. `[12].in_stock`).
 */
export async function readKeycrmBody(
  request: Request,
  limits: ReadKeycrmBodyLimits,
): Promise<KeycrmWebhookBody> {
  const { maxBytes, stockMaxBytes } = limits
  if (stockMaxBytes === null) return { kind: 'event', event: await readWebhookRequest(request, maxBytes) }
  // Wrong methods and content types get core's own answers (405 with the "choose POST" advice, 415).
  if (request.method !== 'POST' || !isJsonish(request.headers.get('content-type')))
    return { kind: 'event', event: await readWebhook(request, { maxBytes }) }
  const limit = Math.max(maxBytes, stockMaxBytes)
  const declared = request.headers.get('content-length')
  const req = nodeRequestOf(request)
  if (declaresMoreThan(declared, limit)) {
    const error = payloadTooLarge(limit, `content-length ${declared}`)
    if (req !== null) return drainThenRefuse(req, error)
    discard(request.body)
    throw error
  }
  const bytes = req !== null ? await readLimited(req, limit) : await readLimitedBody(request.body, limit)
  return parseKeycrmBody(bytes, limits)
}

/**
 * Decodes and parses a body read up to the larger limit, told apart by its first character: an array is
 * a stock-balance webhook (when `stockMaxBytes` allows them), anything else an event within `maxBytes`.
 */
export function parseKeycrmBody(bytes: Uint8Array, limits: ReadKeycrmBodyLimits): KeycrmWebhookBody {
  const { maxBytes, stockMaxBytes } = limits
  const text = decodeUtf8Body(bytes)
  if (stockMaxBytes !== null && firstCharacter(text) === '[')
    return { kind: 'stock', rows: parseStockWebhookText(text, { maxBytes: stockMaxBytes }) }
  if (bytes.byteLength > maxBytes) throw payloadTooLarge(maxBytes, `${bytes.byteLength} bytes`)
  return { kind: 'event', event: parseWebhookText(text, { maxBytes }) }
}

function firstCharacter(text: string): string | undefined {
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!
    if (char !== ' ' && char !== '\n' && char !== '\r' && char !== '\t') return char
  }
  return undefined
}

function discard(body: ReadableStream<Uint8Array> | null): void {
  if (body !== null && !body.locked) body.cancel().catch(() => {})
}
