import { createDeliveryWorker, createNotifier, memoryStore } from '@keygram/core'
import { beforeEach, describe, expect, it } from 'vitest'
import { createKeygramMetrics } from '../src/metrics/index.ts'
import { createWebhookApp } from '../src/webhook-app.ts'
import { captureLogger } from './helpers/capture-logger.ts'
import { parsePrometheus, sampleValue } from './helpers/prometheus.ts'

const SECRET = 's3cr3t-Webhook-Value-0123456789'
const ORDER = JSON.stringify({
  event: 'order.change_order_status',
  context: {
    id: 23196,
    status_id: 3,
    status_changed_at: '2026-01-29T18:53:35.000000Z',
    grand_total: '1198.00',
  },
})

function setup(
  options: { routes?: { chatId: string }[]; pingFails?: boolean; workerRunning?: boolean } = {},
) {
  const store = memoryStore()
  const metrics = createKeygramMetrics()
  const { logger, lines } = captureLogger([SECRET])
  let enqueueFails = false
  const failingStore = {
    ...store,
    queue: {
      ...store.queue,
      enqueue: (input: Parameters<typeof store.queue.enqueue>[0]) =>
        enqueueFails ? Promise.reject(new Error('SQLITE_BUSY')) : store.queue.enqueue(input),
    },
  }
  const app = createWebhookApp({
    secret: SECRET,
    notifier: createNotifier({ store: failingStore, routes: options.routes ?? [{ chatId: '123456789' }] }),
    store: {
      ping: async () => {
        if (options.pingFails) throw new Error(`connect ECONNREFUSED redis://:${SECRET}@db`)
      },
    },
    worker: { status: () => ({ running: options.workerRunning ?? true }) as never },
    metrics,
    logger,
    maxBodyBytes: 4096,
  })
  return { app, store, metrics, lines, failEnqueue: () => (enqueueFails = true) }
}

const post = (body: BodyInit | null, init: RequestInit = {}, path = `/webhooks/keycrm/${SECRET}`) => ({
  path,
  init: { method: 'POST', body, headers: { 'content-type': 'application/json' }, ...init },
})

