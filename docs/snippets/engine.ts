import {
  createDeliveryWorker,
  createFetchTransport,
  createNotifier,
  memoryStore,
  parseWebhook,
  replayDeadLetters,
} from '@keygram/core'

declare const botToken: string
declare const body: unknown

// #region engine
const store = memoryStore() // sqliteStore({ path }) or redisStore({ url }) in production
const notifier = createNotifier({ store, routes: [{ chatId: '-1001234567890' }] })
const worker = createDeliveryWorker({
  store,
  transport: createFetchTransport({ token: botToken }),
  limits: { globalPerSecond: 30, groupChatIntervalMs: 3000 },
  retry: { maxAttempts: 12 },
  onEvent: (event) => {
    if (event.type === 'dead') console.warn(`undelivered to ${event.chatId}: ${event.reason}`)
  },
})
worker.start()

// In the webhook handler: answer KeyCRM only after accept() resolved.
const { status, deliveryKey } = await notifier.accept(parseWebhook(body))
// status: 'queued' | 'duplicate' | 'unrouted'

// After the bot was re-added to a group: queue its dead letters again.
const replayed = await replayDeadLetters(store)

// On shutdown: finish the round in flight, then close the store.
await worker.stop()
await store.close()

// #endregion engine

export { deliveryKey, replayed, status }
