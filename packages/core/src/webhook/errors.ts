/**
 * The one error type webhook parsing throws.
 *
 * @module
 */

/** Why a webhook was refused. Each code maps to one HTTP status (see {@link KeycrmWebhookError.status}). */
export type KeycrmWebhookErrorCode =
  | 'invalid_json'
  | 'not_an_object'
  | 'missing_event'
  | 'invalid_event'
  | 'missing_context'
  | 'invalid_context'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'method_not_allowed'
  | 'invalid_encoding'
  | 'empty_body'

/** The HTTP status a server should answer for each {@link KeycrmWebhookErrorCode}. */
export const KEYCRM_WEBHOOK_ERROR_STATUS: Readonly<Record<KeycrmWebhookErrorCode, 400 | 405 | 413 | 415>> = {
  invalid_json: 400,
  not_an_object: 400,
  missing_event: 400,
  invalid_event: 400,
  missing_context: 400,
  invalid_context: 400,
  payload_too_large: 413,
  unsupported_media_type: 415,
  method_not_allowed: 405,
  invalid_encoding: 400,
  empty_body: 400,
}

/** The JSON body a server can answer a refused webhook with. */
export interface KeycrmWebhookErrorJson {
  error: KeycrmWebhookErrorCode
  message: string
  path: string | null
}

/**
 * A webhook body or request Keygram refuses. Messages name the offending field path and never
 * contain the request URL (where the webhook secret lives).
 */
export class KeycrmWebhookError extends Error {
  /** Machine-readable reason. */
  readonly code: KeycrmWebhookErrorCode
  /** The HTTP status a server should answer: 400, 405, 413 or 415. */
  readonly status: 400 | 405 | 413 | 415
  /** The offending field path such as `context.status_id`, or `null` when the whole request is at fault. */
  readonly path: string | null

  /** Builds the error; `message` should start with the path when there is one. */
  constructor(
    code: KeycrmWebhookErrorCode,
    message: string,
    path: string | null = null,
    options?: ErrorOptions,
  ) {
    super(message, options)
    this.name = 'KeycrmWebhookError'
    this.code = code
    this.status = KEYCRM_WEBHOOK_ERROR_STATUS[code]
    this.path = path
  }

  /** The answer body: `{ error, message, path }`. */
  toJSON(): KeycrmWebhookErrorJson {
    return { error: this.code, message: this.message, path: this.path }
  }
}

/**
 * Whether `error` is a {@link KeycrmWebhookError}. Checks the shape too, so it also recognises errors
 * thrown by a second copy of this package (duplicated installs, bundles).
 */
export function isKeycrmWebhookError(error: unknown): error is KeycrmWebhookError {
  if (error instanceof KeycrmWebhookError) return true
  if (!(error instanceof Error) || error.name !== 'KeycrmWebhookError') return false
  const code = (error as { code?: unknown }).code
  return typeof code === 'string' && Object.hasOwn(KEYCRM_WEBHOOK_ERROR_STATUS, code)
}

/**
 * A short, log-safe description of a received value for error messages: short primitives are
 * quoted, long strings truncated, objects and arrays named by type only (they may be large or personal).
 */
export function describeReceived(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  switch (typeof value) {
    case 'string':
      // JSON quoting escapes newlines and quotes, so a value cannot forge a log line.
      return value.length > 32 ? `a string of ${value.length} characters` : JSON.stringify(value)
    case 'number':
    case 'boolean':
      return String(value)
    case 'object':
      return 'an object'
    case 'undefined':
      return 'nothing'
    default:
      return `a ${typeof value}`
  }
}
