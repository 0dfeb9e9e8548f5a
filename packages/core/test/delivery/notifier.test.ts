import { describe, expect, it } from 'vitest'
import { createNotifier } from '../../src/delivery/notifier.ts'
import { RouteConfigError } from '../../src/delivery/routes.ts'
import { memoryStore } from '../../src/stores/index.ts'
import { deliveryKey, type KeycrmEvent, parseWebhook } from '../../src/webhook/index.ts'

const statusChange = (id: number, statusId = 5): KeycrmEvent =>
  parseWebhook({
    event: 'order.change_order_status',
    context: { id, status_id: statusId, status_changed_at: '2026-01-29T18:53:35.000000Z' },
  })
const payment = (id: number): KeycrmEvent =>
  parseWebhook({
    event: 'order.change_payment_status',
    context: { id, payment_status: 'paid', updated_at: '2026-01-29 10:00:00' },
  })

async function queued(store: ReturnType<typeof memoryStore>) {
  const claims = await store.queue.claim({
    workerId: 't',
    now: Date.now() + 1,
    leaseMs: 1000,
    maxChats: 100,
    maxJobsPerChat: 100,
  })
  return claims.flatMap((claim) => claim.jobs)
}

describe('createNotifier', () => {
  it('enqueues one job per matching route with its summary line and the delivery key', async () => {
    const store = memoryStore()
    const notifier = createNotifier({
      cards: false,
      store,
      routes: [
        { chatId: -100, threadId: 7 },
        { chatId: '200', kinds: ['payment_status'] },
        { chatId: '300', statusIds: [5] },
      ],
    })
    const event = statusChange(42)
    expect(await notifier.accept(event)).toEqual({
      status: 'queued',
      deliveryKey: deliveryKey(event),
      jobs: 2,
    })
    const jobs = await queued(store)
    expect(jobs.map((job) => [job.chatId, job.threadId])).toEqual([
      ['-100', 7],
      ['300', undefined],
    ])
    expect(jobs[0]?.summaryLine).toBe('Замовлення #42 → #5')
    expect(jobs[0]?.message.text).toMatch(/<b>Замовлення #42<\/b>/)
    expect(jobs[0]?.deliveryKey).toBe(deliveryKey(event))
  })

  it('applies per-route locale and silence', async () => {
    const store = memoryStore()
    const notifier = createNotifier({
      cards: false,
      store,
      routes: [{ chatId: '1' }, { chatId: '2', locale: 'en', disableNotification: true }],
    })
    await notifier.accept(payment(9))
    const [uk, en] = await queued(store)
    expect(uk?.message.text).toMatch(/Оплата|оплат/i)
    expect(uk?.message.disable_notification).toBeUndefined()
    expect(en?.message.text).toMatch(/Payment for order #9/)
    expect(en?.summaryLine).toMatch(/^Order #9/)
    expect([uk?.summary?.to, en?.summary?.to]).toEqual(['Оплачено', 'Paid'])
    expect(en?.message.disable_notification).toBe(true)
  })

  it('remembers an unrouted delivery too, so its redelivery is a duplicate', async () => {
    const store = memoryStore()
    const notifier = createNotifier({
      cards: false,
      store,
      routes: [{ chatId: '1', kinds: ['lead_status'] }],
    })
    expect(await notifier.accept(statusChange(1))).toMatchObject({ status: 'unrouted', jobs: 0 })
    expect(await notifier.accept(statusChange(1))).toMatchObject({ status: 'duplicate', jobs: 0 })
    expect(await queued(store)).toHaveLength(0)
  })

  it('suppresses a redelivery but not the next change of the same order', async () => {
    const store = memoryStore()
    const notifier = createNotifier({ cards: false, store, routes: [{ chatId: '1' }] })
    expect((await notifier.accept(statusChange(1, 2))).status).toBe('queued')
    expect((await notifier.accept(statusChange(1, 2))).status).toBe('duplicate')
    expect((await notifier.accept(statusChange(1, 3))).status).toBe('queued')
  })

  it('lets the dedupe window expire', async () => {
    let now = 1_000_000
    const store = memoryStore()
    const notifier = createNotifier({
      cards: false,
      store,
      routes: [{ chatId: '1' }],
      dedupeTtlMs: 1000,
      clock: { now: () => now },
    })
    await notifier.accept(statusChange(1))
    now += 999
    expect((await notifier.accept(statusChange(1))).status).toBe('duplicate')
    now += 2
    expect((await notifier.accept(statusChange(1))).status).toBe('queued')
  })

  it('sends to the new id of a chat remembered as migrated', async () => {
    const store = memoryStore()
    await store.kv.set('chat-migration:-5', '-1005')
    const notifier = createNotifier({ cards: false, store, routes: [{ chatId: '-5' }] })
    await notifier.accept(statusChange(1))
    expect((await queued(store)).map((job) => job.chatId)).toEqual(['-1005'])
  })

  it('takes a routing function', async () => {
    const store = memoryStore()
    const notifier = createNotifier({
      cards: false,
      store,
      routes: async (event) =>
        event.kind === 'order_status' ? [{ chatId: `-${event.context.id}`, locale: 'en' }] : [],
    })
    await notifier.accept(statusChange(77))
    const [job] = await queued(store)
    expect(job?.chatId).toBe('-77')
    expect(job?.summaryLine).toMatch(/^Order #77/)
  })

  it('rejects invalid rules when created', () => {
    expect(() =>
      createNotifier({ cards: false, store: memoryStore(), routes: [{ chatId: 'oops' }] }),
    ).toThrow(RouteConfigError)
  })

  it('leaves nothing behind when the store refuses, so KeyCRM can retry', async () => {
    const store = memoryStore()
    const notifier = createNotifier({ cards: false, store, routes: [{ chatId: '1' }] })
    await store.close()
    await expect(notifier.accept(statusChange(1))).rejects.toThrow(/closed/)
  })
})

describe('createNotifier: event log, status names, quiet hours', () => {
  it('records each new delivery once, routed or not, and never a duplicate', async () => {
    let now = 1_700_000_000_000
    const store = memoryStore()
    const notifier = createNotifier({
      cards: false,
      store,
      routes: [{ chatId: '1', kinds: ['payment_status'] }],
      clock: { now: () => now },
    })
    expect((await notifier.accept(statusChange(42, 6))).status).toBe('unrouted')
    now += 1
    expect((await notifier.accept(statusChange(42, 6))).status).toBe('duplicate')
    now += 1
    expect((await notifier.accept(payment(42))).status).toBe('queued')
    const records = await store.events.range(0, Number.MAX_SAFE_INTEGER)
    expect(
      records.map((record) => [
        record.kind,
        record.entityId,
        record.statusId,
        record.paymentStatus,
        record.at,
      ]),
    ).toEqual([
      ['order_status', 42, 6, null, 1_700_000_000_000],
      ['payment_status', 42, null, 'paid', 1_700_000_000_002],
    ])
    expect(records[0]?.deliveryKey).toBe(deliveryKey(statusChange(42, 6)))
  })

  it('still resolves queued when recording fails, and reports it', async () => {
    const store = memoryStore()
    const errors: unknown[] = []
    const notifier = createNotifier({
      cards: false,
      store: {
        queue: store.queue,
        kv: store.kv,
        events: { ...store.events, append: () => Promise.reject(new Error('disk full')) },
      },
      routes: [{ chatId: '1' }],
      onEventLogError: (error) => errors.push(error),
    })
    expect((await notifier.accept(statusChange(1))).status).toBe('queued')
    expect(String(errors[0])).toMatch(/disk full/)
  })

  it('routes by status name and shows the name, given the status list', async () => {
    const store = memoryStore()
    const notifier = createNotifier({
      cards: false,
      store,
      statuses: { order: { 5: { name: 'Відправлено', alias: 'custom_5', groupId: 4 } } },
      routes: [{ chatId: '1', statusNames: ['відправлено'] }],
    })
    expect((await notifier.accept(statusChange(7, 5))).status).toBe('queued')
    expect((await notifier.accept(statusChange(7, 6))).status).toBe('unrouted')
    const [job] = await queued(store)
    expect(job?.summaryLine).toBe('Замовлення #7 → Відправлено')
    // The item a burst summary groups by names the status too, and survives the store.
    expect(job?.summary).toMatchObject({
      locale: 'uk',
      kind: 'order_status',
      id: 7,
      to: 'Відправлено',
      groupId: 4,
    })
  })

  it('delivers silently inside quiet hours, by the notifier clock', async () => {
    let now = Date.parse('2026-01-30T21:30:00Z') // 23:30 in Kyiv
    const store = memoryStore()
    const notifier = createNotifier({
      cards: false,
      store,
      routes: [{ chatId: '1', quietHours: { from: '22:00', to: '08:00' } }],
      clock: { now: () => now },
    })
    await notifier.accept(statusChange(1, 2))
    now = Date.parse('2026-01-31T10:00:00Z')
    await notifier.accept(statusChange(1, 3))
    const claims = await store.queue.claim({
      workerId: 't',
      now: Date.parse('2030-01-01T00:00:00Z'),
      leaseMs: 1000,
      maxChats: 10,
      maxJobsPerChat: 10,
    })
    const jobs = claims.flatMap((claim) => claim.jobs)
    expect(jobs.map((job) => job.message.disable_notification)).toEqual([true, undefined])
  })
})
