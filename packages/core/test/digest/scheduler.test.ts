import { describe, expect, it } from 'vitest'
import { createNotifier } from '../../src/delivery/notifier.ts'
import type { KeygramStore, QueuedJob } from '../../src/delivery/types.ts'
import { computeDigest } from '../../src/digest/compute.ts'
import {
  createDigestScheduler,
  DigestConfigError,
  type DigestRunResult,
  digestPeriod,
} from '../../src/digest/scheduler.ts'
import { formatMoney } from '../../src/format/intl.ts'
import { memoryStore } from '../../src/stores/index.ts'
import { parseWebhook } from '../../src/webhook/index.ts'
import { fakeTimerClock } from './fake-timer-clock.ts'

const CHAT = '-1001234567890'
const at = (iso: string) => Date.parse(iso)

interface OrderChange {
  at: string
  id: number
  group: number
  status?: number
  total?: number
  paid?: string
  created?: string
  kind?: 'status' | 'payment'
}

/** Feeds the day's webhooks through the real notifier at their times, as the server would. */
async function feedDay(store: KeygramStore) {
  let now = 0
  const notifier = createNotifier({ store, routes: [{ chatId: '-100999' }], clock: { now: () => now } })
  const send = async (change: OrderChange) => {
    now = at(change.at)
    const context = {
      id: change.id,
      status_id: change.status ?? change.group * 10,
      status_group_id: change.group,
      grand_total: change.total ?? 100,
      payment_status: change.paid ?? 'not_paid',
      created_at: change.created ?? '2026-01-28T08:00:00.000000Z',
      status_changed_at: change.at,
    }
    const event =
      change.kind === 'payment'
        ? parseWebhook({ event: 'order.change_payment_status', context })
        : parseWebhook({ event: 'order.change_order_status', context })
    return notifier.accept(event)
  }
  // Kyiv is UTC+2 in January: 2026-01-28 local runs from 27T22:00Z to 28T22:00Z.
  await send({ at: '2026-01-28T08:00:00Z', id: 1, group: 1, total: 900 })
  expect((await send({ at: '2026-01-28T08:00:00Z', id: 1, group: 1, total: 900 })).status).toBe('duplicate')
  await send({
    at: '2026-01-28T10:00:00Z',
    id: 2,
    group: 1,
    total: 419_000,
    paid: 'paid',
    created: '2026-01-27T10:00:00Z',
  })
  // Created late on the 28th (local) and entering a non-new status: new by its created_at.
  await send({
    at: '2026-01-28T21:30:00Z',
    id: 3,
    group: 2,
    total: 1_000_000,
    created: '2026-01-28T21:30:00Z',
  })
  // Created on the 27th local (21:30Z = 23:30 local), canceled on the 28th.
  await send({ at: '2026-01-27T21:30:00Z', id: 4, group: 1, created: '2026-01-27T21:30:00Z' })
  await send({ at: '2026-01-28T09:00:00Z', id: 4, group: 6, created: '2026-01-27T21:30:00Z' })
  // New just after local midnight: belongs to the 29th.
  await send({ at: '2026-01-28T22:30:00Z', id: 5, group: 1, created: '2026-01-28T22:30:00Z' })
  // Unpaid for two days and still open: waiting for payment.
  await send({ at: '2026-01-26T10:00:00Z', id: 6, group: 2, created: '2026-01-26T10:00:00Z' })
  // Created on the 28th (so new) and unpaid for 2 hours only; and one unpaid for long but paid since.
  await send({ at: '2026-01-28T20:00:00Z', id: 7, group: 2, created: '2026-01-28T20:00:00Z' })
  await send({ at: '2026-01-20T10:00:00Z', id: 8, group: 2, created: '2026-01-20T10:00:00Z' })
  await send({
    at: '2026-01-28T12:00:00Z',
    id: 8,
    group: 2,
    paid: 'paid',
    kind: 'payment',
    created: '2026-01-20T10:00:00Z',
  })
  // Lead events count as events but not as orders.
  now = at('2026-01-28T12:30:00Z')
  await notifier.accept(
    parseWebhook({ event: 'lead.change_lead_status', context: { id: 13898, status_id: 1002 } }),
  )
}

async function digestJobs(store: KeygramStore): Promise<QueuedJob[]> {
  const claims = await store.queue.claim({
    workerId: 'test',
    now: Date.parse('2030-01-01T00:00:00Z'),
    leaseMs: 1_000,
    maxChats: 100,
    maxJobsPerChat: 100,
  })
  const jobs = claims.flatMap((claim) => claim.jobs).filter((job) => job.deliveryKey.startsWith('digest:'))
  // Delivered: a later look sees only what was queued since.
  for (const claim of claims)
    await store.queue.settle(claim.chatId, claim.claimToken, {
      done: claim.jobs.map((job) => job.id),
      now: 0,
    })
  return jobs
}

const uah = (amount: number) => formatMoney(amount, 'uk-UA', 'UAH')
const schedule = { chatId: CHAT, cron: '0 9 * * *', timeZone: 'Europe/Kyiv', locale: 'uk' as const }

describe('digest numbers', () => {
  it('counts new orders (created or entering group 1), their total, cancellations and long-unpaid orders', async () => {
    const store = memoryStore()
    await feedDay(store)
    const period = digestPeriod(at('2026-01-29T07:00:00Z'), 'Europe/Kyiv')
    expect(period).toMatchObject({
      key: '2026-01-28',
      start: at('2026-01-27T22:00:00Z'),
      end: at('2026-01-28T22:00:00Z'),
    })
    const stats = computeDigest(await store.events.range(period.end - 30 * 86_400_000, period.end), period)
    expect(stats).toMatchObject({ newOrders: 4, newOrdersTotal: 1_420_000, canceled: 1, awaitingPayment: 1 })
    // 6 order deliveries on the 28th (local) plus the lead; the duplicate was not recorded.
    expect(stats.events).toBe(7)
  })
})

