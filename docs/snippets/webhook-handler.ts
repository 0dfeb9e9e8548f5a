import { createServer, type RequestListener, type Server } from 'node:http'
import { createKeycrmWebhookHandler, type Notifier, toNodeListener } from '@keygram/core'

/** As much of an Express app as the snippet uses (`express()` is one). */
interface ExpressApp {
  post(path: string, handler: RequestListener): unknown
}

/** The KeyCRM endpoint on `node:http`: call `.listen(9000)` on what it returns. */
export function keycrmWebhookServer(notifier: Notifier, secret: string): Server {
  // #region handler
  // 200 {status, deliveryKey} once the event is durably queued (KeyCRM expects a 200); 401/404 for a
  // missing or wrong secret, 4xx for a bad request, 503 when the store cannot take it (KeyCRM retries).
  const handleKeycrmWebhook = createKeycrmWebhookHandler({ notifier, secret })

  // node:http: a server of its own, e.g. on port 9000 behind your reverse proxy.
  const server = createServer(toNodeListener(handleKeycrmWebhook))
  // #endregion handler
  return server
}

/** The KeyCRM endpoint on an existing Express app. */
export function mountKeycrmWebhook(app: ExpressApp, notifier: Notifier, secret: string): void {
  // #region express
  // Express (before or after express.json(), under a router or not): the same listener is a handler.
  app.post('/webhooks/keycrm/:secret', toNodeListener(createKeycrmWebhookHandler({ notifier, secret })))
  // #endregion express
}
