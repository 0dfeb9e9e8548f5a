import { AsyncLocalStorage } from 'node:async_hooks'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { createFakeKeycrmApi, type FakeKeycrmApi } from '../../../testing/src/fake-keycrm/index.ts'
import { chatMigrationKey } from '../../src/delivery/routes.ts'
import type { KeygramStore, KeyValueStore, QueuedJob } from '../../src/delivery/types.ts'
import { validateTelegramHtml, visibleLength } from '../../src/format/index.ts'
import { createKeycrmClient } from '../../src/keycrm/client.ts'
import {
  createStockAlerter,
  defaultHysteresis,
  type StockAlerterOptions,
  type StockBalanceRow,
  type StockOfferState,
  type StockRule,
  stockStateKey,
} from '../../src/stock/index.ts'
import { memoryStore } from '../../src/stores/index.ts'

const CHAT = '-1001234567890'
const FAR = 4_000_000_000_000

function clockAt(start = 1_700_000_000_000) {
  const clock = {
    t: start,
    now: () => clock.t,
    sleep: (ms: number, signal?: AbortSignal) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms)
        signal?.addEventListener('abort', () => {
          clearTimeout(timer)
          resolve()
        })
      }),
  }
  return clock
}

/** Takes every queued job out of the store, in chat order. */
async function drain(store: KeygramStore): Promise<QueuedJob[]> {
  const jobs: QueuedJob[] = []
  for (;;) {
    const claims = await store.queue.claim({
      workerId: 'test',
      now: FAR,
      leaseMs: 60_000,
      maxChats: 100,
      maxJobsPerChat: 1000,
    })
    if (claims.length === 0) return jobs
    for (const claim of claims) {
      jobs.push(...claim.jobs)
      await store.queue.settle(claim.chatId, claim.claimToken, {
        done: claim.jobs.map((job) => job.id),
        now: FAR,
      })
    }
  }
}

function row(
  offer_id: number,
  available: number,
  reserve = 0,
  sku: string | null = `a001-${offer_id}`,
): StockBalanceRow {
  return { offer_id, sku, in_stock: available + reserve, in_reserve: reserve }
}

function alerter(store: KeygramStore, overrides: Partial<StockAlerterOptions> = {}, rules?: StockRule[]) {
  return createStockAlerter({
    store,
    rules: rules ?? [{ low: 5, hysteresis: 2, chats: [{ chatId: CHAT }] }],
    clock: clockAt(),
    ...overrides,
  })
}

/** ⚠️/⛔ lines are "low", ✅ lines "back", in message order. */
function directions(jobs: readonly QueuedJob[]): ('low' | 'back')[] {
  return jobs.flatMap((job) =>
    job.message.text
      .split('\n')
      .flatMap((line) =>
        line.startsWith('✅') ? ['back' as const] : /^(⚠️|⛔)/.test(line) ? ['low' as const] : [],
      ),
  )
}

let fakes: FakeKeycrmApi[] = []
afterEach(async () => {
  for (const fake of fakes) await fake.close()
  fakes = []
})

