import { describe, expect, it } from 'vitest'
import { cardSetup, GROUP, orderEvent } from './setup.ts'

describe('live cards in a bulk change', () => {
  it('a burst goes out as one summary; the cards are refreshed after it, behind newer notifications', async () => {
    const { notifier, chat, drain, worker, clock, cardActions } = cardSetup()
    const orders = Array.from({ length: 12 }, (_, index) => 7100 + index)
    for (const order of orders) {
      await notifier.accept(orderEvent(order, 2, 0))
      await drain()
    }
    expect(chat.sends()).toHaveLength(12)
    const cards = new Map(orders.map((order, index) => [order, chat.sends()[index]!.messageId]))

    for (const order of orders) await notifier.accept(orderEvent(order, 4, 30))
    // The next round the chat's pace allows sends the summary.
    while ((await worker.runOnce()) === 0) clock.t += 1000
    const summary = chat.calls.at(-1)!
    expect(summary).toMatchObject({ method: 'sendMessage', ok: true })
    for (const order of orders) expect(summary.text).toContain(`#${order}`)

    // A new order arrives while the refreshes wait on the low-priority line: it goes first.
    await notifier.accept(orderEvent(7200, 1, 31))
    await drain()
    const calls = chat.calls.filter((call) => call.ok)
    const newCard = calls.findIndex((call) => call.method === 'sendMessage' && call.text.includes('#7200'))
    const edits = calls.flatMap((call, index) => (call.method === 'editMessageText' ? [index] : []))
    expect(edits).toHaveLength(12)
    expect(newCard).toBeLessThan(Math.max(...edits))
    for (const [order, messageId] of cards) {
      expect(chat.shown(GROUP, messageId)).toMatch(/Статус: Відправлено/)
      expect(chat.shown(GROUP, messageId)).toContain(`#${order}`)
    }
    expect(cardActions().filter((action) => action === 'merged')).toHaveLength(12)
    expect(chat.sends()).toHaveLength(12 + 1 + 1)
  })

  it('orders without a card in a summary get none afterwards; their next change makes it', async () => {
    const { notifier, chat, drain } = cardSetup()
    const orders = Array.from({ length: 10 }, (_, index) => 7300 + index)
    for (const order of orders) await notifier.accept(orderEvent(order, 1, 0))
    await drain()
    expect(chat.sends()).toHaveLength(1)
    expect(chat.edits()).toHaveLength(0)
    await notifier.accept(orderEvent(7300, 2, 5))
    await drain()
    expect(chat.sends()).toHaveLength(2)
    expect(chat.sends()[1]?.text).toContain('Нове 10:00 → Підтверджено 10:05')
  })
})
