// #region fake
import {
  createDeliveryWorker,
  createFetchTransport,
  createNotifier,
  memoryStore,
  parseWebhook,
} from '@keygram/core'
import { createFakeBotApi, type FakeBotApi } from '@keygram/testing'
import { afterEach, expect, it } from 'vitest'

let telegram: FakeBotApi
afterEach(() => telegram.close())

it('delivers an order status change to the routed chat', async () => {
  telegram = await createFakeBotApi()
  const store = memoryStore()
  const notifier = createNotifier({ store, routes: [{ chatId: '-1001234567890' }], format: { locale: 'en' } })
  const worker = createDeliveryWorker({
    store,
    transport: createFetchTransport({ token: telegram.token, apiRoot: telegram.url }),
  })

  const event = parseWebhook({
    event: 'order.change_order_status',
    context: { id: 23196, status_id: 3, status_changed_at: '2026-01-29T18:53:35.000000Z' },
  })
  expect((await notifier.accept(event)).status).toBe('queued')
  expect((await notifier.accept(event)).status).toBe('duplicate') // a KeyCRM retry adds nothing

  await worker.runOnce()
  expect(telegram.sent).toHaveLength(1)
  expect(telegram.sent[0]?.chat_id).toBe(-1001234567890)
  expect(telegram.sent[0]?.plain_text).toContain('#23196')
})

it('dead-letters a chat that blocked the bot', async () => {
  telegram = await createFakeBotApi()
  telegram.blockChat(42, 'blocked')
  const store = memoryStore()
  const notifier = createNotifier({ store, routes: [{ chatId: 42 }] })
  const worker = createDeliveryWorker({
    store,
    transport: createFetchTransport({ token: telegram.token, apiRoot: telegram.url }),
  })

  await notifier.accept(
    parseWebhook({ event: 'order.change_payment_status', context: { id: 7, payment_status: 'paid' } }),
  )
  await worker.runOnce()
  const [dead] = await store.queue.listDead()
  expect(dead?.reason).toBe('forbidden')
  expect(telegram.countCalls('sendMessage', 403)).toBe(1)
})
// #endregion fake
