import { afterEach, describe, expect, it } from 'vitest'
import { createFakeKeycrmApi, type FakeKeycrmApi } from '../../../testing/src/fake-keycrm/index.ts'
import { createNotifier } from '../../src/delivery/notifier.ts'
import type { KeygramStore, QueuedJob } from '../../src/delivery/types.ts'
import { createEnricher, enrichEvent } from '../../src/enrich/enrich.ts'
import { formatNotification } from '../../src/format/notification.ts'
import { createKeycrmClient, type KeycrmClientOptions } from '../../src/keycrm/client.ts'
import { createKeycrmDictionaries } from '../../src/keycrm/dictionaries.ts'
import { memoryStore } from '../../src/stores/index.ts'
import { type KeycrmEvent, parseWebhook } from '../../src/webhook/index.ts'

let fakes: FakeKeycrmApi[] = []
afterEach(async () => {
  for (const fake of fakes) await fake.close()
  fakes = []
})

async function setup(options: Partial<KeycrmClientOptions> = {}) {
  const fake = await createFakeKeycrmApi()
  fakes.push(fake)
  const client = createKeycrmClient({
    apiKey: fake.apiKey,
    baseUrl: fake.url,
    backoff: { baseMs: 20, capMs: 50 },
    ...options,
  })
  return { fake, client, dictionaries: createKeycrmDictionaries(client) }
}

const shipped: KeycrmEvent = parseWebhook({
  event: 'order.change_order_status',
  context: {
    id: 67526,
    status_id: 11,
    status_group_id: 4,
    grand_total: '1450.00',
    payment_status: 'paid',
    status_changed_at: '2026-01-29T18:53:35.000000Z',
  },
})
const lead: KeycrmEvent = parseWebhook({
  event: 'lead.change_lead_status',
  context: { id: 13898, status_id: 1002, source_id: 1 },
})

async function queuedJobs(store: KeygramStore): Promise<QueuedJob[]> {
  const claims = await store.queue.claim({
    workerId: 't',
    now: Date.now() + 1,
    leaseMs: 1000,
    maxChats: 10,
    maxJobsPerChat: 10,
  })
  return claims.flatMap((claim) => claim.jobs)
}