describe('createStockAlerter', () => {
  it("alerts the shared sample's offer with an exact, escaped message", async () => {
    const store = memoryStore()
    const stock = alerter(store, {}, [{ low: 20, chats: [{ chatId: CHAT, threadId: 3 }] }])
    const result = await stock.accept([{ offer_id: 130827, sku: 'a001-56', in_stock: 16, in_reserve: 3 }])
    expect(result).toMatchObject({ status: 'queued', rows: 1, offers: 1, crossings: 1, jobs: 1 })
    expect(result.deliveryKey).toMatch(/^stock:[0-9a-f]{16}$/)
    const jobs = await drain(store)
    expect(jobs).toHaveLength(1)
    expect(jobs[0]).toMatchObject({ chatId: CHAT, threadId: 3, deliveryKey: result.deliveryKey })
    expect(jobs[0]!.message).toEqual({
      text: '📦 <b>Залишки на складі</b>\n⚠️ мало: 13 (поріг 20) — <code>a001-56</code>',
      parse_mode: 'HTML',
      link_preview_options: { is_disabled: true },
    })
    expect(jobs[0]!.summaryLine).toBe('Залишки: мало 1, знову в наявності 0')
  })

  it('names products from the KeyCRM API (batched, cached) and links them when the domain is known', async () => {
    const fake = await createFakeKeycrmApi()
    fakes.push(fake)
    fake.data.products.push({ id: 503, name: 'Чашка <Кава & чай>', sku: 'cup', currency_code: 'UAH' })
    fake.data.offers.push({ id: 9001, product_id: 503, sku: 'cup-1', price: 99, quantity: 1 })
    const client = createKeycrmClient({ apiKey: fake.apiKey, baseUrl: fake.url })
    const store = memoryStore()
    const stock = alerter(store, {
      keycrm: { client, budgetMs: 2000 },
      keycrmDomain: 'myshop.keycrm.app',
      locale: 'en',
    })
    const result = await stock.accept([
      row(130827, 2, 0, 'a001-56'),
      row(9001, 0, 1, 'cup-1'),
      row(77, 1, 0, 'nope'),
    ])
    expect(result).toMatchObject({
      status: 'queued',
      crossings: 3,
      names: { status: 'complete', requests: 1 },
    })
    const [job] = await drain(store)
    expect(job!.message.text).toBe(
      [
        '📦 <b>Stock alerts</b> · 3',
        '⛔ out of stock: 0 — <a href="https://myshop.keycrm.app/app/products/view/503"><b>Чашка &lt;Кава &amp; чай&gt;</b></a> <code>cup-1</code>',
        '⚠️ low: 2 left (threshold 5) — <a href="https://myshop.keycrm.app/app/products/view/502"><b>Подушка-обіймашка</b></a> <code>a001-56</code>',
        '⚠️ low: 1 left (threshold 5) — <code>nope</code>',
      ].join('\n'),
    )
    expect(validateTelegramHtml(job!.message.text).ok).toBe(true)
    const offerRequests = () => fake.requests.filter((request) => request.path === '/offers')
    expect(offerRequests()).toHaveLength(1)
    expect(offerRequests()[0]!.query['filter[sku]']?.split(',').sort()).toEqual(['a001-56', 'cup-1', 'nope'])

    // Back and low again: the names (and the unknown SKU) come from the cache, no new request.
    await stock.accept([row(130827, 20, 0, 'a001-56'), row(9001, 20, 0, 'cup-1'), row(77, 20, 0, 'nope')])
    await stock.accept([row(130827, 1, 0, 'a001-56'), row(9001, 1, 0, 'cup-1'), row(77, 1, 0, 'nope')])
    expect(directions(await drain(store))).toEqual(['back', 'back', 'back', 'low', 'low', 'low'])
    expect(offerRequests()).toHaveLength(1)
  })

  it('does not wait for names past the budget: the alert names the SKU alone', async () => {
    const fake = await createFakeKeycrmApi()
    fakes.push(fake)
    fake.fault({ kind: 'slow', delayMs: 3000, path: '/offers' })
    const client = createKeycrmClient({ apiKey: fake.apiKey, baseUrl: fake.url })
    const store = memoryStore()
    const stock = alerter(store, { keycrm: { client, budgetMs: 150 }, clock: clockAt() })
    const started = performance.now()
    const result = await stock.accept([row(130827, 2, 0, 'a001-56')])
    expect(performance.now() - started).toBeLessThan(1000)
    expect(result).toMatchObject({ status: 'queued', names: { status: 'partial', reason: 'timeout' } })
    const [job] = await drain(store)
    expect(job!.message.text).toBe('📦 <b>Залишки на складі</b>\n⚠️ мало: 2 (поріг 5) — <code>a001-56</code>')
  })

  it('crossing down, up and down gives exactly three alerts, in order', async () => {
    const store = memoryStore()
    const stock = alerter(store, { locale: 'ru' })
    const levels = [12, 4, 6, 9, 8, 3, 2]
    const statuses = []
    for (const [index, level] of levels.entries())
      statuses.push((await stock.accept([row(1, level, index)])).status)
    expect(statuses).toEqual([
      'no_alerts',
      'queued',
      'no_alerts',
      'queued',
      'no_alerts',
      'queued',
      'no_alerts',
    ])
    const jobs = await drain(store)
    expect(jobs.map((job) => job.message.text.split('\n')[1])).toEqual([
      '⚠️ мало: 4 (порог 5) — <code>a001-1</code>',
      '✅ снова в наличии: 9 — <code>a001-1</code>',
      '⚠️ мало: 3 (порог 5) — <code>a001-1</code>',
    ])
  })

  it('a redelivered array changes nothing; the same list after the dedupe window is a new webhook', async () => {
    const clock = clockAt()
    const store = memoryStore({ clock: clock.now })
    const stock = alerter(store, { clock, dedupeTtlMs: 60_000 })
    const rows = [row(1, 3), row(2, 30)]
    const first = await stock.accept(rows)
    expect(first.status).toBe('queued')
    // Key order and numbers as strings do not make it a different body.
    const again = await stock.accept([
      { in_reserve: 0, in_stock: 3, sku: 'a001-1', offer_id: 1 },
      { offer_id: 2, sku: 'a001-2', in_stock: 30, in_reserve: 0 },
    ])
    expect(again).toMatchObject({ status: 'duplicate', deliveryKey: first.deliveryKey, jobs: 0 })
    // Meanwhile offer 1 came back; a stale redelivery of the first body must not take it low again.
    await stock.accept([row(1, 40)])
    expect((await stock.accept(rows)).status).toBe('duplicate')
    expect(directions(await drain(store))).toEqual(['low', 'back'])
    clock.t += 60_001
    expect((await stock.accept(rows)).status).toBe('queued')
    expect(directions(await drain(store))).toEqual(['low'])
  })

  it('a retry after a crash between the state update and the enqueue queues the alerts, once', async () => {
    const store = memoryStore()
    let failNext = true
    const flaky = {
      kv: store.kv,
      queue: {
        enqueue: (input: Parameters<KeygramStore['queue']['enqueue']>[0]) => {
          if (failNext) {
            failNext = false
            return Promise.reject(new Error('store went away'))
          }
          return store.queue.enqueue(input)
        },
      },
    }
    const stock = alerter(store, { store: flaky })
    const rows = [row(1, 2), row(2, 1), row(3, 50)]
    await expect(stock.accept(rows)).rejects.toThrow('store went away')
    expect(await drain(store)).toEqual([])
    const retry = await stock.accept(rows)
    expect(retry).toMatchObject({ status: 'queued', crossings: 2, jobs: 1 })
    expect(directions(await drain(store))).toEqual(['low', 'low'])
    // A second retry (KeyCRM did not see the first answer) queues nothing more.
    expect((await stock.accept(rows)).status).toBe('duplicate')
    expect(await drain(store)).toEqual([])
  })

  it('state survives a restart: a new alerter on the same store neither repeats nor misses a crossing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 15 }), { minLength: 1, maxLength: 25 }),
        fc.array(fc.boolean(), { minLength: 25, maxLength: 25 }),
        async (levels, restarts) => {
          const store = memoryStore()
          let stock = alerter(store)
          for (const [index, level] of levels.entries()) {
            if (restarts[index]) stock = alerter(store)
            await stock.accept([row(1, level, index)])
          }
          expect(directions(await drain(store))).toEqual(model(levels, 5, 2))
        },
      ),
      { numRuns: 100 },
    )
  })

  it('two alerters racing on one store announce each crossing exactly once, as some serial order would', async () => {
    const rules: StockRule[] = [
      { low: 5, hysteresis: 2, chats: [{ chatId: CHAT }] },
      { low: 9, hysteresis: 1, chats: [{ chatId: CHAT }] },
    ]
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 14 }), fc.boolean(), fc.nat(3), fc.nat(3)), {
          minLength: 2,
          maxLength: 30,
        }),
        async (webhooks) => {
          const store = memoryStore()
          const log: { webhook: number; op: 'read' | 'write'; ok: boolean }[] = []
          const kv = racyKv(
            store.kv,
            webhooks.map(([, , getDelay, casDelay]) => [getDelay, casDelay]),
            log,
          )
          const shared = { kv, queue: store.queue }
          const replicas = [
            alerter(store, { store: shared }, rules),
            alerter(store, { store: shared }, rules),
          ]
          const results = await Promise.all(
            webhooks.map(([level, second], index) =>
              caller.run(index, () => replicas[second ? 1 : 0]!.accept([row(1, level, index)])),
            ),
          )
          // Where each webhook took effect: its successful write, or else its last read of the offer.
          const point = new Map<number, number>()
          log.forEach((entry, position) => {
            if (entry.op === 'write' && entry.ok) point.set(entry.webhook, position)
          })
          log.forEach((entry, position) => {
            const wrote = log.some(
              (other) => other.webhook === entry.webhook && other.op === 'write' && other.ok,
            )
            if (entry.op === 'read' && !wrote) point.set(entry.webhook, position)
          })
          const order = [...point.entries()].sort((x, y) => x[1] - y[1]).map(([webhook]) => webhook)
          expect(order).toHaveLength(webhooks.length)
          // Replaying the webhooks one by one in that order gives each webhook's crossings, per band.
          const replayed = replay(
            order.map((webhook) => webhooks[webhook]![0]),
            rules,
          )
          expect(order.map((webhook) => results[webhook]!.crossings)).toEqual(replayed)
          const announced = results.reduce((sum, result) => sum + result.crossings, 0)
          const state = await store.kv.get<StockOfferState>(stockStateKey(1))
          const seqs = Object.values(state?.bands ?? {}).reduce((sum, band) => sum + band.seq, 0)
          expect(announced).toBe(seqs)
          expect(directions(await drain(store)).length).toBe(announced)
        },
      ),
      { numRuns: 200 },
    )
  })

  it('the same webhook delivered to two replicas at once queues its alert once', async () => {
    const store = memoryStore()
    const replicas = [alerter(store), alerter(store)]
    const rows = [row(1, 2), row(2, 3)]
    const results = await Promise.all(replicas.map((replica) => replica.accept(rows)))
    expect(results.map((result) => result.status).sort()).toEqual(['duplicate', 'queued'])
    expect(directions(await drain(store))).toEqual(['low', 'low'])
  })

  it('a 10 000-row import crossing 1 500 offers becomes a few summary messages under 4096 characters', async () => {
    const store = memoryStore()
    const stock = alerter(store, {}, [
      { low: 5, chats: [{ chatId: CHAT }] },
      { low: 5, skus: ['bulk-1*'], chats: [{ chatId: '-100777' }], locale: 'en' },
    ])
    const baseline = Array.from({ length: 10_000 }, (_, index) => row(index + 1, 50, 0, `bulk-${index}`))
    expect((await stock.accept(baseline)).crossings).toBe(0)
    const crossing = new Set(Array.from({ length: 1500 }, (_, index) => index * 6 + 1))
    const rows = baseline.map((item) =>
      crossing.has(item.offer_id) ? { ...item, in_stock: 7, in_reserve: 5 } : { ...item, in_reserve: 1 },
    )
    const started = performance.now()
    const result = await stock.accept(rows)
    const elapsed = performance.now() - started
    expect(result).toMatchObject({ status: 'queued', rows: 10_000, offers: 10_000, crossings: 1500 })
    const jobs = await drain(store)
    const main = jobs.filter((job) => job.chatId === CHAT)
    expect(main.length).toBeGreaterThan(1)
    expect(main.length).toBeLessThanOrEqual(5)
    for (const job of jobs) {
      expect(visibleLength(job.message.text)).toBeLessThanOrEqual(4096)
      expect(validateTelegramHtml(job.message.text)).toEqual({ ok: true })
    }
    const lines = main.flatMap((job) => job.message.text.split('\n'))
    const shown = lines.filter((line) => line.startsWith('⚠️')).length
    const more = lines.at(-1)?.match(/^<i>…і ще (\d+)<\/i>$/)
    expect(shown + Number(more?.[1])).toBe(1500)
    expect(main.map((job) => job.summaryLine)).toEqual(
      main.map((_, index) => `Залишки: мало 1500, знову в наявності 0 (${index + 1}/${main.length})`),
    )
    // The pattern rule's chat gets only its SKUs (bulk-1, bulk-1x, bulk-1xx, bulk-1xxx: 1 + 10 + 100 + 1000 of
    // which every sixth crossed) in its own language.
    const patterned = jobs.filter((job) => job.chatId === '-100777')
    expect(patterned[0]!.message.text.startsWith('📦 <b>Stock alerts</b> · ')).toBe(true)
    const patternCount = [...crossing].filter((id) => `bulk-${id - 1}`.startsWith('bulk-1')).length
    expect(patterned[0]!.message.text).toContain(`· ${patternCount}`)
    console.info(`stock: 10 000 rows, 1 500 crossings accepted in ${elapsed.toFixed(0)} ms (memory store)`)
  })

  it('follows rule options: back-in-stock off, topics, silence, chat migrations', async () => {
    const store = memoryStore()
    await store.kv.set(chatMigrationKey('-100500'), '-100600')
    const stock = alerter(store, {}, [
      { low: 5, backInStock: false, chats: [{ chatId: -100500 }], disableNotification: true },
      { low: 10, hysteresis: 0, skus: ['a001-2'], chats: [{ chatId: CHAT, threadId: 9 }] },
    ])
    await stock.accept([row(1, 4), row(2, 4)])
    await stock.accept([row(1, 40), row(2, 11)])
    const jobs = await drain(store)
    expect(
      jobs.map((job) => [job.chatId, job.threadId, job.message.disable_notification, directions([job])]),
    ).toEqual([
      ['-100600', undefined, true, ['low', 'low']],
      [CHAT, 9, undefined, ['low']],
      [CHAT, 9, undefined, ['back']],
    ])
  })

  it('refuses a store without compareAndSet, and invalid rules', () => {
    const store = memoryStore()
    const { compareAndSet: _, ...kv } = store.kv
    expect(() => alerter(store, { store: { kv: kv as KeyValueStore, queue: store.queue } })).toThrow(
      'kv.compareAndSet',
    )
    expect(() => alerter(store, {}, [{ low: 1, chats: [] }])).toThrow('stockRules[0].chats')
  })
})

