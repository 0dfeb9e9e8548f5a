import { afterEach, describe, expect, it } from 'vitest'
import { harness } from './helpers.ts'

const fakes = harness()
afterEach(() => fakes.closeAll())
const start = fakes.fake

describe('fake KeyCRM API', () => {
  it('answers 401 without the right Bearer key', async () => {
    const { fake, get } = await start({ apiKey: 'secret-key' })
    const response = await get('/order/status', 'other')
    expect(response.status).toBe(401)
    expect(await response.json()).toEqual({ message: 'Unauthenticated.' })
    expect((await fetch(`${fake.url}/order/status`)).status).toBe(401)
    expect(fake.requests.map((r) => r.authorized)).toEqual([false, false])
  })

  it('pages lists like KeyCRM: default 15, limit at most 50, total and next_page_url', async () => {
    const { fake, get } = await start()
    for (let id = 100; id < 120; id++) fake.data.users.push({ id, full_name: `User ${id}`, status: 'active' })
    const first = await (await get('/users')).json()
    expect(first).toMatchObject({ total: 23, current_page: 1, per_page: 15 })
    expect(first.data).toHaveLength(15)
    expect(first.next_page_url).toMatch(/page=2$/)
    const second = await (await get('/users?limit=15&page=2')).json()
    expect(second.data.map((user: { id: number }) => user.id)).toEqual([
      112, 113, 114, 115, 116, 117, 118, 119,
    ])
    expect(second.next_page_url).toBeNull()
    const tooMany = await get('/users?limit=51')
    expect(tooMany.status).toBe(422)
  })

  it('returns an order with only the includes asked for, joined from the account', async () => {
    const { get } = await start()
    const bare = await (await get('/order/67526')).json()
    expect(bare).toMatchObject({ id: 67526, status_id: 11, grand_total: 1450, shipping_price: '0.00' })
    expect(bare).not.toHaveProperty('buyer')
    const full = await (
      await get('/order/67526?include=buyer,products.offer,manager,status,payments,shipping.deliveryService')
    ).json()
    expect(full.buyer.full_name).toBe('Олена Кравченко')
    expect(full.products[0].offer).toMatchObject({ id: 130826, sku: 'K-B-001' })
    expect(full.manager).toMatchObject({ id: 6, full_name: 'Олена Коваль' })
    expect(full.status).toMatchObject({ id: 11, name: 'in_transit', group_id: 4 })
    expect(full.shipping.deliveryService).toMatchObject({ name: 'Нова Пошта' })
    expect(full.payments[0]).toMatchObject({ amount: 1450, status: 'paid' })
    expect((await get('/order/1')).status).toBe(404)
  })

  it('serves funnels, their statuses, cards (as a page, as documented) and offers by SKU', async () => {
    const { get } = await start()
    expect((await (await get('/pipelines')).json()).data).toEqual([
      expect.objectContaining({ id: 1, name: 'Заявки' }),
    ])
    const statuses = await (await get('/pipelines/1/statuses')).json()
    expect(statuses.data.map((status: { title: string }) => status.title)).toEqual([
      'Нова заявка',
      'В роботі',
      'Успішно',
    ])
    expect((await get('/pipelines/9/statuses')).status).toBe(404)
    const card = await (await get('/pipelines/cards/13898?include=contact.client,manager,status')).json()
    expect(card.data[0]).toMatchObject({
      id: 13898,
      status: { title: 'В роботі' },
      contact: { client: { id: 9 } },
    })
    const offers = await (await get('/offers?filter[sku]=a001-56,nope&include=product')).json()
    expect(offers.data).toEqual([
      expect.objectContaining({
        id: 130827,
        sku: 'a001-56',
        product: expect.objectContaining({ name: 'Подушка-обіймашка' }),
      }),
    ])
  })

  it('limits requests per window with 429 and Retry-After, then lets them through again', async () => {
    const { fake, get } = await start({ rateLimit: { limit: 3, windowMs: 1_000 } })
    const statuses = []
    for (let i = 0; i < 4; i++) statuses.push((await get('/order/source')).status)
    expect(statuses).toEqual([200, 200, 200, 429])
    const limited = await get('/order/source')
    expect(limited.headers.get('retry-after')).toBe('1')
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0')
    fake.resetRateLimit()
    expect((await get('/order/source')).status).toBe(200)
  })

  it('holds KeyCRM default of 60 requests per minute', async () => {
    const { get } = await start()
    const answers = await Promise.all(Array.from({ length: 61 }, () => get('/order/source')))
    const codes = answers.map((response) => response.status)
    expect(codes.filter((code) => code === 200)).toHaveLength(60)
    expect(codes.filter((code) => code === 429)).toHaveLength(1)
  })

  it('injects faults: down (reset), 5xx, forced 429 and slow replies, by path and count', async () => {
    const { fake, get } = await start()
    fake.fault({ kind: 'down', path: '/users', times: 1 })
    await expect(get('/users')).rejects.toThrow()
    expect((await get('/users')).status).toBe(200)

    fake.fault({ kind: 'server_error', status: 503, path: /^\/order\/\d+$/, times: 2 })
    expect((await get('/order/67526')).status).toBe(503)
    expect((await get('/order/status')).status).toBe(200)
    expect((await get('/order/67526')).status).toBe(503)
    expect((await get('/order/67526')).status).toBe(200)

    fake.fault({ kind: 'rate_limited', retryAfterSeconds: 7, times: 1 })
    const limited = await get('/order/source')
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '7'])

    fake.fault({ kind: 'slow', delayMs: 300, times: 1 })
    const started = Date.now()
    expect((await get('/order/source')).status).toBe(200)
    expect(Date.now() - started).toBeGreaterThanOrEqual(290)

    fake.fault({ kind: 'down' })
    await expect(get('/order/source')).rejects.toThrow()
    fake.clearFaults()
    expect((await get('/order/source')).status).toBe(200)
    expect(fake.requests.at(-2)?.status).toBeNull()
  })
})
