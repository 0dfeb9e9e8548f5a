import { afterEach, describe, expect, it } from 'vitest'
import { harness, sleep } from './helpers.ts'

const ORDER = 67526
const CARD = 13898
const NOW = Date.UTC(2026, 1, 2, 10, 15, 30)
const WRITTEN_AT = '2026-02-02T10:15:30.000000Z'
// What any HTTP client sends by itself; KeyCRM cannot add headers of its own (no signature, no secret header).
const PLAIN_HEADERS = new Set([
  'host',
  'connection',
  'content-type',
  'content-length',
  'user-agent',
  'accept',
  'accept-encoding',
  'accept-language',
  'sec-fetch-mode',
])
const start = harness()
afterEach(() => start.closeAll())

describe('fake KeyCRM API: the webhook of a status change', () => {
  it('POSTs {event, context} with the order’s flat columns, JSON, no custom headers', async () => {
    const receiver = await start.receiver()
    const { fake, put } = await start.fake({ webhookUrl: `${receiver.url}/keycrm/s3cret`, now: () => NOW })
    await put(`/order/${ORDER}`, { status_id: 12 })
    await fake.flushWebhooks()

    expect(receiver.received).toHaveLength(1)
    const [hook] = receiver.received
    expect(hook?.method).toBe('POST')
    expect(hook?.url).toBe('/keycrm/s3cret')
    expect(hook?.headers['content-type']).toBe('application/json')
    expect(Object.keys(hook?.headers ?? {}).filter((name) => !PLAIN_HEADERS.has(name))).toEqual([])
    const { buyer: _b, products: _p, shipping: _s, payments: _pay, ...columns } = fake.data.orders[0]!
    expect(hook?.body).toEqual({ event: 'order.change_order_status', context: columns })
    expect(hook?.body).toMatchObject({
      context: { id: ORDER, status_id: 12, status_group_id: 5, status_changed_at: WRITTEN_AT },
    })
    expect(fake.webhooks).toEqual([
      {
        url: `${receiver.url}/keycrm/s3cret`,
        body: hook?.body,
        status: 200,
        at: expect.any(Number),
        answeredAt: expect.any(Number),
      },
    ])
  })

  it('fires lead.change_lead_status with the card’s columns, without contact or products', async () => {
    const receiver = await start.receiver()
    const { fake, put } = await start.fake({ webhookUrl: receiver.url, now: () => NOW })
    await put(`/pipelines/cards/${CARD}`, { status_id: 1003 })
    await fake.flushWebhooks()
    expect(receiver.received.map((r) => r.body)).toEqual([
      {
        event: 'lead.change_lead_status',
        context: {
          id: CARD,
          title: 'Оптове замовлення',
          pipeline_id: 1,
          status_id: 1003,
          source_id: 2,
          contact_id: 5,
          manager_id: 6,
          manager_comment: null,
          status_changed_at: WRITTEN_AT,
          created_at: '2026-01-28T09:00:00.000000Z',
          updated_at: WRITTEN_AT,
        },
      },
    ])
  })

  it('fires nothing for a refused write, an unchanged status or without a URL', async () => {
    const receiver = await start.receiver()
    const { fake, put } = await start.fake()
    await put(`/order/${ORDER}`, { status_id: 12 })
    fake.webhookUrl = receiver.url
    await put(`/order/${ORDER}`, { status_id: 12 })
    await put(`/order/${ORDER}`, { status_id: 999 })
    fake.fault({ kind: 'server_error', method: 'PUT', times: 1 })
    await put(`/order/${ORDER}`, { status_id: 19 })
    await put(`/order/${ORDER}`, { status_id: 19 })
    fake.webhookUrl = undefined
    await put(`/order/${ORDER}`, { status_id: 20 })
    await fake.flushWebhooks()
    expect(
      receiver.received.map((r) => (r.body as { context: { status_id: number } }).context.status_id),
    ).toEqual([19])
  })

  it('fires after webhookDelayMs, which can be changed between changes', async () => {
    const receiver = await start.receiver()
    const { fake, put } = await start.fake({ webhookUrl: receiver.url, webhookDelayMs: 300 })
    const changedAt = Date.now()
    await put(`/order/${ORDER}`, { status_id: 12 })
    await sleep(150)
    expect(receiver.received).toHaveLength(0)
    await fake.flushWebhooks()
    expect(receiver.received[0]!.at - changedAt).toBeGreaterThanOrEqual(290)

    fake.webhookDelayMs = 0
    await put(`/order/${ORDER}`, { status_id: 19 })
    await fake.flushWebhooks()
    expect(receiver.received).toHaveLength(2)
  })

  it('fires when the change was applied although the reply was lost', async () => {
    const receiver = await start.receiver()
    const { fake, put } = await start.fake({ webhookUrl: receiver.url })
    fake.fault({ kind: 'down', method: 'PUT', applied: true, times: 1 })
    await expect(put(`/order/${ORDER}`, { status_id: 12 })).rejects.toThrow()
    await fake.flushWebhooks()
    expect(receiver.received).toHaveLength(1)
    expect(fake.writes.map((write) => write.status)).toEqual([null])
  })

  it('records what the receiver answered, or why it could not be reached', async () => {
    const receiver = await start.receiver()
    receiver.status = 503
    const { fake, put } = await start.fake({ webhookUrl: receiver.url })
    await put(`/order/${ORDER}`, { status_id: 12 })
    await fake.flushWebhooks()
    await receiver.close()
    await put(`/order/${ORDER}`, { status_id: 19 })
    await fake.flushWebhooks()
    expect(fake.webhooks.map((w) => [w.status, w.error])).toEqual([
      [503, undefined],
      [null, expect.stringMatching(/ECONNREFUSED/)],
    ])
  })

  it('changes a status as a manager in the UI would: the webhook fires, no request, no rate limit used', async () => {
    const receiver = await start.receiver()
    const { fake, get } = await start.fake({
      webhookUrl: receiver.url,
      now: () => NOW,
      rateLimit: { limit: 1, windowMs: 60_000 },
    })
    expect(fake.changeOrderStatus(ORDER, 19)).toMatchObject({ id: ORDER, status_id: 19, status_group_id: 6 })
    expect(fake.changeLeadStatus(CARD, 1001)).toMatchObject({ id: CARD, status_id: 1001 })
    expect(() => fake.changeOrderStatus(ORDER, 999)).toThrow('The selected status id is invalid.')
    expect(() => fake.changeLeadStatus(1, 1001)).toThrow('Card not found')
    await fake.flushWebhooks()
    expect(receiver.received.map((r) => (r.body as { event: string }).event)).toEqual([
      'order.change_order_status',
      'lead.change_lead_status',
    ])
    expect(fake.requests).toEqual([])
    expect((await get(`/order/${ORDER}`)).status).toBe(200)
  })

  it('close() aborts a webhook still waiting for its delay', async () => {
    const receiver = await start.receiver()
    const { fake } = await start.fake({ webhookUrl: receiver.url, webhookDelayMs: 60_000 })
    fake.changeOrderStatus(ORDER, 12)
    const started = Date.now()
    await fake.close()
    expect(Date.now() - started).toBeLessThan(1000)
    expect(fake.webhooks[0]).toMatchObject({ status: null, error: expect.stringMatching(/closed|abort/i) })
    expect(receiver.received).toEqual([])
  })
})
