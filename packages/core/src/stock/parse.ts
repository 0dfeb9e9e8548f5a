/**
 * Parsing of KeyCRM's stock-balance webhook: a JSON array `[{offer_id, sku, in_stock, in_reserve}]`.
 *
 * @module
 */
import * as v from 'valibot'
import { INVALID, type Invalid, toNumber, toRequiredId, toText } from '../webhook/coerce.ts'
import { describeReceived, KeycrmWebhookError } from '../webhook/errors.ts'
import { assertTextWithin, resolveMaxBytes } from '../webhook/limits.ts'
import { parseJsonBody } from '../webhook/parse.ts'
import { isPlainObject } from '../webhook/safe-copy.ts'
import type { StockBalanceRow } from './types.ts'

/**
 * The default body limit of a stock webhook: 4 MiB. An import can carry thousands of rows; a row is
 * about 80 bytes (95 pretty-printed), so 10 000 rows take under 1 MiB and the limit leaves room for
 * about 45 000 while still bounding what one request can make the server hold.
 */
export const DEFAULT_MAX_STOCK_WEBHOOK_BYTES = 4 * 1_048_576

/** Options of {@link parseStockWebhookText}. */
export interface ParseStockWebhookTextOptions {
  /** The largest body accepted, in UTF-8 bytes. Default {@link DEFAULT_MAX_STOCK_WEBHOOK_BYTES}. */
  maxBytes?: number
}

function column<T>(expected: string, coerce: (value: unknown) => T | Invalid) {
  return v.pipe(
    v.unknown(),
    v.rawTransform<unknown, T>(({ dataset, addIssue, NEVER }) => {
      const result = coerce(dataset.value)
      if (result !== INVALID) return result
      addIssue({ message: `expected ${expected}, got ${describeReceived(dataset.value)}` })
      return NEVER
    }),
  )
}

const requiredNumber = (value: unknown): number | Invalid => {
  const number = toNumber(value)
  return number === null ? INVALID : number
}

const rowSchema = v.object({
  offer_id: column('a positive integer or a numeric string', toRequiredId),
  // An empty SKU names nothing; it reads as no SKU.
  sku: v.optional(
    column('a string', (value) => {
      const text = toText(value)
      return text === '' ? null : text
    }),
    null,
  ),
  in_stock: column('a number or a numeric string', requiredNumber),
  in_reserve: v.optional(
    column('a number or a numeric string', (value) => toNumber(value) ?? 0),
    0,
  ),
})

/**
 * Parses an already JSON-parsed stock-balance webhook body. Rows keep their order; unknown keys are
 * dropped; numbers may arrive as strings; an empty or absent `in_reserve` reads as `0`.
 *
 * @throws {KeycrmWebhookError} `not_an_object` when the body is not an array (an order webhook posted
 * here is named as such), or `invalid_context` naming the first bad row by index, e.g. path
 * `[12].in_stock`.
 */
export function parseStockWebhook(body: unknown): StockBalanceRow[] {
  if (!Array.isArray(body)) throw notAnArray(body)
  const rows: StockBalanceRow[] = new Array(body.length)
  for (let index = 0; index < body.length; index++) {
    const item: unknown = body[index]
    if (!isPlainObject(item)) {
      throw new KeycrmWebhookError(
        'invalid_context',
        `[${index}]: expected an object {offer_id, sku, in_stock, in_reserve}, got ${describeReceived(item)}`,
        `[${index}]`,
      )
    }
    const result = v.safeParse(rowSchema, item, { abortEarly: true })
    if (!result.success) {
      const issue = result.issues[0]
      const key = issue.path?.[0]?.key
      const path = key === undefined ? `[${index}]` : `[${index}].${String(key)}`
      const reason = issue.type === 'raw_transform' ? issue.message : 'missing, it is required'
      throw new KeycrmWebhookError('invalid_context', `${path}: ${reason}`, path)
    }
    rows[index] = result.output
  }
  return rows
}

/**
 * Parses a stock-balance webhook from its JSON text.
 *
 * @throws {KeycrmWebhookError} `payload_too_large` (over `maxBytes` UTF-8 bytes), `empty_body`,
 * `invalid_json`, or any error of {@link parseStockWebhook}.
 */
export function parseStockWebhookText(
  text: string,
  options: ParseStockWebhookTextOptions = {},
): StockBalanceRow[] {
  const maxBytes = resolveMaxBytes(options.maxBytes ?? DEFAULT_MAX_STOCK_WEBHOOK_BYTES)
  assertTextWithin(text, maxBytes)
  return parseStockWebhook(parseJsonBody(text))
}

/** Whether a parsed JSON body is a stock-balance webhook (an array) rather than an event object. */
export function isStockWebhookBody(body: unknown): body is unknown[] {
  return Array.isArray(body)
}

function notAnArray(body: unknown): KeycrmWebhookError {
  const hint =
    isPlainObject(body) && Object.hasOwn(body, 'event')
      ? ' This looks like an order or funnel webhook {"event": ..., "context": ...}: send it to the order webhook URL.'
      : ''
  return new KeycrmWebhookError(
    'not_an_object',
    `A stock-balance webhook body must be a JSON array [{offer_id, sku, in_stock, in_reserve}], got ${describeReceived(body)}.${hint}`,
  )
}