describe('enrichEvent against the fake KeyCRM API', () => {
  it('success: buyer, products, manager, shipping and the status name make it into the message', async () => {
    const { client } = await setup()
    const result = await enrichEvent(shipped, client, { budgetMs: 3000 })
    expect(result.status).toBe('enriched')
    expect(result.reason).toBeUndefined()
    expect(result.enrichment).toEqual({
      totals: { grand_total: 1450, payments_total: 1450, payment_status: 'paid' },
      buyer: { full_name: 'Олена Кравченко', phone: '+380501234567', email: 'olena@example.com' },
      products: [
        { name: "Кіт батон 50 см м'яка іграшка", quantity: 1, price: 700, sku: 'K-B-001' },
        { name: 'Подушка-обіймашка', quantity: 2, price: 375, sku: 'a001-56' },
      ],
      manager: { id: 6, full_name: 'Олена Коваль' },
      shipping: {
        service: 'Нова Пошта',
        carrier: 'nova_poshta',
        tracking_code: '20450000000000',
        address: 'Київ, Відділення №12',
      },
      // The webhook carries no source_id: the order's own names the source.
      source: { name: 'Сайт' },
    })
    expect(result.statuses?.order?.[11]).toEqual({ name: 'in_transit', alias: 'in_transit', groupId: 4 })
    // An order needs the order statuses only: no funnel requests.
    expect(result.statuses?.lead).toBeUndefined()

    const [message] = formatNotification(shipped, {
      locale: 'en',
      enrichment: result.enrichment!,
      statuses: result.statuses!,
    })
    for (const piece of [
      'Олена Кравченко',
      'Нова Пошта',
      '20450000000000',
      'Подушка-обіймашка',
      'Олена Коваль',
    ])
      expect(message?.text).toContain(piece)
    expect(message?.text).not.toContain('#11')
  })

  it('completes what a minimal webhook lacks: total and payment status from the order, source by id', async () => {
    const { client } = await setup()
    const minimal = parseWebhook({
      event: 'order.change_order_status',
      context: { id: 67526, status_id: 11, source_id: 2 },
    })
    const result = await enrichEvent(minimal, client, { budgetMs: 3000 })
    expect(result.status).toBe('enriched')
    expect(result.enrichment?.source).toEqual({ name: 'Instagram' })
    const [message] = formatNotification(minimal, {
      locale: 'en',
      enrichment: result.enrichment!,
      statuses: result.statuses!,
    })
    expect(message?.text).toContain('🚚 <b>Order #67526</b> · Instagram\n')
    expect(message?.text).toContain('Total: <b>UAH\u00a01,450</b>')
    expect(message?.text).toContain('Payment: ✅ Paid')
    // The TTN links to Nova Poshta's tracking page: the service is recognised by its name.
    expect(message?.text).toContain(
      'Tracking: <a href="https://novaposhta.ua/tracking/?cargo_number=20450000000000">20450000000000</a>',
    )
  })

  it('enriches a funnel card with its contact, manager and status title', async () => {
    const { fake, client } = await setup()
    const result = await enrichEvent(lead, client)
    expect(result.status).toBe('enriched')
    expect(result.enrichment?.buyer?.full_name).toBe('Іван Петренко')
    expect(result.enrichment?.manager?.full_name).toBe('Олена Коваль')
    expect(result.statuses?.lead?.[1002]?.name).toBe('В роботі')
    // A funnel card shows its title, not an order source: the source list is not loaded for it.
    expect(result.enrichment?.source).toBeUndefined()
    expect(fake.requests.map((request) => request.path)).not.toContain('/order/source')
  })

  it('caches dictionaries: a second event costs one request (the order), not two', async () => {
    const { fake, client, dictionaries } = await setup()
    await enrichEvent(shipped, { client, dictionaries })
    const before = fake.requests.length
    await enrichEvent(shipped, { client, dictionaries })
    expect(fake.requests.slice(before).map((request) => request.path)).toEqual(['/order/67526'])
  })

  it('a status created after the list was cached is found by reloading the list on the miss', async () => {
    const { fake, client } = await setup()
    const dictionaries = createKeycrmDictionaries(client, { missRefreshMs: 0 })
    await enrichEvent(shipped, { client, dictionaries })
    fake.data.orderStatuses.push({ id: 30, name: 'Повернення', alias: 'custom_30', group_id: 6 })
    const returned = parseWebhook({
      event: 'order.change_order_status',
      context: { id: 67526, status_id: 30 },
    })
    const result = await enrichEvent(returned, { client, dictionaries })
    expect(result.status).toBe('enriched')
    expect(result.statuses?.order?.[30]?.name).toBe('Повернення')
  })

  it('rate limited: a 429 is waited out (Retry-After) and the event is still enriched within budget', async () => {
    const { fake, client } = await setup()
    fake.fault({ kind: 'rate_limited', path: '/order/67526', times: 1, retryAfterSeconds: 1 })
    const result = await enrichEvent(shipped, client, { budgetMs: 3000 })
    expect(result.status).toBe('enriched')
    expect(result.elapsedMs).toBeGreaterThanOrEqual(950)
    expect(result.elapsedMs).toBeLessThan(3000)
    expect(fake.requests.filter((r) => r.path === '/order/67526').map((r) => r.status)).toEqual([429, 200])
  })

  it('rate limited past the budget: the request waits in line, then gives up at the budget, reason rate_limited', async () => {
    const { fake, client, dictionaries } = await setup({
      rateLimit: { limit: 1, windowMs: 60_000, marginMs: 0 },
    })
    await client.orderStatuses() // uses the one slot of the minute
    const started = Date.now()
    const result = await enrichEvent(shipped, { client, dictionaries }, { budgetMs: 400 })
    const took = Date.now() - started
    expect(result).toMatchObject({ status: 'not_enriched', reason: 'rate_limited' })
    expect(took).toBeGreaterThanOrEqual(390)
    expect(took).toBeLessThan(700)
    // The order request left the line unsent; only the shared status list load still waits, to fill the cache.
    expect(fake.requests).toHaveLength(1)
    expect(client.limiter.waiting).toBe(1)
  })

  it('down: nothing enriched, reason unavailable, well within budget', async () => {
    const { fake, client } = await setup()
    fake.fault({ kind: 'down' })
    const result = await enrichEvent(shipped, client, { budgetMs: 3000 })
    expect(result).toMatchObject({ status: 'not_enriched', reason: 'unavailable' })
    expect(result.elapsedMs).toBeLessThan(3000)
  })

  it('slow past budget: returns at the budget (reason timeout) and abandons the requests', async () => {
    const { fake, client } = await setup()
    fake.fault({ kind: 'slow', delayMs: 5_000 })
    const started = Date.now()
    const result = await enrichEvent(shipped, client, { budgetMs: 500 })
    const took = Date.now() - started
    expect(result).toMatchObject({ status: 'not_enriched', reason: 'timeout' })
    expect(took).toBeGreaterThanOrEqual(490)
    expect(took).toBeLessThan(800)
  })

  it('partial: status names but no order (deleted) -> reason not_found', async () => {
    const { client } = await setup()
    const missing = parseWebhook({ event: 'order.change_order_status', context: { id: 5, status_id: 19 } })
    const result = await enrichEvent(missing, client)
    expect(result).toMatchObject({ status: 'partial', reason: 'not_found' })
    expect(result.statuses?.order?.[19]?.name).toBe('canceled')
  })

  it('a wrong key is reported as unauthorized, and unknown events are skipped', async () => {
    const { fake } = await setup()
    const client = createKeycrmClient({ apiKey: 'not-the-key', baseUrl: fake.url })
    expect(await enrichEvent(shipped, client)).toMatchObject({
      status: 'not_enriched',
      reason: 'unauthorized',
    })
    const unknown = parseWebhook({ event: 'order.created', context: { id: 1 } })
    expect(await enrichEvent(unknown, client)).toMatchObject({ status: 'skipped' })
  })
})

