import {
  createDeliveryWorker,
  createDigestScheduler,
  createNotifier,
  type TelegramTransport,
} from '@keygram/core'
import { sqliteStore } from '@keygram/store-sqlite'

declare const transport: TelegramTransport

// #region digests
const store = sqliteStore({ path: './data/keygram.db' })
// The notifier records every accepted delivery in store.events; digests are computed from that log.
const notifier = createNotifier({ store, routes: [{ chatId: '-1001234567890' }] })
// The worker sends digests like any other notification.
const worker = createDeliveryWorker({ store, transport })

const digests = createDigestScheduler({
  store,
  schedules: [
    // Every day at 09:00 Kyiv time, yesterday's summary to the managers' group.
    { chatId: -1001234567890, cron: '0 9 * * *', timeZone: 'Europe/Kyiv', locale: 'uk' },
    // Mondays at 08:30, to the owner, in English, silently.
    { chatId: 123456789, cron: '30 8 * * 1', locale: 'en', disableNotification: true },
  ],
  onRun: (run) => console.log(`digest ${run.deliveryKey}: ${run.status}`),
})
worker.start()
await digests.start() // sends a missed run (within catchUpMs) first, then waits for the next ones

// #endregion digests

export { notifier }
