/** A notifier and worker on a memory store with a manual clock and the in-process chat, for card tests. */
import { createNotifier, type NotifierOptions } from '../../../src/delivery/notifier.ts'
import { createJobRenderer } from '../../../src/delivery/render.ts'
import type { Routes } from '../../../src/delivery/routes.ts'
import {
  createDeliveryWorker,
  type DeliveryEvent,
  type DeliveryWorkerOptions,
} from '../../../src/delivery/worker.ts'
import type { FormatOptions, StatusDictionary } from '../../../src/format/types.ts'
import { memoryStore } from '../../../src/stores/index.ts'
import { parseWebhook } from '../../../src/webhook/parse.ts'
import type { KeycrmEvent } from '../../../src/webhook/types.ts'
import { chatTransport } from './chat-transport.ts'

export const GROUP = '-1001'

export const STATUSES: StatusDictionary = {
  order: {
    1: { name: 'Нове', groupId: 1 },
    2: { name: 'Підтверджено', groupId: 2 },
    3: { name: 'Комплектується', groupId: 3 },
    4: { name: 'Відправлено', groupId: 4 },
    5: { name: 'Виконано', groupId: 5 },
    6: { name: 'Скасовано', groupId: 6 },
  },
}

/** `order.change_order_status` of order `id` into `statusId` at 10:`minute` UTC on 2026-12-07. */
export function orderEvent(
  id: number,
  statusId: number,
  minute: number,
  extra: Record<string, unknown> = {},
): KeycrmEvent {
  const at = `2026-12-07 10:${String(minute).padStart(2, '0')}:00`
  return parseWebhook({
    event: 'order.change_order_status',
    context: {
      id,
      status_id: statusId,
      status_group_id: STATUSES.order?.[statusId]?.groupId ?? null,
      status_changed_at: at,
      updated_at: at,
      grand_total: 1250,
      payment_status: 'not_paid',
      ...extra,
    },
  })
}

export interface CardSetupOptions {
  routes?: Routes
  notifier?: Partial<NotifierOptions>
  worker?: Partial<DeliveryWorkerOptions>
  edits?: boolean
  format?: FormatOptions
}

export function cardSetup(options: CardSetupOptions = {}) {
  const clock = {
    t: Date.UTC(2026, 11, 7, 12),
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.t += Math.max(0, ms)
    },
  }
  const store = memoryStore({ clock: clock.now })
  const chat = chatTransport({ edits: options.edits ?? true })
  const format: FormatOptions = { locale: 'uk', statuses: STATUSES, timeZone: 'UTC', ...options.format }
  const events: DeliveryEvent[] = []
  const notifier = createNotifier({
    store,
    routes: options.routes ?? [{ chatId: GROUP }],
    format,
    clock,
    ...options.notifier,
  })
  const makeWorker = (extra: Partial<DeliveryWorkerOptions> = {}) =>
    createDeliveryWorker({
      store,
      transport: chat.transport,
      clock,
      random: () => 0.5,
      render: createJobRenderer({ format }),
      onEvent: (event) => events.push(event),
      ...options.worker,
      ...extra,
    })
  const worker = makeWorker()

  /** Runs the worker until the queue is empty, moving the clock over pauses. */
  async function drain(maxRounds = 2000): Promise<void> {
    for (let round = 0; round < maxRounds; round++) {
      if ((await worker.runOnce()) > 0) continue
      const stats = await store.queue.stats(clock.t)
      if (stats.pending === 0 && stats.claimed === 0) return
      clock.t += 1000
    }
    throw new Error('drain: the queue did not empty')
  }

  const cardActions = () => events.flatMap((event) => (event.type === 'card' ? [event.action] : []))
  return { clock, store, chat, notifier, worker, makeWorker, events, drain, cardActions }
}
