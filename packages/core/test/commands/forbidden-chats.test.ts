import { describe, expect, it } from 'vitest'
import { combineRoutes } from '../../src/commands/combine-routes.ts'
import { createForbiddenChatHandler, type ForbiddenChatOutcome } from '../../src/commands/forbidden-chats.ts'
import {
  readSubscriptions,
  subscriptionRoutes,
  updateSubscription,
} from '../../src/commands/subscriptions.ts'
import { createNotifier } from '../../src/delivery/notifier.ts'
import type { TelegramTransport } from '../../src/delivery/types.ts'
import { createDeliveryWorker } from '../../src/delivery/worker.ts'
import { memoryStore } from '../../src/stores/index.ts'
import { classifyTelegramFailure } from '../../src/telegram/classify.ts'
import { parseWebhook } from '../../src/webhook/index.ts'

const statusChange = (id: number) =>
  parseWebhook({
    event: 'order.change_order_status',
    context: {
      id,
      status_id: 5,
      status_changed_at: `2026-01-29T18:53:${String(id % 60).padStart(2, '0')}.000000Z`,
    },
  })

/** A bot blocked in chats 1001 (subscribed with /subscribe, two topics) and 2002 (configured). */
async function setup() {
  const store = memoryStore()
  await updateSubscription(store.kv, { chatId: '1001' }, { add: ['order_status'], now: 1 })
  await updateSubscription(store.kv, { chatId: '1001', threadId: 7 }, { add: ['order_status'], now: 1 })
  await updateSubscription(store.kv, { chatId: '3003' }, { add: ['order_status'], now: 1 })
  const blocked = new Set(['1001', '2002'])
  const sentTo: string[] = []
  const transport: TelegramTransport = {
    async sendMessage(target) {
      if (blocked.has(target.chatId))
        return classifyTelegramFailure(403, 'Forbidden: bot was blocked by the user')
      sentTo.push(target.chatId)
      return { ok: true, messageId: sentTo.length }
    },
  }
  const outcomes: ForbiddenChatOutcome[] = []
  const messages: string[] = []
  const onForbidden = createForbiddenChatHandler({
    kv: store.kv,
    onOutcome: (outcome, message) => {
      outcomes.push(outcome)
      messages.push(message)
    },
  })
  const pending: Promise<void>[] = []
  const worker = createDeliveryWorker({
    store,
    transport,
    coalesce: false,
    limits: { privateChatIntervalMs: 0, groupChatIntervalMs: 0, globalPerSecond: 1000 },
    onEvent: (event) => pending.push(onForbidden(event)),
  })
  const notifier = createNotifier({
    store,
    cards: false,
    routes: combineRoutes([{ chatId: '2002' }], subscriptionRoutes(store)),
  })
  const drain = async () => {
    while ((await worker.runOnce()) > 0) await Promise.all(pending.splice(0))
    await Promise.all(pending.splice(0))
  }
  return { store, notifier, drain, outcomes, messages, sentTo }
}

describe('chats that answer 403', () => {
  it('unsubscribes a chat that subscribed with /subscribe, so later events no longer route to it', async () => {
    const s = await setup()
    expect(await s.notifier.accept(statusChange(1))).toMatchObject({ status: 'queued', jobs: 4 })
    await s.drain()
    expect((await readSubscriptions(s.store.kv)).map((entry) => entry.chatId)).toEqual(['3003'])
    expect(s.outcomes).toContainEqual(
      expect.objectContaining({ action: 'unsubscribed', chatId: '1001', topics: 2 }),
    )
    expect(s.messages.find((message) => message.includes('1001'))).toMatch(/unsubscribed/)

    // Later events go to the configured chat (still refused) and the remaining subscriber only.
    expect(await s.notifier.accept(statusChange(2))).toMatchObject({ status: 'queued', jobs: 2 })
    await s.drain()
    const dead = await s.store.queue.listDead()
    expect(dead.filter((job) => job.chatId === '1001')).toHaveLength(2)
    expect(s.sentTo).toEqual(['3003', '3003'])
  })

  it('keeps a configured chat routed and warns about it once, not for every dead letter', async () => {
    const s = await setup()
    for (const id of [1, 2, 3]) await s.notifier.accept(statusChange(id))
    await s.drain()
    expect((await s.store.queue.listDead()).filter((job) => job.chatId === '2002')).toHaveLength(3)
    const configured = s.outcomes.filter((outcome) => outcome.chatId === '2002')
    expect(configured).toEqual([
      { action: 'configured', chatId: '2002', error: 'forbidden: Forbidden: bot was blocked by the user' },
    ])
    expect(s.messages.find((message) => message.includes('2002'))).toMatch(/from the configuration/)
  })
})
