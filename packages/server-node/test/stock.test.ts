/**
 * Stock-balance webhooks in the server: the config, the shared webhook URL (an array body is a stock
 * webhook), its own body limit, and `send-test --stock`.
 */
import { createStockAlerter, memoryStore, type StockAlerter } from '@keygram/core'
import { describe, expect, it } from 'vitest'
import { sendTest } from '../src/cli/send-test.ts'
import { ConfigError, resolveConfig } from '../src/config/index.ts'
import { createKeygramMetrics } from '../src/metrics/index.ts'
import { sampleStockWebhook } from '../src/samples.ts'
import { stockAlerterOf } from '../src/server.ts'
import { createWebhookApp } from '../src/webhook-app.ts'
import { captureLogger } from './helpers/capture-logger.ts'
import { parsePrometheus, sampleValue } from './helpers/prometheus.ts'

const TOKEN = '123456789:AAEhBOweik6ad9r_QXMENQjcrGbqCr4K-Sk'
const SECRET = 'f3a9c1d27b8e4f60a1b2c3d4e5f60718'
const SAMPLE = JSON.stringify(sampleStockWebhook().body)
const ORDER = JSON.stringify({ event: 'order.change_order_status', context: { id: 5, status_id: 1 } })

function problemsOf(run: () => unknown): string[] {
  try {
    run()
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems]
    throw error
  }
  throw new Error('expected a ConfigError')
}

