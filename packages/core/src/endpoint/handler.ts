/**
 * The KeyCRM webhook endpoint as one web-standard handler: `Request` in, `Response` out.
 *
 * @module
 */
import { type AuthenticateWebhookOptions, authenticateWebhook } from '../auth/authenticate.ts'
import { DEFAULT_WEBHOOK_PATH_PREFIX } from '../auth/extract-secret.ts'
import type { AcceptResult, Notifier } from '../delivery/notifier.ts'
import { isKeycrmWebhookError } from '../webhook/errors.ts'
import { type ReadWebhookOptions, readWebhook } from '../webhook/read.ts'

/** Options of {@link createKeycrmWebhookHandler}. */
export interface KeycrmWebhookHandlerOptions
  extends Omit<AuthenticateWebhookOptions, 'secret'>,
    ReadWebhookOptions {
  /** Routes and durably queues each event (`createNotifier`). */
  notifier: Pick<Notifier, 'accept'>
  /** The webhook secret: the last segment of the URL given to KeyCRM (or `?secret=`). */
  secret: string
  /** Told of every accepted event (for a log line or a metric); what it throws is ignored. */
  onAccepted?: (result: AcceptResult) => void
  /** Told when the notifier could not queue an event (the store is down); answered 503 either way. */
  onError?: (error: unknown) => void
}

/**
 * A handler of KeyCRM webhooks at `<pathPrefix>/<secret>` (default `/webhooks/keycrm/<secret>`), answering
 * as the Keygram server does:
 *
 * - `200 {status, deliveryKey}` once `notifier.accept()` resolved, so a 2xx means "durably queued" (KeyCRM
 *   expects a 200); `status` is `queued`, `duplicate` (a KeyCRM retry, not sent again) or `unrouted`;
 * - `401` without a secret, `404` with a wrong one (the URL does not exist for whoever lacks it);
 * - `405` for GET (pick POST in the KeyCRM trigger), `413`, `415`, `400` with the field `path`, as
 *   `readWebhook` refuses;
 * - `503` when the store cannot take the event: KeyCRM retries.
 *
 * Errors are `{error, message, path}`. It is web-standard: mount it on Deno, Bun, h3 or Hono as it is, and on
 * `node:http` or Express with {@link toNodeListener}.
 *
 * @example
 * ```ts
 * const handler = createKeycrmWebhookHandler({ notifier, secret: process.env.WEBHOOK_SECRET! })
 * Deno.serve(handler) // or: createServer(toNodeListener(handler)).listen(9000)
 * ```
 */
export function createKeycrmWebhookHandler(
  options: KeycrmWebhookHandlerOptions,
): (request: Request) => Promise<Response> {
  const { notifier, onAccepted, onError, ...rest } = options
  const prefix = (options.pathPrefix ?? DEFAULT_WEBHOOK_PATH_PREFIX).replace(/\/+$/, '')
  return async (request) => {
    const auth = await authenticateWebhook(request, rest)
    if (!auth.ok) {
      return auth.reason === 'missing_secret'
        ? refusal(401, 'missing_secret', `The webhook URL must end with the secret: ${prefix}/<secret>.`)
        : refusal(404, 'wrong_secret', 'No webhook endpoint at this URL: check the secret at its end.')
    }
    let result: AcceptResult
    try {
      result = await notifier.accept(await readWebhook(request, rest))
    } catch (error) {
      if (isKeycrmWebhookError(error)) return Response.json(error.toJSON(), { status: error.status })
      notify(onError, error)
      return refusal(503, 'store_unavailable', 'The event could not be queued right now; KeyCRM will retry.')
    }
    notify(onAccepted, result)
    return Response.json({ status: result.status, deliveryKey: result.deliveryKey })
  }
}

function refusal(status: number, error: string, message: string): Response {
  return Response.json({ error, message, path: null }, { status })
}

function notify<T>(listener: ((value: T) => void) | undefined, value: T): void {
  try {
    listener?.(value)
  } catch {
    // A broken listener must not turn a queued event into an error KeyCRM would retry.
  }
}
