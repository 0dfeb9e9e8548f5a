/**
 * Parsing of KeyCRM webhook bodies into the typed {@link KeycrmEvent} union.
 *
 * @module
 */
import { describeReceived, KeycrmWebhookError } from './errors.ts'
import { assertTextWithin, resolveMaxBytes } from './limits.ts'
import { copySafeObject, isPlainObject, isSafeJsonObject, type JsonObject } from './safe-copy.ts'
import { readLeadContext, readOrderContext } from './schemas.ts'
import type { KeycrmEvent, KeycrmLeadContext, KeycrmOrderContext } from './types.ts'

/** Options of {@link parseWebhookText}. */
export interface ParseWebhookTextOptions {
  /** The largest body accepted, in UTF-8 bytes. Default 1 MiB (1_048_576). */
  maxBytes?: number
}

// Names longer than this are junk; a real one ("order.change_payment_status") is 27 characters.
const MAX_EVENT_NAME_LENGTH = 200
// C0 and C1 control characters: a name with them would corrupt log lines and delivery keys.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/

/**
 * Parses an already JSON-parsed webhook body.
 *
 * `order.change_order_status` and `order.change_payment_status` give a {@link KeycrmOrderContext},
 * `lead.change_lead_status` a {@link KeycrmLeadContext}; any other event name gives an
 * `UnknownKeycrmEvent` (never refused). Contexts are copied: the result shares nothing with `body`,
 * and the keys `__proto__`, `constructor` and `prototype` are dropped at every depth.
 *
 * @throws {KeycrmWebhookError} `not_an_object`, `missing_event`, `invalid_event`, `missing_context`
 * or `invalid_context` (with the field path, e.g. `context.status_id`).
 */
export function parseWebhook(body: unknown): KeycrmEvent {
  return parseBody(body, false)
}

/**
 * `fresh`: `body` came from `JSON.parse` here and nobody else holds it, so a context that is already safe
 * (the usual case) is kept as it is instead of copied.
 */
function parseBody(body: unknown, fresh: boolean): KeycrmEvent {
  if (!isPlainObject(body)) throw notAnObject(body)
  const event = readEventName(body.event)
  const context = body.context
  if (context === undefined || context === null) {
    throw new KeycrmWebhookError(
      'missing_context',
      'context: missing; a KeyCRM webhook body is {"event": "...", "context": {...}}',
      'context',
    )
  }
  if (!isPlainObject(context)) {
    throw new KeycrmWebhookError(
      'invalid_context',
      `context: expected an object, got ${describeReceived(context)}`,
      'context',
    )
  }
  const raw =
    fresh && isSafeJsonObject(context) ? (context as JsonObject) : copySafeObject(context, 'context')
  switch (event) {
    case 'order.change_order_status':
      return { kind: 'order_status', event, context: readOrderContext(raw) }
    case 'order.change_payment_status':
      return { kind: 'payment_status', event, context: readOrderContext(raw) }
    case 'lead.change_lead_status':
      return { kind: 'lead_status', event, context: readLeadContext(raw) }
    default:
      return { kind: 'unknown', event, context: raw }
  }
}

/**
 * Parses a webhook body from its JSON text.
 *
 * @throws {KeycrmWebhookError} `payload_too_large` (over `maxBytes` UTF-8 bytes), `empty_body`,
 * `invalid_json`, or any error of {@link parseWebhook}.
 */
export function parseWebhookText(text: string, options: ParseWebhookTextOptions = {}): KeycrmEvent {
  const maxBytes = resolveMaxBytes(options.maxBytes)
  assertTextWithin(text, maxBytes)
  return parseWebhookJson(text)
}

/** {@link parseWebhookText} without the size check, for callers that counted the bytes already. */
export function parseWebhookJson(text: string): KeycrmEvent {
  return parseBody(parseJsonBody(text), true)
}

/** A body's JSON value, or the `empty_body` / `invalid_json` error naming what is wrong with it. */
export function parseJsonBody(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch (error) {
    if (text.trim() === '') throw emptyBody()
    const detail = error instanceof Error ? error.message.slice(0, 120) : 'unreadable'
    throw new KeycrmWebhookError('invalid_json', `The webhook body is not valid JSON: ${detail}`, null, {
      cause: error,
    })
  }
}

/** The error for a body with no content. */
export function emptyBody(): KeycrmWebhookError {
  return new KeycrmWebhookError(
    'empty_body',
    'The webhook body is empty; KeyCRM must POST {"event": "...", "context": {...}}.',
  )
}

function readEventName(event: unknown): string {
  if (event === undefined || event === null) {
    throw new KeycrmWebhookError(
      'missing_event',
      'event: missing; a KeyCRM webhook body is {"event": "...", "context": {...}}',
      'event',
    )
  }
  if (typeof event !== 'string' || event.trim() === '') {
    throw new KeycrmWebhookError(
      'invalid_event',
      `event: expected a non-empty string, got ${describeReceived(event)}`,
      'event',
    )
  }
  if (event.length > MAX_EVENT_NAME_LENGTH || CONTROL_CHARACTERS.test(event)) {
    throw new KeycrmWebhookError(
      'invalid_event',
      `event: expected an event name of at most ${MAX_EVENT_NAME_LENGTH} characters without control characters, got ${describeReceived(event)}`,
      'event',
    )
  }
  return event
}

function notAnObject(body: unknown): KeycrmWebhookError {
  if (Array.isArray(body)) {
    const hint = looksLikeStockBalance(body)
      ? 'It looks like a KeyCRM stock-balance webhook ([{offer_id, sku, in_stock, in_reserve}]): parse it with parseStockWebhook, not parseWebhook.'
      : 'KeyCRM sends arrays only from its stock-balance webhook: parse those with parseStockWebhook.'
    return new KeycrmWebhookError(
      'not_an_object',
      `The webhook body is a JSON array, not an object {"event": "...", "context": {...}}. ${hint}`,
    )
  }
  return new KeycrmWebhookError(
    'not_an_object',
    `The webhook body must be a JSON object {"event": "...", "context": {...}}, got ${describeReceived(body)}.`,
  )
}

function looksLikeStockBalance(body: unknown[]): boolean {
  const first = body[0]
  return isPlainObject(first) && ['offer_id', 'sku', 'in_stock'].some((key) => Object.hasOwn(first, key))
}