describe('createDigestScheduler', () => {
  it('sends the 09:00 digest once with two replicas running, with the right numbers', async () => {
    const store = memoryStore()
    await feedDay(store)
    const clock = fakeTimerClock(at('2026-01-29T06:00:00Z'))
    const results: DigestRunResult[] = []
    const replicas = [1, 2].map(() =>
      createDigestScheduler({ store, clock, schedules: [schedule], onRun: (result) => results.push(result) }),
    )
    for (const replica of replicas) await replica.start()
    // 08:00 local: yesterday's 09:00 run is 23 h old, beyond the catch-up window, so nothing yet.
    expect(results).toEqual([])
    expect(replicas[0]!.nextRun(0)).toBe(at('2026-01-29T07:00:00Z'))

    await clock.advanceTo(at('2026-01-29T07:00:05Z'))
    expect(results.map((result) => result.status).sort()).toEqual(['duplicate', 'queued'])
    expect(results.every((result) => result.deliveryKey === `digest:${CHAT}:2026-01-28`)).toBe(true)

    const jobs = await digestJobs(store)
    expect(jobs).toHaveLength(1)
    const text = jobs[0]!.message.text
    expect(jobs[0]!.chatId).toBe(CHAT)
    expect(text).toContain('Підсумок за 28.01.2026')
    expect(text).toContain(`Нових замовлень: <b>4</b> · <b>${uah(1_420_000)}</b>`)
    expect(text).toContain('Скасовано: <b>1</b>')
    expect(text).toContain('Чекають оплату понад 24 год: <b>1</b>')

    // The next day each replica runs again, and again only one digest goes out.
    await clock.advanceTo(at('2026-01-30T07:00:05Z'))
    const next = await digestJobs(store)
    expect(next.map((job) => job.deliveryKey)).toEqual([`digest:${CHAT}:2026-01-29`])
    expect(next[0]!.message.text).toContain('Нових замовлень: <b>1</b>')
    for (const replica of replicas) await replica.stop()
    expect(clock.sleepers).toBe(0)
  })

  it('sends a missed run late, once, when the process comes back', async () => {
    const store = memoryStore()
    await feedDay(store)
    // Every replica was down at 09:00; the first one is back at 11:30 local.
    const clock = fakeTimerClock(at('2026-01-29T09:30:00Z'))
    const results: DigestRunResult[] = []
    const onRun = (result: DigestRunResult) => results.push(result)
    const first = createDigestScheduler({ store, clock, schedules: [schedule], onRun })
    await first.start()
    expect(results).toMatchObject([{ status: 'queued', late: true, scheduledAt: at('2026-01-29T07:00:00Z') }])

    // A second replica starting, and the first restarting, find the digest already queued.
    const second = createDigestScheduler({ store, clock, schedules: [schedule], onRun })
    await second.start()
    await first.stop()
    await first.start()
    expect(results.map((result) => result.status)).toEqual(['queued', 'duplicate', 'duplicate'])
    const jobs = await digestJobs(store)
    expect(jobs).toHaveLength(1)
    expect(jobs[0]!.message.text).toContain('Скасовано: <b>1</b>')

    // Nothing more until the next 09:00.
    await clock.advanceTo(at('2026-01-30T06:59:00Z'))
    expect(await digestJobs(store)).toHaveLength(0)
    await first.stop()
    await second.stop()
  })

  it('does not catch up a run older than the catch-up window', async () => {
    const store = memoryStore()
    const clock = fakeTimerClock(at('2026-01-29T20:00:00Z'))
    const results: DigestRunResult[] = []
    const scheduler = createDigestScheduler({
      store,
      clock,
      schedules: [schedule],
      catchUpMs: 6 * 3_600_000,
      onRun: (result) => results.push(result),
    })
    await scheduler.start()
    expect(results).toEqual([])
    await scheduler.stop()
  })

  it('routes to a migrated chat and a topic, keyed by the configured chat', async () => {
    const store = memoryStore()
    await store.kv.set('chat-migration:-100555', '-1009999')
    const clock = fakeTimerClock(at('2026-01-29T07:00:00Z'))
    const scheduler = createDigestScheduler({
      store,
      clock,
      schedules: [{ chatId: -100555, threadId: 4, locale: 'en' }],
    })
    const result = await scheduler.runNow(0)
    expect(result).toMatchObject({
      status: 'queued',
      chatId: '-1009999',
      deliveryKey: 'digest:-100555:4:2026-01-28',
    })
    const [job] = await digestJobs(store)
    expect([job?.chatId, job?.threadId]).toEqual(['-1009999', 4])
    expect(job?.message.text).toContain('Summary for 28/01/2026')
    expect(job?.message.text).toContain('No events.')
  })

  it('rejects bad schedules with every problem listed', () => {
    let error: unknown
    try {
      createDigestScheduler({
        store: memoryStore(),
        schedules: [
          { chatId: 'general', cron: '0 9 * *' },
          { chatId: '-100', timeZone: 'Mars/Olympus' },
        ],
      })
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(DigestConfigError)
    const problems = (error as DigestConfigError).problems.join('\n')
    expect(problems).toMatch(/digests\[0\]\.chatId/)
    expect(problems).toMatch(/digests\[0\]\.cron/)
    expect(problems).toMatch(/digests\[1\]\.timeZone: unknown time zone "Mars\/Olympus"/)
  })
})
