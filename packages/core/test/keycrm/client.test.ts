import { afterEach, describe, expect, it } from 'vitest'
import { createFakeKeycrmApi, type FakeKeycrmApi } from '../../../testing/src/fake-keycrm/index.ts'
import { createKeycrmClient, type KeycrmClientOptions, parseRetryAfter } from '../../src/keycrm/client.ts'
import { KeycrmApiError } from '../../src/keycrm/errors.ts'

let fakes: FakeKeycrmApi[] = []
afterEach(async () => {
  for (const fake of fakes) await fake.close()
  fakes = []
})

async function setup(
  clientOptions: Partial<KeycrmClientOptions> = {},
  fakeOptions: Parameters<typeof createFakeKeycrmApi>[0] = {},
) {
  const fake = await createFakeKeycrmApi(fakeOptions)
  fakes.push(fake)
  const client = createKeycrmClient({
    apiKey: fake.apiKey,
    baseUrl: fake.url,
    backoff: { baseMs: 10, capMs: 50 },
    ...clientOptions,
  })
  return { fake, client }
}

async function rejection(promise: Promise<unknown>): Promise<KeycrmApiError> {
  try {
    await promise
  } catch (error) {
    return error as KeycrmApiError
  }
  throw new Error('expected a rejection')
}

describe('KeyCRM client against the fake API', () => {
  it('reads every page of a dictionary, 50 at a time, with the Bearer key', async () => {
    const { fake, client } = await setup()
    for (let id = 100; id < 160; id++)
      fake.data.orderStatuses.push({ id, name: `Status ${id}`, alias: `s${id}`, group_id: 2 })
    const statuses = await client.orderStatuses()
    expect(statuses).toHaveLength(70)
    expect(statuses.find((status) => status.id === 11)).toMatchObject({ name: 'in_transit', group_id: 4 })
    expect(fake.requests.map((r) => [r.path, r.query.limit, r.query.page, r.authorized])).toEqual([
      ['/order/status', '50', '1', true],
      ['/order/status', '50', '2', true],
    ])
  })

  it('fetches an order with buyer, products, manager, status, payments and delivery service', async () => {
    const { fake, client } = await setup()
    const order = await client.order(67526)
    expect(fake.requests[0]?.query.include).toBe(
      'buyer,products.offer,manager,status,payments,shipping.deliveryService',
    )
    expect(order.buyer?.full_name).toBe('Олена Кравченко')
    expect(order.products?.map((line) => [line.sku, line.quantity, line.offer?.id])).toEqual([
      ['K-B-001', 1, 130826],
      ['a001-56', 2, 130827],
    ])
    expect(order.manager?.full_name).toBe('Олена Коваль')
    expect(order.status).toMatchObject({ id: 11, name: 'in_transit', group_id: 4 })
    expect(order.shipping?.deliveryService?.name).toBe('Нова Пошта')
    expect(order.shipping?.tracking_code).toBe('20450000000000')
  })

  it('reads a funnel card (documented as a page) and funnel statuses', async () => {
    const { client } = await setup()
    const lead = await client.lead(13898)
    expect(lead).toMatchObject({ id: 13898, status_id: 1002 })
    expect(lead.contact?.client?.full_name).toBe('Іван Петренко')
    expect(lead.status?.title).toBe('В роботі')
    expect((await client.pipelineStatuses(1)).map((status) => status.title)).toEqual([
      'Нова заявка',
      'В роботі',
      'Успішно',
    ])
  })

  it('finds offers by SKU with their product', async () => {
    const { fake, client } = await setup()
    const offers = await client.offersBySku(['a001-56', 'missing'])
    expect(fake.requests[0]?.query).toMatchObject({ 'filter[sku]': 'a001-56,missing', include: 'product' })
    expect(offers).toHaveLength(1)
    expect(offers[0]).toMatchObject({ id: 130827, sku: 'a001-56', product: { name: 'Подушка-обіймашка' } })
  })

  it('fails a bad key at once (no retry) with an error that never shows the key', async () => {
    const { fake } = await setup()
    const client = createKeycrmClient({ apiKey: 'wrong-secret-key-123', baseUrl: fake.url })
    const error = await rejection(client.orderStatuses())
    expect(error).toBeInstanceOf(KeycrmApiError)
    expect(error.kind).toBe('unauthorized')
    expect(error.status).toBe(401)
    expect(`${error.message} ${error.stack}`).not.toContain('wrong-secret-key-123')
    expect(fake.requests).toHaveLength(1)
  })

  it('reports an unknown order as not_found', async () => {
    const { client } = await setup()
    expect((await rejection(client.order(1))).kind).toBe('not_found')
  })

  it('retries 5xx and connection resets, then gives up with a classified error', async () => {
    const { fake, client } = await setup({ retries: 2 })
    fake.fault({ kind: 'server_error', status: 502, times: 2 })
    expect((await client.orderSources()).map((source) => source.name)).toEqual(['Сайт', 'Instagram'])
    expect(fake.requests.map((r) => r.status)).toEqual([502, 502, 200])

    fake.fault({ kind: 'server_error', status: 503 })
    const failed = await rejection(client.users())
    expect([failed.kind, failed.status]).toEqual(['server_error', 503])
    fake.clearFaults()

    fake.fault({ kind: 'down' })
    expect((await rejection(client.users())).kind).toBe('network')
    fake.clearFaults()
    fake.fault({ kind: 'down', times: 1 })
    expect(await client.users()).toHaveLength(3)
  })

  it('times out a request that hangs', async () => {
    const { fake, client } = await setup({ retries: 0, requestTimeoutMs: 150 })
    fake.fault({ kind: 'slow', delayMs: 5_000 })
    const started = Date.now()
    expect((await rejection(client.order(67526))).kind).toBe('timeout')
    expect(Date.now() - started).toBeLessThan(2_000)
  })

  it('waits out a 429 for its Retry-After instead of failing', async () => {
    const { fake, client } = await setup()
    fake.fault({ kind: 'rate_limited', times: 1, retryAfterSeconds: 1 })
    const started = Date.now()
    const order = await client.order(67526)
    expect(order.id).toBe(67526)
    expect(Date.now() - started).toBeGreaterThanOrEqual(950)
    expect(fake.requests.map((r) => r.status)).toEqual([429, 200])
  })

  it('queues requests beyond its own limit, so the API never answers 429', async () => {
    const limit = { limit: 3, windowMs: 600 }
    const { fake, client } = await setup({ rateLimit: { ...limit, marginMs: 50 } }, { rateLimit: limit })
    const started = Date.now()
    const orders = await Promise.all([1, 2, 3, 4, 5].map(() => client.order(67526)))
    expect(orders.every((order) => order.id === 67526)).toBe(true)
    expect(fake.requests.map((r) => r.status)).toEqual([200, 200, 200, 200, 200])
    const offsets = fake.requests.map((r) => r.at - started)
    expect(offsets[3]).toBeGreaterThanOrEqual(550)
    expect(client.limiter.waiting).toBe(0)
  })

  it('honours the fake server limit too when a client ignores it (429 then success)', async () => {
    const { fake, client } = await setup(
      { rateLimit: { limit: 100, windowMs: 1_000 } },
      { rateLimit: { limit: 2, windowMs: 1_000 } },
    )
    await Promise.all([1, 2, 3].map(() => client.order(67526)))
    expect(fake.requests.map((r) => r.status)).toEqual([200, 200, 429, 200])
  })

  it('leaves the line when the caller aborts, without sending', async () => {
    const { fake, client } = await setup({ rateLimit: { limit: 1, windowMs: 60_000 } })
    await client.order(67526)
    const controller = new AbortController()
    const waiting = client.order(67526, { signal: controller.signal })
    setTimeout(() => controller.abort(new Error('budget spent')), 50)
    await expect(waiting).rejects.toThrow('budget spent')
    expect(fake.requests).toHaveLength(1)
    expect(client.limiter.waiting).toBe(0)
  })
})

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('2', 0)).toBe(2_000)
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6_000)
    expect(parseRetryAfter(null, 0)).toBeUndefined()
    expect(parseRetryAfter('soon', 0)).toBeUndefined()
  })
})

describe('createKeycrmClient options', () => {
  it('rejects a missing key or a non-http base URL', () => {
    expect(() => createKeycrmClient({ apiKey: ' ' })).toThrow(/apiKey/)
    expect(() => createKeycrmClient({ apiKey: 'k', baseUrl: 'ftp://x' })).toThrow(/baseUrl/)
  })
})
