import { describe, expect, it } from 'vitest'
import {
  combineRoutes,
  MAX_SUBSCRIBED_CHATS,
  parseSubscriptionKinds,
  readSubscriptions,
  SUBSCRIPTIONS_KEY,
  SubscriptionLimitError,
  subscriptionOf,
  subscriptionRoutes,
  updateSubscription,
} from '../../src/commands/index.ts'
import { cleanTitle } from '../../src/commands/text.ts'
import { createNotifier } from '../../src/delivery/notifier.ts'
import { chatMigrationKey, RouteConfigError } from '../../src/delivery/routes.ts'
import type { KeyValueStore } from '../../src/delivery/types.ts'
import { memoryStore } from '../../src/stores/index.ts'
import { type KeycrmEvent, parseWebhook } from '../../src/webhook/index.ts'

const order = (id = 1): KeycrmEvent =>
  parseWebhook({
    event: 'order.change_order_status',
    context: { id, status_id: 5, status_changed_at: '2026-01-29T18:53:35.000000Z' },
  })
const payment = (): KeycrmEvent =>
  parseWebhook({ event: 'order.change_payment_status', context: { id: 1, payment_status: 'paid' } })
const lead = (): KeycrmEvent =>
  parseWebhook({ event: 'lead.change_lead_status', context: { id: 9, status_id: 3 } })
const other = (): KeycrmEvent => parseWebhook({ event: 'order.created', context: { id: 1 } })

const now = 1_769_712_815_000

describe('subscriptionRoutes', () => {
  it('routes each event to the chats and topics subscribed to its kind, read fresh from the store', async () => {
    const store = memoryStore()
    const routes = subscriptionRoutes(store)
    expect(await routes(order())).toEqual([])
    await updateSubscription(store.kv, { chatId: '-1001', threadId: 7 }, { add: ['order_status'], now })
    await updateSubscription(store.kv, { chatId: '-1002' }, { add: ['payment_status', 'order_status'], now })
    await updateSubscription(store.kv, { chatId: '300' }, { add: ['unknown'], now })
    expect(await routes(order())).toEqual([{ chatId: '-1001', threadId: 7 }, { chatId: '-1002' }])
    expect(await routes(payment())).toEqual([{ chatId: '-1002' }])
    expect(await routes(lead())).toEqual([])
    expect(await routes(other())).toEqual([{ chatId: '300' }])
    await updateSubscription(store.kv, { chatId: '-1001', threadId: 7 }, { remove: ['order_status'], now })
    expect(await routes(order())).toEqual([{ chatId: '-1002' }])
  })

  it('ignores a malformed record or entry instead of breaking routing', async () => {
    const store = memoryStore()
    await store.kv.set(SUBSCRIPTIONS_KEY, 'garbage')
    expect(await subscriptionRoutes(store)(order())).toEqual([])
    await store.kv.set(SUBSCRIPTIONS_KEY, {
      version: 1,
      chats: [
        { chatId: '-5', kinds: ['order_status'] },
        { chatId: 'not a chat', kinds: ['order_status'] },
        { chatId: '-6', kinds: ['bogus'] },
        { chatId: '-7', kinds: [] },
        null,
      ],
    })
    expect(await subscriptionRoutes(store)(order())).toEqual([{ chatId: '-5' }])
    // The next change rewrites the record without the bad entries.
    await updateSubscription(store.kv, { chatId: '-8' }, { add: ['lead_status'], now })
    expect(await readSubscriptions(store.kv)).toEqual([
      { chatId: '-5', kinds: ['order_status'] },
      { chatId: '-8', kinds: ['lead_status'], updatedAt: now },
    ])
  })
})