describe('notifier with enrichment', () => {
  it('queues the enriched message', async () => {
    const { client } = await setup()
    const store = memoryStore()
    const notifier = createNotifier({
      cards: false,
      store,
      routes: [{ chatId: '-100' }],
      enrich: createEnricher(client),
    })
    const result = await notifier.accept(shipped)
    expect(result).toMatchObject({ status: 'queued', jobs: 1, enrichment: { status: 'enriched' } })
    const [job] = await queuedJobs(store)
    expect(job?.message.text).toContain('Олена Кравченко')
    expect(job?.message.text).not.toMatch(/Без подробиць/)
    expect(job?.summaryLine).toContain('В дорозі')
  })

  it('down: still notified with what the webhook carried and a "not enriched" line', async () => {
    const { fake, client } = await setup()
    fake.fault({ kind: 'down' })
    const store = memoryStore()
    const notifier = createNotifier({
      cards: false,
      store,
      routes: [{ chatId: '-100' }, { chatId: '-200', locale: 'en' }],
      enrich: createEnricher(client, { budgetMs: 3000 }),
    })
    const result = await notifier.accept(shipped)
    expect(result).toMatchObject({
      status: 'queued',
      jobs: 2,
      enrichment: { status: 'not_enriched', reason: 'unavailable' },
    })
    const [uk, en] = await queuedJobs(store)
    expect(uk?.message.text).toContain('Замовлення #67526')
    expect(uk?.message.text).toMatch(
      /<i>ℹ️ Без подробиць \(KeyCRM API недоступний\): лише дані вебхука\.<\/i>$/,
    )
    expect(en?.message.text).toMatch(
      /<i>ℹ️ Not enriched \(the KeyCRM API is unavailable\): webhook data only\.<\/i>$/,
    )
  })

  it('slow: accept resolves within the budget and the job is queued', async () => {
    const { fake, client } = await setup()
    fake.fault({ kind: 'slow', delayMs: 10_000 })
    const store = memoryStore()
    const notifier = createNotifier({
      cards: false,
      store,
      routes: [{ chatId: '-100' }],
      enrich: createEnricher(client, { budgetMs: 300 }),
    })
    const started = Date.now()
    const result = await notifier.accept(shipped)
    expect(Date.now() - started).toBeLessThan(600)
    expect(result).toMatchObject({
      status: 'queued',
      enrichment: { status: 'not_enriched', reason: 'timeout' },
    })
    expect((await queuedJobs(store))[0]?.message.text).toMatch(/KeyCRM API не відповів вчасно/)
  })

  it('does not call the API for an event no route takes', async () => {
    const { fake, client } = await setup()
    const notifier = createNotifier({
      cards: false,
      store: memoryStore(),
      routes: [{ chatId: '-100', kinds: ['lead_status'] }],
      enrich: createEnricher(client),
    })
    expect((await notifier.accept(shipped)).status).toBe('unrouted')
    expect(fake.requests).toHaveLength(0)
  })
})