describe('webhook app', () => {
  let ctx: ReturnType<typeof setup>
  beforeEach(() => {
    ctx = setup()
  })

  it('answers 200 queued only once the jobs are in the store, then 200 duplicate for a redelivery', async () => {
    const { path, init } = post(ORDER)
    const first = await ctx.app.request(path, init)
    expect(first.status).toBe(200)
    const body = (await first.json()) as { status: string; deliveryKey: string }
    expect(body.status).toBe('queued')
    expect(body.deliveryKey).toContain('23196')
    expect((await ctx.store.queue.stats(Date.now())).pending).toBe(1)

    const again = await ctx.app.request(path, { ...init, body: ORDER })
    expect(again.status).toBe(200)
    expect(await again.json()).toEqual({ status: 'duplicate', deliveryKey: body.deliveryKey })
    expect((await ctx.store.queue.stats(Date.now())).pending).toBe(1)
  })

  it('accepts the secret in the query and in the header too', async () => {
    const query = await ctx.app.request(`/webhooks/keycrm?secret=${SECRET}`, post(ORDER).init)
    expect(query.status).toBe(200)
    const header = await ctx.app.request('/webhooks/keycrm', {
      ...post(ORDER.replace('23196', '23197')).init,
      headers: { 'content-type': 'application/json', 'x-keygram-secret': SECRET },
    })
    expect(header.status).toBe(200)
    expect(((await header.json()) as { status: string }).status).toBe('queued')
  })

  it('answers 200 unrouted when no route takes the event', async () => {
    const unrouted = setup({ routes: [] })
    const response = await unrouted.app.request(post(ORDER).path, post(ORDER).init)
    expect(response.status).toBe(200)
    expect(((await response.json()) as { status: string }).status).toBe('unrouted')
  })

  it('answers 401 without a secret and 404 with a wrong one, and nothing is queued', async () => {
    const missing = await ctx.app.request('/webhooks/keycrm', post(ORDER).init)
    expect(missing.status).toBe(401)
    expect(((await missing.json()) as { error: string }).error).toBe('missing_secret')
    const wrong = await ctx.app.request('/webhooks/keycrm/not-the-secret-at-all-000', post(ORDER).init)
    expect(wrong.status).toBe(404)
    expect(((await wrong.json()) as { error: string }).error).toBe('wrong_secret')
    expect((await ctx.store.queue.stats(Date.now())).pending).toBe(0)
  })

  it('answers 400 with the field path for bad JSON fields', async () => {
    const badField = JSON.stringify({ event: 'order.change_order_status', context: { id: 'abc' } })
    const response = await ctx.app.request(post(badField).path, post(badField).init)
    expect(response.status).toBe(400)
    const body = (await response.json()) as { error: string; path: string; message: string }
    expect(body.path).toBe('context.id')
    expect(body.message).toContain('context.id')

    const broken = await ctx.app.request(post('{"event":').path, post('{"event":').init)
    expect(broken.status).toBe(400)
    expect(((await broken.json()) as { error: string }).error).toBe('invalid_json')

    const stock = JSON.stringify([{ offer_id: 1, sku: 'a', in_stock: 1, in_reserve: 0 }])
    const array = await ctx.app.request(post(stock).path, post(stock).init)
    expect(array.status).toBe(400)
  })

  it('answers 405 to a GET webhook with the advice to pick POST', async () => {
    const response = await ctx.app.request(`/webhooks/keycrm/${SECRET}`, { method: 'GET' })
    expect(response.status).toBe(405)
    expect(response.headers.get('allow')).toBe('POST')
    expect(((await response.json()) as { message: string }).message).toMatch(/choose the POST method/)
  })

  it('answers 413 for a body over the limit, declared or streamed', async () => {
    const big = JSON.stringify({
      event: 'order.change_order_status',
      context: { id: 1, manager_comment: 'x'.repeat(5000) },
    })
    const declared = await ctx.app.request(post(big).path, post(big).init)
    expect(declared.status).toBe(413)
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 10; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(1000)))
        controller.close()
      },
    })
    const streamed = await ctx.app.request(post(stream).path, {
      ...post(stream).init,
      duplex: 'half',
    } as RequestInit)
    expect(streamed.status).toBe(413)
    expect(((await streamed.json()) as { error: string }).error).toBe('payload_too_large')
  })

  it('answers 415 for a body that is not JSON', async () => {
    const response = await ctx.app.request(post('a=1').path, {
      ...post('a=1').init,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    })
    expect(response.status).toBe(415)
  })

  it('answers 503 when the store cannot take the event, so KeyCRM retries', async () => {
    ctx.failEnqueue()
    const response = await ctx.app.request(post(ORDER).path, post(ORDER).init)
    expect(response.status).toBe(503)
    expect(((await response.json()) as { error: string }).error).toBe('store_unavailable')
  })

  it('answers /healthz, and /readyz from the store and the worker', async () => {
    expect((await ctx.app.request('/healthz')).status).toBe(200)
    const ready = await ctx.app.request('/readyz')
    expect(ready.status).toBe(200)
    expect(await ready.json()).toEqual({ status: 'ready', checks: { store: 'ok', worker: 'running' } })

    const down = setup({ pingFails: true })
    const notReady = await down.app.request('/readyz')
    expect(notReady.status).toBe(503)
    expect(((await notReady.json()) as { checks: { store: string } }).checks.store).toBe('unreachable')

    const stopped = setup({ workerRunning: false })
    expect((await stopped.app.request('/readyz')).status).toBe(503)
  })

  it('counts received and rejected webhooks in valid Prometheus text', async () => {
    await ctx.app.request(post(ORDER).path, post(ORDER).init)
    await ctx.app.request(post(ORDER).path, post(ORDER).init)
    await ctx.app.request('/webhooks/keycrm/wrong-secret-wrong-secret', post(ORDER).init)
    await ctx.app.request(post('{').path, post('{').init)
    const response = await ctx.app.request('/metrics')
    expect(response.headers.get('content-type')).toContain('text/plain; version=0.0.4')
    const { samples } = parsePrometheus(await response.text())
    expect(sampleValue(samples, 'keygram_webhooks_received_total', '{status="queued"}')).toBe(1)
    expect(sampleValue(samples, 'keygram_webhooks_received_total', '{status="duplicate"}')).toBe(1)
    expect(sampleValue(samples, 'keygram_webhooks_rejected_total', '{reason="wrong_secret"}')).toBe(1)
    expect(sampleValue(samples, 'keygram_webhooks_rejected_total', '{reason="invalid_json"}')).toBe(1)
  })

  it('never puts the secret in a response or a log line', async () => {
    const encoded = encodeURIComponent(SECRET)
    const requests: [string, RequestInit][] = [
      [`/webhooks/keycrm/${SECRET}`, post(ORDER).init],
      [`/webhooks/keycrm/${SECRET}`, post('{').init],
      [`/webhooks/keycrm/${SECRET}`, { method: 'GET' }],
      [`/webhooks/keycrm/${SECRET}x`, post(ORDER).init],
      [`/webhooks/keycrm?secret=${SECRET}`, post('[1]').init],
      [`/webhooks/keycrm/${SECRET}`, { ...post('a').init, headers: { 'content-type': 'image/png' } }],
      ['/readyz', {}],
    ]
    const pinged = setup({ pingFails: true })
    for (const app of [ctx.app, pinged.app]) {
      for (const [path, init] of requests) {
        const response = await app.request(path, init)
        const text = await response.text()
        expect(text).not.toContain(SECRET)
        expect(text).not.toContain(encoded)
      }
    }
    const logged = [...ctx.lines, ...pinged.lines].join('\n')
    expect(logged).toContain('webhook refused')
    expect(logged).toContain('[redacted]') // the store error carried the secret
    expect(logged).not.toContain(SECRET)
  })

  it('unknown paths get a JSON 404', async () => {
    const response = await ctx.app.request('/nope')
    expect(response.status).toBe(404)
    expect(((await response.json()) as { error: string }).error).toBe('not_found')
  })
})

describe('webhook app with a running worker', () => {
  it('delivers what it queued', async () => {
    const store = memoryStore()
    const sent: string[] = []
    const worker = createDeliveryWorker({
      store,
      transport: {
        sendMessage: async (target, message) => {
          sent.push(`${target.chatId}:${message.text}`)
          return { ok: true, messageId: sent.length }
        },
      },
      idleMs: 10,
    })
    const app = createWebhookApp({
      secret: SECRET,
      notifier: createNotifier({ store, routes: [{ chatId: '42424242' }] }),
      store,
      worker,
      metrics: createKeygramMetrics(),
    })
    worker.start()
    try {
      const response = await app.request(post(ORDER).path, post(ORDER).init)
      expect(response.status).toBe(200)
      await expect.poll(() => sent.length, { timeout: 3000 }).toBe(1)
      expect(sent[0]).toMatch(/^42424242:.*23196/s)
    } finally {
      await worker.stop()
    }
  })
})