describe('updateSubscription', () => {
  it('does not lose concurrent changes of different chats (read-modify-write is serialised)', async () => {
    const store = memoryStore()
    // A slow store makes every unserialised read-modify-write overlap.
    const slow: KeyValueStore = {
      get: async (key) => {
        await new Promise((resolve) => setTimeout(resolve, 2))
        return store.kv.get(key)
      },
      set: async (key, value) => {
        await new Promise((resolve) => setTimeout(resolve, 2))
        return store.kv.set(key, value)
      },
      setIfAbsent: (key, value) => store.kv.setIfAbsent(key, value),
      delete: (key) => store.kv.delete(key),
    }
    await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        updateSubscription(slow, { chatId: String(-1000 - index) }, { add: ['order_status'], now }),
      ),
    )
    expect((await readSubscriptions(store.kv)).map((entry) => entry.chatId).sort()).toEqual(
      Array.from({ length: 20 }, (_, index) => String(-1000 - index)).sort(),
    )
  })

  it('keeps working after a failed write', async () => {
    const store = memoryStore()
    let failNext = true
    const flaky: KeyValueStore = {
      ...store.kv,
      get: (key) => store.kv.get(key),
      set: async (key, value) => {
        if (failNext) {
          failNext = false
          throw new Error('store down')
        }
        return store.kv.set(key, value)
      },
    }
    await expect(updateSubscription(flaky, { chatId: '-1' }, { add: ['lead_status'], now })).rejects.toThrow(
      'store down',
    )
    expect(await updateSubscription(flaky, { chatId: '-1' }, { add: ['lead_status'], now })).toEqual([
      'lead_status',
    ])
  })

  it('refuses a new chat beyond the limit but still updates existing ones', async () => {
    const store = memoryStore()
    const chats = Array.from({ length: MAX_SUBSCRIBED_CHATS }, (_, index) => ({
      chatId: String(-1 - index),
      kinds: ['order_status'],
    }))
    await store.kv.set(SUBSCRIPTIONS_KEY, { version: 1, chats })
    await expect(
      updateSubscription(store.kv, { chatId: '-99999' }, { add: ['order_status'], now }),
    ).rejects.toBeInstanceOf(SubscriptionLimitError)
    expect(await updateSubscription(store.kv, { chatId: '-1' }, { add: ['lead_status'], now })).toEqual([
      'order_status',
      'lead_status',
    ])
    expect(await subscriptionOf(store.kv, { chatId: '-99999' })).toEqual([])
  })
})

describe('combineRoutes', () => {
  it('routes by config rules and subscriptions, dropping identical destinations (the first wins)', async () => {
    const store = memoryStore()
    await updateSubscription(store.kv, { chatId: '-100', threadId: 7 }, { add: ['order_status'], now })
    await updateSubscription(store.kv, { chatId: '-100' }, { add: ['order_status'], now })
    await updateSubscription(store.kv, { chatId: '-200' }, { add: ['order_status'], now })
    const routes = combineRoutes(
      [
        { chatId: -100, threadId: 7, locale: 'en' },
        { chatId: '-300', kinds: ['payment_status'] },
      ],
      subscriptionRoutes(store),
    )
    expect(await routes(order())).toEqual([
      { chatId: '-100', threadId: 7, locale: 'en' },
      { chatId: '-100' },
      { chatId: '-200' },
    ])
    expect(await routes(payment())).toEqual([
      { chatId: '-100', threadId: 7, locale: 'en' },
      { chatId: '-300' },
    ])
  })

  it('takes a route function too, and checks rules at once', async () => {
    const routes = combineRoutes(
      () => [{ chatId: '1' }],
      async () => [{ chatId: '1' }, { chatId: '2' }],
    )
    expect(await routes(order())).toEqual([{ chatId: '1' }, { chatId: '2' }])
    expect(() => combineRoutes([{ chatId: 'nope' }])).toThrow(RouteConfigError)
  })

  it('lets a notifier deliver to subscribed chats once, following chat migrations', async () => {
    const store = memoryStore()
    await updateSubscription(store.kv, { chatId: '-100' }, { add: ['order_status'], now })
    await updateSubscription(store.kv, { chatId: '-555' }, { add: ['order_status'], now })
    await store.kv.set(chatMigrationKey('-555'), '-1005550000000')
    const notifier = createNotifier({
      store,
      routes: combineRoutes([{ chatId: '-100' }, { chatId: '-1005550000000' }], subscriptionRoutes(store)),
    })
    expect(await notifier.accept(order(77))).toMatchObject({ status: 'queued', jobs: 2 })
    const claims = await store.queue.claim({
      workerId: 't',
      now: now * 2,
      leaseMs: 1000,
      maxChats: 10,
      maxJobsPerChat: 10,
    })
    expect(claims.map((claim) => claim.chatId).sort()).toEqual(['-100', '-1005550000000'])
  })
})

describe('parseSubscriptionKinds', () => {
  it('reads kinds, event names and `all`, separated by spaces or commas, in a stable order', () => {
    expect(parseSubscriptionKinds('')).toEqual({
      ok: true,
      kinds: ['order_status', 'payment_status', 'lead_status', 'unknown'],
    })
    expect(parseSubscriptionKinds(' Lead_Status,order.change_order_status;order_status ')).toEqual({
      ok: true,
      kinds: ['order_status', 'lead_status'],
    })
    expect(parseSubscriptionKinds('all lead_status')).toMatchObject({ ok: true, kinds: { length: 4 } })
    expect(parseSubscriptionKinds('orders order_status orders __proto__')).toEqual({
      ok: false,
      invalid: ['orders', '__proto__'],
    })
  })
})

describe('cleanTitle', () => {
  it('flattens separators and bidi controls and bounds the length', () => {
    expect(cleanTitle('a\r\nb\u2028c\u202ed\u0000  e')).toBe('a b c d e')
    expect([...cleanTitle('я'.repeat(500))]).toHaveLength(128)
  })
})