/** The reference two-state machine. */
function model(levels: readonly number[], low: number, hysteresis: number): ('low' | 'back')[] {
  let isLow = false
  const out: ('low' | 'back')[] = []
  for (const level of levels) {
    if (!isLow && level <= low) out.push('low')
    else if (isLow && level > low + hysteresis) out.push('back')
    else continue
    isLow = !isLow
  }
  return out
}

/** Crossings per webhook when `levels` are applied one after the other. */
function replay(levels: readonly number[], rules: readonly StockRule[]): number[] {
  const lows = new Map<string, boolean>()
  return levels.map((level) => {
    let count = 0
    for (const rule of rules) {
      const hysteresis = rule.hysteresis ?? defaultHysteresis(rule.low)
      const key = `${rule.low}/${hysteresis}`
      const isLow = lows.get(key) ?? false
      if (isLow ? level > rule.low + hysteresis : level <= rule.low) {
        lows.set(key, !isLow)
        count++
      }
    }
    return count
  })
}

/** Which webhook a kv call is made for, so the racy kv can log it. */
const caller = new AsyncLocalStorage<number>()

/**
 * A kv whose reads and compare-and-sets of offer states take a few event-loop turns, so concurrent
 * read-modify-writes really interleave. Logs each one, in the order the store performed them, with the
 * webhook it was for.
 */
function racyKv(
  kv: KeyValueStore,
  delays: [number, number][],
  log: { webhook: number; op: 'read' | 'write'; ok: boolean }[],
): KeyValueStore {
  let call = 0
  const turns = async () => {
    const [a = 0, b = 0] = delays[call++ % delays.length] ?? []
    for (let i = 0; i < a + b; i++) await new Promise((resolve) => setImmediate(resolve))
  }
  return {
    get: async (key) => {
      if (!key.startsWith('stock:offer:')) return kv.get(key)
      await turns()
      // The memory store reads synchronously when called, so the log order is the store's order.
      log.push({ webhook: caller.getStore() ?? -1, op: 'read', ok: true })
      return kv.get(key)
    },
    set: (key, value, options) => kv.set(key, value, options),
    setIfAbsent: (key, value, options) => kv.setIfAbsent(key, value, options),
    delete: (key) => kv.delete(key),
    compareAndSet: async (key, expected, next, options) => {
      await turns()
      const entry = { webhook: caller.getStore() ?? -1, op: 'write' as const, ok: false }
      log.push(entry)
      entry.ok = await kv.compareAndSet!(key, expected, next, options)
      return entry.ok
    },
  }
}
