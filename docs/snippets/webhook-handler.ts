import { authenticateWebhook, isKeycrmWebhookError, type Notifier, readWebhook } from '@keygram/core'

// #region handler
/**
 * A web-standard handler for KeyCRM webhooks: mount it on any server that speaks `Request`/`Response`
 * (h3, Hono, `Deno.serve`, `Bun.serve`) at `/webhooks/keycrm/<secret>`.
 */
export function keycrmWebhookHandler(notifier: Notifier, secret: string) {
  return async (request: Request): Promise<Response> => {
    const auth = await authenticateWebhook(request, { secret })
    if (!auth.ok)
      return Response.json({ error: auth.reason }, { status: auth.reason === 'missing_secret' ? 401 : 404 })
    try {
      const event = await readWebhook(request) // 405 for GET, 413 too large, 415 not JSON, 400 bad fields
      const { status, deliveryKey } = await notifier.accept(event) // durable before we answer
      return Response.json({ status, deliveryKey }, { status: 202 })
    } catch (error) {
      if (isKeycrmWebhookError(error)) return Response.json(error.toJSON(), { status: error.status })
      return Response.json({ error: 'store_unavailable' }, { status: 503 }) // KeyCRM retries
    }
  }
}
// #endregion handler
