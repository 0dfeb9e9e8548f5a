/**
 * The webhook route's store deadline and outage log, through the real app: a store that hangs is answered
 * 503 within the deadline; an outage of many webhooks is a few log lines; a full memory store is a 503.
 */
import { createNotifier, type KeygramStore, memoryStore } from '@keygram/core'
import { describe, expect, it } from 'vitest'
import { createKeygramMetrics } from '../src/metrics/index.ts'
import { createStoreOutageLog } from '../src/webhook/store-outage-log.ts'
import { createWebhookApp, type WebhookAppOptions } from '../src/webhook-app.ts'
import { captureLogger, type LogLine } from './helpers/capture-logger.ts'

const SECRET = 'outage-Webhook-Secret-0123456789'

const orderBody = (id: number) =>
  JSON.stringify({
    event: 'order.change_order_status',
    context: { id, status_id: 3, status_changed_at: '2026-01-29T18:53:35.000000Z', grand_total: '1198.00' },
  })

function appOver(store: KeygramStore, extra: Partial<WebhookAppOptions> = {}) {
  const { logger, lines } = captureLogger([SECRET], 'info')
  const app = createWebhookApp({
    secret: SECRET,
    notifier: createNotifier({ store, routes: [{ chatId: '123456789' }] }),
    store,
    worker: null,
    metrics: createKeygramMetrics({ processMetrics: false }),
    logger,
    ...extra,
  })
  const post = async (id: number) => {
    const started = performance.now()
    const response = await app.request(`/webhooks/keycrm/${SECRET}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: orderBody(id),
    })
    return {
      status: response.status,
      body: (await response.json()) as { error?: string },
      ms: performance.now() - started,
    }
  }
  const parsed = () => lines.map((line) => JSON.parse(line) as LogLine & { err?: string })
  return { app, post, parsed }
}

/** A memory store whose queue can be made to hang or fail, as a store behind a dead network does. */
function controllableStore() {
  const store = memoryStore()
  let mode: 'ok' | 'hang' | 'fail' = 'ok'
  const hang = new Promise<never>(() => {})
  const controlled: KeygramStore = {
    ...store,
    queue: {
      ...store.queue,
      enqueue: (input) =>
        mode === 'hang'
          ? hang
          : mode === 'fail'
            ? Promise.reject(
                Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6390'), { code: 'ECONNREFUSED' }),
              )
            : store.queue.enqueue(input),
    },
    ping: () => (mode === 'hang' ? hang : mode === 'fail' ? Promise.reject(new Error('down')) : store.ping()),
  }
  return { store: controlled, set: (next: typeof mode) => (mode = next) }
}

describe('the store deadline on the webhook route', () => {
  it('answers a webhook 503 store_unavailable once the store has not answered within the deadline', async () => {
    const { store, set } = controllableStore()
    const { post } = appOver(store, { storeDeadlineMs: 200 })
    set('hang')
    const answers = await Promise.all([1, 2, 3].map(post))
    for (const answer of answers) {
      expect(answer.status).toBe(503)
      expect(answer.body.error).toBe('store_unavailable')
      expect(answer.ms).toBeGreaterThanOrEqual(190)
      expect(answer.ms).toBeLessThan(1000)
    }
    set('ok')
    expect((await post(4)).status).toBe(200)
  })

  it('defaults to 2.5 s', async () => {
    const { store, set } = controllableStore()
    const { post } = appOver(store)
    set('hang')
    const answer = await post(1)
    expect(answer.status).toBe(503)
    expect(answer.ms).toBeGreaterThanOrEqual(2490)
    expect(answer.ms).toBeLessThan(3500)
  })
})

describe('the store outage log', () => {
  it('logs 100 failing webhooks and failing readiness in two lines without stacks, then one line on recovery', async () => {
    const { store, set } = controllableStore()
    const { app, post, parsed } = appOver(store)
    expect((await post(1)).status).toBe(200)
    set('fail')
    for (let id = 2; id < 102; id++) expect((await post(id)).status).toBe(503)
    expect((await app.request('/readyz')).status).toBe(503)
    expect((await app.request('/readyz')).status).toBe(503)
    const problems = parsed().filter((line) => line.level === 'error' || line.level === 'warn')
    expect(problems.map((line) => line.msg)).toEqual([
      expect.stringMatching(
        /^store unavailable: webhook order\.change_order_status #2 failed: connect ECONNREFUSED/,
      ),
      expect.stringMatching(/^store unavailable: readyz failed: down/),
    ])
    expect(problems.filter((line) => line.err !== undefined)).toEqual([])
    set('ok')
    expect((await post(200)).status).toBe(200)
    expect(parsed().at(-2)?.msg).toMatch(
      /^store available again after \d+ s; 102 request\(s\) failed on it meanwhile$/,
    )
  })

  it('reminds once per interval with the count of failures since', () => {
    const { logger, lines } = captureLogger([], 'info')
    let now = 0
    const log = createStoreOutageLog(logger, { intervalMs: 60_000, now: () => now })
    const error = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' })
    for (now = 0; now <= 130_000; now += 1000) log.failed('webhook', error)
    log.recovered()
    log.recovered()
    const messages = lines.map((line) => (JSON.parse(line) as LogLine).msg)
    expect(messages).toEqual([
      expect.stringMatching(/^store unavailable: webhook failed: database or disk is full;/),
      'store still unavailable after 60 s: 60 more failure(s) like this one (database or disk is full), the last by webhook',
      'store still unavailable after 120 s: 60 more failure(s) like this one (database or disk is full), the last by webhook',
      'store available again after 131 s; 131 request(s) failed on it meanwhile',
    ])
  })
})

describe('the memory store cap', () => {
  it('answers 503 store_unavailable past the cap, readiness turns 503, and both recover once jobs leave', async () => {
    const store = memoryStore({ maxQueuedJobs: 5 })
    const { app, post } = appOver(store)
    for (let id = 1; id <= 5; id++) expect((await post(id)).status).toBe(200)
    const refused = await post(6)
    expect(refused.status).toBe(503)
    expect(refused.body.error).toBe('store_unavailable')
    expect((await app.request('/readyz')).status).toBe(503)
    // A repeat of a queued webhook is still answered (as a duplicate): it adds nothing.
    expect((await post(5)).status).toBe(200)

    const claimed = await store.queue.claim({
      workerId: 'w',
      now: Date.now(),
      leaseMs: 60_000,
      maxChats: 1,
      maxJobsPerChat: 5,
    })
    const [chat] = claimed
    await store.queue.settle(chat!.chatId, chat!.claimToken, {
      now: Date.now(),
      done: chat!.jobs.map((job) => job.id),
    })
    expect((await app.request('/readyz')).status).toBe(200)
    expect((await post(7)).status).toBe(200)
  })
})
