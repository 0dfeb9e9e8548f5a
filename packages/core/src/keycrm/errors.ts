/**
 * Errors of the KeyCRM REST client, classified so callers can tell "the API key is wrong" from "KeyCRM
 * is down" without parsing messages.
 *
 * @module
 */

/** Why a KeyCRM API call failed. */
export type KeycrmErrorKind =
  /** 401/403: the API key is missing, wrong or revoked. Never retried. */
  | 'unauthorized'
  /** 404: no such order, card or funnel. */
  | 'not_found'
  /** 429 that outlasted the client's patience (caller's signal or retry limit). */
  | 'rate_limited'
  /** 5xx after the retries. */
  | 'server_error'
  /** Any other 4xx (e.g. 422 validation). */
  | 'bad_request'
  /** No reply: connection refused or reset, DNS... (after the retries). */
  | 'network'
  /** A single request took longer than the client's request timeout (after the retries). */
  | 'timeout'
  /** The reply was not the JSON the API documents. */
  | 'invalid_response'

/** A failed KeyCRM API call. The message names the method and path, never the API key. */
export class KeycrmApiError extends Error {
  override readonly name = 'KeycrmApiError'
  readonly kind: KeycrmErrorKind
  /** HTTP status, when a reply came. */
  readonly status: number | null
  /** The request path (no host, no key), e.g. `/order/67526`. */
  readonly path: string

  constructor(
    kind: KeycrmErrorKind,
    path: string,
    detail: string,
    status: number | null = null,
    cause?: unknown,
  ) {
    super(`KeyCRM API ${path}: ${detail}`, cause === undefined ? undefined : { cause })
    this.kind = kind
    this.status = status
    this.path = path
  }
}

/** Whether `error` is the abort of a signal (the caller gave up), not a failure of KeyCRM. */
export function isAbortError(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    'name' in error &&
    (error.name === 'AbortError' || error.name === 'TimeoutError')
  )
}
