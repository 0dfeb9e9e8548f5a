/**
 * A chat that blocked the bot (403), in the webhook role: a chat that subscribed with /subscribe is
 * unsubscribed with a warning, so later webhooks no longer route to it; the configured chat stays routed
 * and is reported once.
 */
import { classifyTelegramFailure, memoryStore, readSubscriptions, updateSubscription } from '@keygram/core'
import { describe, expect, it } from 'vitest'
import { resolveConfig } from '../src/config/index.ts'
import { createKeygramServer } from '../src/server.ts'
import { captureLogger, linesAt } from './helpers/capture-logger.ts'

const CONFIGURED = '700000001'
const SUBSCRIBER = '700000002'
const TOKEN = `123456789:${'A'.repeat(35)}`
const SECRET = 'forbidden-chats-webhook-secret-0123456789'
const order = (id: number) =>
  JSON.stringify({
    event: 'order.change_order_status',
    context: {
      id,
      status_id: 4,
      status_changed_at: `2026-01-29T18:53:${String(id % 60).padStart(2, '0')}.000000Z`,
    },
  })

describe('a chat that answers 403, in the server', () => {
  it('unsubscribes a /subscribe chat and reports a configured one once', async () => {
    const store = memoryStore()
    await updateSubscription(store.kv, { chatId: SUBSCRIBER }, { add: ['order_status'], now: Date.now() })
    const attempts: string[] = []
    const blockedEverywhere = {
      async sendMessage(target: { chatId: string }) {
        attempts.push(target.chatId)
        return classifyTelegramFailure(403, 'Forbidden: bot was blocked by the user')
      },
    }
    const config = resolveConfig(undefined, {
      TELEGRAM_BOT_TOKEN: TOKEN,
      KEYGRAM_WEBHOOK_SECRET: SECRET,
      KEYGRAM_CHAT_ID: CONFIGURED,
      KEYGRAM_HOST: '127.0.0.1',
      WEBHOOK_PORT: '0',
      KEYGRAM_STORE: 'memory:',
      KEYGRAM_CARDS: 'off',
    })
    const { logger, lines } = captureLogger([SECRET, TOKEN], 'info')
    const server = createKeygramServer(config, {
      role: 'webhook',
      logger,
      store,
      transport: blockedEverywhere,
    })
    const { webhook } = await server.start()
    const post = (id: number) =>
      fetch(`${webhook}/webhooks/keycrm/${SECRET}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: order(id),
      })
    const warnings = () => linesAt(lines, 'warn').map((line) => line.msg)
    try {
      expect((await post(1)).status).toBe(200)
      await expect.poll(() => warnings().filter((msg) => msg.includes('403')).length).toBe(2)
      expect(await readSubscriptions(store.kv)).toEqual([])
      expect((await post(2)).status).toBe(200)
      await expect.poll(async () => (await store.queue.listDead()).length).toBe(3)
    } finally {
      await server.stop()
    }
    // The second order went to the configured chat only: the subscriber was no longer routed.
    expect(attempts.filter((chat) => chat === SUBSCRIBER)).toHaveLength(1)
    expect(attempts.filter((chat) => chat === CONFIGURED)).toHaveLength(2)
    const about403 = warnings().filter((msg) => msg.includes('403'))
    expect(about403).toHaveLength(2)
    expect(about403.find((msg) => msg.includes(SUBSCRIBER))).toMatch(/unsubscribed it/)
    expect(about403.find((msg) => msg.includes(CONFIGURED))).toMatch(/comes from the configuration/)
  })
})