function setup(
  options: { alerter?: 'none' | 'failing'; maxBodyBytes?: number; stockMaxBytes?: number } = {},
) {
  const store = memoryStore()
  const metrics = createKeygramMetrics()
  const { logger, lines } = captureLogger([SECRET])
  let alerter: Pick<StockAlerter, 'accept'> | null = createStockAlerter({
    store,
    rules: [{ low: 20, chats: [{ chatId: '-100200300' }] }],
    locale: 'en',
  })
  if (options.alerter === 'none') alerter = null
  if (options.alerter === 'failing') alerter = { accept: () => Promise.reject(new Error('SQLITE_BUSY')) }
  const app = createWebhookApp({
    secret: SECRET,
    notifier: { accept: async () => ({ status: 'queued', deliveryKey: 'k', jobs: 1 }) },
    store,
    worker: null,
    metrics,
    logger,
    maxBodyBytes: options.maxBodyBytes ?? 4096,
    stock: { alerter, maxBodyBytes: options.stockMaxBytes ?? 64 * 1024 },
  })
  const post = (body: BodyInit) =>
    app.request(`/webhooks/keycrm/${SECRET}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
    })
  return { app, store, metrics, lines, post }
}

describe('stock config', () => {
  it('KEYGRAM_STOCK_LOW adds a rule for every offer alerting the default chat, ahead of stockRules', () => {
    const config = resolveConfig(
      { stockRules: [{ skus: ['a001-*'], low: 10, chats: [{ chatId: -100777 }] }] },
      {
        TELEGRAM_BOT_TOKEN: TOKEN,
        KEYGRAM_WEBHOOK_SECRET: SECRET,
        KEYGRAM_CHAT_ID: '-100123',
        KEYGRAM_STOCK_LOW: '5',
      },
    )
    expect(config.stock).toEqual({
      low: 5,
      maxBodyBytes: 4 * 1_048_576,
      rules: [
        { low: 5, chats: [{ chatId: '-100123' }] },
        { skus: ['a001-*'], low: 10, chats: [{ chatId: -100777 }] },
      ],
    })
    expect(resolveConfig(undefined, {}).stock).toEqual({ rules: [], low: null, maxBodyBytes: 4_194_304 })
  })

  it('reports every stock problem in one message per problem', () => {
    expect(
      problemsOf(() =>
        resolveConfig(
          { stockRules: [{ low: 'five', chats: [] }], maxStockBodyBytes: 10 },
          { TELEGRAM_BOT_TOKEN: TOKEN, KEYGRAM_WEBHOOK_SECRET: SECRET, KEYGRAM_STOCK_LOW: '3' },
        ),
      ),
    ).toEqual([
      expect.stringMatching(/^keygram\.config: stockRules\[0\]\.low: /),
      'keygram.config: stockRules[0].chats: expected at least one chat',
      'KEYGRAM_STOCK_LOW needs KEYGRAM_CHAT_ID, the chat low-stock alerts go to (or use stockRules in keygram.config to name chats)',
      'keygram.config: maxStockBodyBytes must be a whole number from 1024 to 67108864',
    ])
    expect(problemsOf(() => resolveConfig(undefined, { KEYGRAM_STOCK_LOW: '-1' }))).toEqual([
      'KEYGRAM_STOCK_LOW must be a number >= 0 (available units, e.g. 5)',
    ])
  })

  it('in demo mode the KEYGRAM_STOCK_LOW rule alerts the demo chat', async () => {
    const config = resolveConfig(undefined, { KEYGRAM_STOCK_LOW: '15' })
    const store = memoryStore()
    const alerter = stockAlerterOf(config, store)
    expect(alerter?.rules[0]?.chats).toEqual([{ chatId: '@keygram_demo' }])
    expect((await alerter!.accept(sampleStockWebhook().body)).status).toBe('queued')
    expect(stockAlerterOf(resolveConfig(undefined, {}), store)).toBeNull()
  })
})

describe('stock webhooks on the webhook URL', () => {
  it('takes an array body as a stock webhook and answers once its alerts are queued', async () => {
    const { post, store, metrics } = setup()
    const response = await post(SAMPLE)
    expect(response.status).toBe(200)
    const body = (await response.json()) as Record<string, unknown>
    expect(body).toMatchObject({ status: 'queued', rows: 1, crossings: 1, messages: 1 })
    expect(body.deliveryKey).toMatch(/^stock:[0-9a-f]{16}$/)
    expect((await store.queue.stats(Date.now())).pending).toBe(1)
    const again = await post(SAMPLE)
    expect(await again.json()).toMatchObject({ status: 'duplicate', deliveryKey: body.deliveryKey })
    // Order webhooks still go to the notifier on the same URL.
    expect(await (await post(ORDER)).json()).toEqual({ status: 'queued', deliveryKey: 'k' })
    const { samples } = parsePrometheus(await metrics.registry.render())
    expect(sampleValue(samples, 'keygram_webhooks_received_total', '{status="stock_queued"}')).toBe(1)
    expect(sampleValue(samples, 'keygram_webhooks_received_total', '{status="stock_duplicate"}')).toBe(1)
    expect(sampleValue(samples, 'keygram_webhooks_received_total', '{status="queued"}')).toBe(1)
  })

  it('gives arrays their own, larger limit, while an order body keeps its own', async () => {
    const { post } = setup({ maxBodyBytes: 2048, stockMaxBytes: 20_000 })
    const rows = Array.from({ length: 100 }, (_, index) => ({
      offer_id: index + 1,
      sku: `s-${index}`,
      in_stock: 50,
      in_reserve: 0,
    }))
    const text = JSON.stringify(rows, null, 1)
    expect(text.length).toBeGreaterThan(2048)
    expect(await (await post(text)).json()).toMatchObject({ status: 'no_alerts', rows: 100 })
    const bigOrder = JSON.stringify({
      event: 'order.change_order_status',
      context: { id: 5, x: 'y'.repeat(3000) },
    })
    const refused = await post(bigOrder)
    expect(refused.status).toBe(413)
    expect(((await refused.json()) as { message: string }).message).toContain('limit of 2048 bytes')
    const tooBig = await post(JSON.stringify(Array.from({ length: 400 }, () => rows[0])))
    expect(tooBig.status).toBe(413)
  })

  it('names a bad row by its index', async () => {
    const { post, store } = setup()
    const rows = [
      { offer_id: 1, sku: 'a', in_stock: 1 },
      { offer_id: 2, sku: 'b', in_stock: 'many' },
    ]
    const response = await post(JSON.stringify(rows))
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({
      error: 'invalid_context',
      message: '[1].in_stock: expected a number or a numeric string, got "many"',
      path: '[1].in_stock',
    })
    expect((await store.queue.stats(Date.now())).pending).toBe(0)
  })

  it('accepts a stock webhook with no rules configured as unrouted, warning once', async () => {
    const { post, lines } = setup({ alerter: 'none' })
    for (let i = 0; i < 3; i++)
      expect(await (await post(SAMPLE)).json()).toMatchObject({ status: 'unrouted' })
    expect(lines.filter((line) => line.includes('no stock alerts are configured'))).toHaveLength(1)
  })

  it('answers 503 when the store cannot apply it, so KeyCRM retries', async () => {
    const { post } = setup({ alerter: 'failing' })
    const response = await post(SAMPLE)
    expect(response.status).toBe(503)
    expect(((await response.json()) as { error: string }).error).toBe('store_unavailable')
  })
})

describe('send-test --stock', () => {
  it("posts KeyCRM's stock sample to the webhook URL", async () => {
    const posted: { url: string; body: string }[] = []
    const lines = await sendTest({
      config: { url: 'http://127.0.0.1:9', webhookSecret: SECRET, demoSecret: false },
      stock: true,
      fetch: async (url, init) => {
        posted.push({ url: String(url), body: String(init?.body) })
        const answer = { status: 'queued', deliveryKey: 'stock:1', rows: 1, crossings: 1, messages: 1 }
        return new Response(JSON.stringify(answer), { status: 200 })
      },
    })
    expect(posted).toEqual([{ url: `http://127.0.0.1:9/webhooks/keycrm/${SECRET}`, body: SAMPLE }])
    expect(JSON.parse(SAMPLE)).toEqual([{ offer_id: 130827, sku: 'a001-56', in_stock: 16, in_reserve: 3 }])
    expect(lines.at(-1)).toEqual({
      level: 'ok',
      name: 'stock balance changed',
      detail:
        'accepted: 1 stock row(s), 1 threshold crossing(s), 1 alert message(s) queued; the server sends them now',
    })
  })
})
