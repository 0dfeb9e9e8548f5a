/**
 * How the webhook route refuses a request: the metric by reason, one warning line (never the secret), and
 * the JSON error, on a connection that is then closed.
 *
 * @module
 */
import type { KeycrmWebhookError } from '@keygram/core'
import { errorText } from '../error-text.ts'
import { jsonError } from '../http/responses.ts'
import type { KeygramMetrics } from '../metrics/index.ts'
import type { AppLogger } from './app-logger.ts'

const CLOSE = { connection: 'close' }
const CLOSE_ALLOW_POST = { connection: 'close', allow: 'POST' }

/** The refusals of one webhook app. */
export interface Refusals {
  /** Refuses with `status`, counted under `reason`; `client` is appended to the log line. */
  refuse(client: string, status: number, reason: string, message: string, path?: string | null): Response
  /** Refuses with what a parse error says (status, code, message, field path). */
  refuseError(error: KeycrmWebhookError, client: string): Response
  /** The client went away mid-body: nothing to answer, nothing was accepted. */
  aborted(error: unknown): Response
}

/** Creates the refusals over the app's metrics and logger. */
export function createRefusals(metrics: KeygramMetrics, logger: AppLogger): Refusals {
  function refuse(
    client: string,
    status: number,
    reason: string,
    message: string,
    path: string | null = null,
  ): Response {
    metrics.webhooksRejected.inc({ reason })
    logger.warn(
      `webhook refused ${status} ${reason}${path === null ? '' : ` at ${path}`}: ${message}${client}`,
    )
    // The body may be unread (or cut off): the connection cannot carry another request, so close it
    // instead of leaving a half-read socket open (it would also hold up a graceful shutdown).
    return jsonError(status, reason, message, path, status === 405 ? CLOSE_ALLOW_POST : CLOSE)
  }
  return {
    refuse,
    refuseError: (error, client) => refuse(client, error.status, error.code, error.message, error.path),
    aborted(error) {
      metrics.webhooksRejected.inc({ reason: 'aborted' })
      logger.debug(`webhook body could not be read: ${errorText(error)}`)
      return jsonError(400, 'aborted', 'The request body could not be read.')
    },
  }
}

/** ` (from <ip>)` when the runtime knows the client's address, else empty. */
export function clientOf(request: Request): string {
  const ip = (request as Request & { ip?: string }).ip
  return typeof ip === 'string' && ip !== '' ? ` (from ${ip})` : ''
}

/**
 * Lets the runtime drop a body nobody will read. Under srvx the Node request is drained directly: touching
 * `request.body` would first wrap it in a web stream only to cancel it.
 */
export function discardBody(request: Request): void {
  const req = (request as Request & { runtime?: { node?: { req?: { resume(): unknown } } } }).runtime?.node
    ?.req
  if (req !== undefined) {
    req.resume()
    return
  }
  const body = request.body
  if (body !== null && !body.locked) body.cancel().catch(() => {})
}
