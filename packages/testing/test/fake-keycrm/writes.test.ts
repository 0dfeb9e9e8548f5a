import { afterEach, describe, expect, it } from 'vitest'
import { harness, sleep } from './helpers.ts'

const ORDER = 67526 // in transit (status 11, group 4) in the default account
const CARD = 13898 // funnel 1, status 1002
const NOW = Date.UTC(2026, 1, 2, 10, 15, 30, 456)
const WRITTEN_AT = '2026-02-02T10:15:30.000000Z'
const start = harness()
afterEach(() => start.closeAll())

describe('fake KeyCRM API: PUT /order/{id}', () => {
  it('changes the status like KeyCRM: group and times follow, 202 with the order columns', async () => {
    const { fake, put, get } = await start.fake({ now: () => NOW })
    const response = await put(`/order/${ORDER}`, { status_id: 12 })
    expect(response.status).toBe(202)
    const reply = await response.json()
    expect(reply).toMatchObject({
      id: ORDER,
      source_uuid: '№18766',
      status_id: 12,
      status_group_id: 5,
      status_changed_at: WRITTEN_AT,
      updated_at: WRITTEN_AT,
      grand_total: 1450,
      created_at: '2026-01-29T11:35:03.000000Z',
    })
    for (const include of ['buyer', 'products', 'shipping', 'payments'])
      expect(reply).not.toHaveProperty(include)
    expect(await (await get(`/order/${ORDER}?include=status`)).json()).toMatchObject({
      status_id: 12,
      status: { id: 12, name: 'completed', group_id: 5 },
    })
    expect(fake.writes).toEqual([
      {
        method: 'PUT',
        path: `/order/${ORDER}`,
        query: {},
        body: { status_id: 12 },
        authorized: true,
        status: 202,
        at: expect.any(Number),
      },
    ])
  })

  it('answers 404, 422 (Laravel shape) and 401 and changes nothing', async () => {
    const { fake, put } = await start.fake()
    const before = structuredClone(fake.data.orders[0])

    const missing = await put('/order/1', { status_id: 12 })
    expect([missing.status, await missing.json()]).toEqual([404, { message: 'Order not found' }])
    const unknown = await put(`/order/${ORDER}`, { status_id: 999 })
    expect([unknown.status, await unknown.json()]).toEqual([
      422,
      {
        message: 'The selected status id is invalid.',
        errors: { status_id: ['The selected status id is invalid.'] },
      },
    ])
    const notInteger = await put(`/order/${ORDER}`, { status_id: 'twelve' })
    expect(await notInteger.json()).toEqual({
      message: 'The status id must be an integer.',
      errors: { status_id: ['The status id must be an integer.'] },
    })
    // a funnel status is no order status
    expect((await put(`/order/${ORDER}`, { status_id: 1003 })).status).toBe(422)
    const unauthorized = await put(`/order/${ORDER}`, { status_id: 12 }, { key: 'wrong' })
    expect([unauthorized.status, await unauthorized.json()]).toEqual([401, { message: 'Unauthenticated.' }])
    expect((await put(`/order/${ORDER}`, '{not json')).status).toBe(400)

    expect(fake.data.orders[0]).toEqual(before)
    expect(fake.writes.map((write) => [write.status, write.body])).toEqual([
      [404, { status_id: 12 }],
      [422, { status_id: 999 }],
      [422, { status_id: 'twelve' }],
      [422, { status_id: 1003 }],
      [401, { status_id: 12 }],
      [400, '{not json'],
    ])
  })

  it('takes a numeric string, and leaves an order already in the status untouched', async () => {
    const { fake, put } = await start.fake({ now: () => NOW })
    expect(
      (await put(`/order/${ORDER}`, { status_id: '19', manager_comment: 'cancelled by phone' })).status,
    ).toBe(202)
    expect(fake.data.orders[0]).toMatchObject({ status_id: 19, status_group_id: 6, updated_at: WRITTEN_AT })

    const { fake: other, put: putOther } = await start.fake({ now: () => NOW })
    const same = await putOther(`/order/${ORDER}`, { status_id: 11 })
    expect(same.status).toBe(202)
    expect(await same.json()).toMatchObject({ status_id: 11, updated_at: '2026-01-29T18:53:35.000000Z' })
    expect(other.data.orders[0]?.status_changed_at).toBe('2026-01-29T18:53:35.000000Z')
  })

  it('refuses other writes it does not model with 405', async () => {
    const { put } = await start.fake()
    expect((await put(`/order/${ORDER}/payment/1`, { amount: 1 })).status).toBe(405)
  })
})

