/**
 * `@keygram/core` on Deno with `Deno.serve`: a KeyCRM webhook endpoint, the notifier and a delivery worker
 * that sends with `fetch`. Nothing but web standards, so the same code runs on Bun or an edge runtime.
 *
 * Run: `deno run --allow-net --allow-env main.ts` with `BOT_TOKEN`, `WEBHOOK_SECRET` and `CHAT_ID` set
 * (see README.md). Inside this repository `deno.json` maps `@keygram/core` to the sources; in your project
 * map it to `jsr:@keygram/core` or `npm:@keygram/core`.
 *
 * @module
 */
import {
  authenticateWebhook,
  createDeliveryWorker,
  createFetchTransport,
  createNotifier,
  isKeycrmWebhookError,
  memoryStore,
  type Notifier,
  readWebhook,
} from '@keygram/core'

function env(name: string, fallback?: string): string {
  const value = Deno.env.get(name) ?? fallback
  if (value === undefined || value === '') throw new Error(`${name} is required (see README.md)`)
  return value
}

const token = env('BOT_TOKEN')
const secret = env('WEBHOOK_SECRET')
const chatId = env('CHAT_ID')
const apiRoot = env('TELEGRAM_API_ROOT', 'https://api.telegram.org')
const hostname = env('HOST', '0.0.0.0')
const port = Number(env('PORT', '9000'))

// The memory store keeps the queue in this process only: a restart loses what was not sent yet. For
// "never lost", use a durable store (e.g. `redisStore` from `@keygram/store-redis`) with the same code.
const store = memoryStore()
const notifier = createNotifier({ store, routes: [{ chatId }], format: { locale: 'en' } })
const worker = createDeliveryWorker({
  store,
  transport: createFetchTransport({ token, apiRoot }),
  onEvent: (event) => {
    if (event.type === 'dead') console.warn(`undelivered to ${event.chatId}: ${event.reason}`)
  },
})
worker.start()

/** Answers KeyCRM at `/webhooks/keycrm/<secret>`, only once the event is queued: a 2xx means "durable". */
async function handleWebhook(request: Request, notifier: Notifier): Promise<Response> {
  const auth = await authenticateWebhook(request, { secret })
  if (!auth.ok)
    return Response.json({ error: auth.reason }, { status: auth.reason === 'missing_secret' ? 401 : 404 })
  try {
    const event = await readWebhook(request) // 405 for GET, 413 too large, 415 not JSON, 400 bad fields
    const { status, deliveryKey } = await notifier.accept(event)
    return Response.json({ status, deliveryKey })
  } catch (error) {
    if (isKeycrmWebhookError(error)) return Response.json(error.toJSON(), { status: error.status })
    return Response.json({ error: 'store_unavailable' }, { status: 503 }) // KeyCRM retries
  }
}

const server = Deno.serve(
  {
    hostname,
    port,
    onListen: (address) =>
      console.log(JSON.stringify({ listening: `http://${address.hostname}:${address.port}` })),
  },
  (request) => {
    const { pathname } = new URL(request.url)
    if (pathname.startsWith('/webhooks/keycrm/')) return handleWebhook(request, notifier)
    if (pathname === '/health') return Response.json({ ok: true, delivery: worker.status().totals })
    return Response.json({ error: 'not_found' }, { status: 404 })
  },
)

// On SIGTERM/SIGINT: stop taking webhooks, let the worker finish its round, then close the store.
let stopping = false
async function shutdown(): Promise<void> {
  if (stopping) return
  stopping = true
  await server.shutdown()
  await worker.stop()
  await store.close()
  console.log(JSON.stringify({ stopped: true }))
  Deno.exit(0)
}
for (const signal of ['SIGTERM', 'SIGINT'] as const) Deno.addSignalListener(signal, () => void shutdown())