describe('fake KeyCRM API: PUT /pipelines/cards/{id}', () => {
  it('moves a card to a status of its funnel, or to another funnel by that funnel’s status', async () => {
    const { fake, put, get } = await start.fake({ now: () => NOW })
    fake.data.pipelines.push({ id: 2, name: 'Опт', target_type: 'order', lead_type: 'lead' })
    fake.data.pipelineStatuses.push({
      id: 2001,
      pipeline_id: 2,
      title: 'Новий опт',
      alias: 'new',
      is_final: false,
    })

    const response = await put(`/pipelines/cards/${CARD}`, { status_id: 1003 })
    expect([response.status, await response.json()]).toEqual([202, { status: true }])
    expect(fake.data.leads[0]).toMatchObject({
      status_id: 1003,
      pipeline_id: 1,
      status_changed_at: WRITTEN_AT,
      updated_at: WRITTEN_AT,
    })
    await put(`/pipelines/cards/${CARD}`, { status_id: 2001 })
    const card = (await (await get(`/pipelines/cards/${CARD}?include=status`)).json()).data[0]
    expect(card).toMatchObject({ status_id: 2001, pipeline_id: 2, status: { title: 'Новий опт' } })
  })

  it('answers 404 for an unknown card and 422 for an order status', async () => {
    const { fake, put } = await start.fake()
    const missing = await put('/pipelines/cards/1', { status_id: 1003 })
    expect([missing.status, await missing.json()]).toEqual([404, { message: 'Card not found' }])
    const orderStatus = await put(`/pipelines/cards/${CARD}`, { status_id: 12 })
    expect([orderStatus.status, (await orderStatus.json()).errors]).toEqual([
      422,
      { status_id: ['The selected status id is invalid.'] },
    ])
    expect(fake.data.leads[0]?.status_id).toBe(1002)
  })
})

describe('fake KeyCRM API: writes share the rate limit and the faults', () => {
  it('counts PUTs toward the per-key limit like GETs', async () => {
    const { fake, put, get } = await start.fake({ rateLimit: { limit: 3, windowMs: 60_000 } })
    expect((await get('/order/status')).status).toBe(200)
    const first = await put(`/order/${ORDER}`, { status_id: 12 })
    expect([first.status, first.headers.get('x-ratelimit-remaining')]).toEqual([202, '1'])
    expect((await get('/order/status')).status).toBe(200)
    const limited = await put(`/order/${ORDER}`, { status_id: 19 })
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '60'])
    expect(fake.data.orders[0]?.status_id).toBe(12)
    expect(fake.writes.map((write) => write.status)).toEqual([202, 429])
  })

  it('hits only the method asked for, with KeyCRM bodies for 401, 404, 422 and 5xx', async () => {
    const { fake, put, get } = await start.fake()
    const cases: Array<[number, unknown]> = [
      [401, { message: 'Unauthenticated.' }],
      [404, { message: 'Not found' }],
      [422, { message: 'The given data was invalid.', errors: {} }],
      [502, { message: 'Server Error' }],
    ]
    for (const [status, body] of cases) {
      fake.fault({ kind: 'http_error', status, method: 'put', path: '/order/', times: 1 })
      expect((await get(`/order/${ORDER}`)).status).toBe(200)
      const response = await put(`/order/${ORDER}`, { status_id: 12 })
      expect([response.status, await response.json()]).toEqual([status, body])
    }
    fake.fault({ kind: 'rate_limited', retryAfterSeconds: 7, method: 'PUT', times: 1 })
    const limited = await put(`/order/${ORDER}`, { status_id: 12 })
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '7'])
    fake.fault({ kind: 'server_error', status: 503, method: 'PUT', times: 1 })
    expect((await put(`/order/${ORDER}`, { status_id: 12 })).status).toBe(503)
    expect(fake.data.orders[0]?.status_id).toBe(11)
    expect((await put(`/order/${ORDER}`, { status_id: 12 })).status).toBe(202)
    expect(fake.writes.map((write) => write.status)).toEqual([401, 404, 422, 502, 429, 503, 202])
  })

  it('before the work: a reset or a slow reply the client gave up on changes nothing', async () => {
    const { fake, put } = await start.fake()
    fake.fault({ kind: 'down', method: 'PUT', times: 1 })
    await expect(put(`/order/${ORDER}`, { status_id: 12 })).rejects.toThrow()
    fake.fault({ kind: 'slow', method: 'PUT', delayMs: 300, times: 1 })
    const gaveUp = put(`/order/${ORDER}`, { status_id: 12 }, { signal: AbortSignal.timeout(100) })
    await expect(gaveUp).rejects.toThrow()
    await sleep(350)
    expect(fake.data.orders[0]?.status_id).toBe(11)
    expect(fake.writes.map((write) => write.status)).toEqual([null, null])
  })

  it('after the work (applied): the change holds although the reply is lost, late or an error', async () => {
    const { fake, put } = await start.fake()
    fake.fault({ kind: 'down', method: 'PUT', applied: true, times: 1 })
    await expect(put(`/order/${ORDER}`, { status_id: 12 })).rejects.toThrow()
    expect(fake.data.orders[0]?.status_id).toBe(12)

    fake.fault({ kind: 'slow', method: 'PUT', delayMs: 300, applied: true, times: 1 })
    const gaveUp = put(`/order/${ORDER}`, { status_id: 19 }, { signal: AbortSignal.timeout(100) })
    await expect(gaveUp).rejects.toThrow()
    expect(fake.data.orders[0]?.status_id).toBe(19)

    fake.fault({ kind: 'http_error', status: 504, method: 'PUT', applied: true, times: 1 })
    expect((await put(`/order/${ORDER}`, { status_id: 20 })).status).toBe(504)
    expect(fake.data.orders[0]).toMatchObject({ status_id: 20, status_group_id: 6 })

    fake.fault({ kind: 'slow', method: 'PUT', delayMs: 200, applied: true, times: 1 })
    const started = Date.now()
    const late = await put(`/order/${ORDER}`, { status_id: 1 })
    expect(late.status).toBe(202)
    expect(Date.now() - started).toBeGreaterThanOrEqual(190)
  })
})
