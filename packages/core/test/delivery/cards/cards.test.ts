import { describe, expect, it } from 'vitest'
import { classifyTelegramFailure } from '../../../src/telegram/classify.ts'
import { cardSetup, GROUP, orderEvent } from './setup.ts'

describe('live cards: one message per order, edited as it moves', () => {
  it('an order through five statuses: one card, four edits, the history on it', async () => {
    const { notifier, chat, drain, cardActions } = cardSetup()
    for (const [index, status] of [1, 2, 3, 4, 5].entries()) {
      await notifier.accept(orderEvent(7001, status, index * 10))
      await drain()
    }
    expect(chat.sends()).toHaveLength(1)
    expect(chat.sends()[0]?.silent).toBe(false)
    expect(chat.edits()).toHaveLength(4)
    const card = chat.shown(GROUP, chat.sends()[0]!.messageId)
    expect(card).toContain('Виконано')
    expect(card).toContain('Комплектується 10:20 → Відправлено 10:30 → Виконано 10:40')
    expect(cardActions()).toEqual(['sent', 'edited', 'edited', 'edited', 'edited'])
  })

  it('a loud status (cancellation) sends a fresh card with a notification; later changes edit that one', async () => {
    const { notifier, chat, drain } = cardSetup()
    await notifier.accept(orderEvent(7002, 2, 0))
    await drain()
    await notifier.accept(orderEvent(7002, 6, 5))
    await drain()
    await notifier.accept(orderEvent(7002, 1, 9))
    await drain()
    const sends = chat.sends()
    expect(sends.map((send) => send.silent)).toEqual([false, false, false])
    expect(chat.edits()).toHaveLength(0)
    expect(sends[1]?.text).toContain('Скасовано')

    await notifier.accept(orderEvent(7002, 2, 12))
    await drain()
    expect(chat.edits().map((edit) => edit.messageId)).toEqual([sends[2]!.messageId])
  })

  it('a loud status delivered after a newer change is history: no fresh card', async () => {
    const { notifier, chat, drain } = cardSetup()
    await notifier.accept(orderEvent(7013, 2, 10))
    await drain()
    await notifier.accept(orderEvent(7013, 1, 0))
    await drain()
    expect(chat.sends()).toHaveLength(1)
    expect(chat.edits()).toHaveLength(1)
    expect(chat.shown(GROUP, chat.sends()[0]!.messageId)).toMatch(/Нов.* 10:00 → Підтверджено 10:10/)
  })

  it('never rolls back to an older status delivered late; the history keeps both', async () => {
    const { notifier, chat, drain } = cardSetup()
    await notifier.accept(orderEvent(7003, 2, 0))
    await drain()
    await notifier.accept(orderEvent(7003, 4, 30))
    await drain()
    await notifier.accept(orderEvent(7003, 3, 20))
    await drain()
    const card = chat.shown(GROUP, chat.sends()[0]!.messageId)!
    expect(card).toContain('Підтверджено 10:00 → Комплектується 10:20 → Відправлено 10:30')
    expect(card).toMatch(/Статус: Відправлено/)
    expect(chat.sends()).toHaveLength(1)
  })

  it('treats "message is not modified" as done and skips an edit that would change nothing', async () => {
    const { notifier, chat, drain, cardActions } = cardSetup()
    await notifier.accept(orderEvent(7004, 2, 0))
    await drain()
    // A payment webhook with what the card already shows (KeyCRM fires it for a payment of 0, say).
    const same = orderEvent(7004, 2, 0)
    await notifier.accept({
      ...same,
      kind: 'payment_status',
      event: 'order.change_payment_status',
    } as typeof same)
    await drain()
    expect(chat.calls.filter((call) => call.method === 'editMessageText')).toHaveLength(0)
    expect(cardActions()).toEqual(['sent', 'unchanged'])

    chat.fail(classifyTelegramFailure(400, 'Bad Request: message is not modified'))
    await notifier.accept(orderEvent(7004, 3, 5))
    await drain()
    expect(cardActions()).toEqual(['sent', 'unchanged', 'edited'])
    expect(chat.sends()).toHaveLength(1)
  })

  it('replaces a deleted card and a frozen one with a new silent card, then edits the new one', async () => {
    const { notifier, chat, drain, cardActions } = cardSetup()
    await notifier.accept(orderEvent(7005, 2, 0))
    await drain()
    chat.remove(GROUP, chat.sends()[0]!.messageId)
    await notifier.accept(orderEvent(7005, 3, 5))
    await drain()
    expect(chat.sends()).toHaveLength(2)
    expect(chat.sends()[1]).toMatchObject({ silent: true })
    expect(chat.sends()[1]?.text).toContain('Комплектується')

    chat.freeze(GROUP, chat.sends()[1]!.messageId)
    await notifier.accept(orderEvent(7005, 4, 10))
    await drain()
    expect(chat.sends()).toHaveLength(3)
    await notifier.accept(orderEvent(7005, 5, 15))
    await drain()
    expect(chat.edits().map((edit) => edit.messageId)).toEqual([chat.sends()[2]!.messageId])
    expect(cardActions()).toEqual(['sent', 'replaced', 'replaced', 'edited'])
  })

  it('waits exactly retry_after on a 429 to an edit, then edits', async () => {
    const { notifier, chat, drain, clock, events } = cardSetup()
    await notifier.accept(orderEvent(7006, 2, 0))
    await drain()
    chat.fail(classifyTelegramFailure(429, 'Too Many Requests: retry after 7', { retry_after: 7 }))
    await notifier.accept(orderEvent(7006, 3, 5))
    const before = clock.t
    await drain()
    const limited = events.find((event) => event.type === 'rate_limited')
    expect(limited).toMatchObject({ retryAfterMs: 7000 })
    const edit = chat.calls.findLast((call) => call.method === 'editMessageText')
    expect(edit?.ok).toBe(true)
    expect(clock.t - before).toBeGreaterThanOrEqual(7000)
    expect(chat.sends()).toHaveLength(1)
  })

  it('a route with cards: false gets one message per change', async () => {
    const { notifier, chat, drain } = cardSetup({ routes: [{ chatId: GROUP, cards: false }] })
    for (const [index, status] of [1, 2, 3].entries()) await notifier.accept(orderEvent(7007, status, index))
    await drain()
    expect(chat.sends()).toHaveLength(3)
    expect(chat.edits()).toHaveLength(0)
  })

  it('a route names its own loud statuses', async () => {
    const { notifier, chat, drain } = cardSetup({ routes: [{ chatId: GROUP, loud: { statusIds: [4] } }] })
    for (const [index, status] of [1, 2, 4, 6].entries()) {
      await notifier.accept(orderEvent(7008, status, index))
      await drain()
    }
    // New (1) creates the card; 4 is loud here; cancellation (6) is not, as the route replaced the default.
    expect(chat.sends()).toHaveLength(2)
    expect(chat.sends()[1]?.text).toContain('Відправлено')
    expect(chat.edits()).toHaveLength(2)
  })

  it('sends a new card once the old one is past the edit window', async () => {
    const { notifier, chat, drain, clock } = cardSetup({ worker: { cards: { editWindowMs: 60_000 } } })
    await notifier.accept(orderEvent(7009, 2, 0))
    await drain()
    clock.t += 61_000
    await notifier.accept(orderEvent(7009, 3, 5))
    await drain()
    expect(chat.sends()).toHaveLength(2)
    expect(chat.edits()).toHaveLength(0)
  })

  it('a transport that cannot edit sends each change as a new card', async () => {
    const { notifier, chat, drain } = cardSetup({ edits: false })
    for (const [index, status] of [2, 3].entries()) {
      await notifier.accept(orderEvent(7010, status, index))
      await drain()
    }
    expect(chat.sends()).toHaveLength(2)
  })

  it('a job applied before a crash kept it from settling is not applied twice', async () => {
    const { notifier, chat, drain, store, clock, makeWorker } = cardSetup()
    await notifier.accept(orderEvent(7011, 2, 0))
    // A worker whose settle is lost (the process died right after Telegram took the card).
    const lost = makeWorker({
      store: {
        kv: store.kv,
        queue: {
          ...store.queue,
          claim: (input) => store.queue.claim(input),
          settle: async () => ({ ok: false }),
        },
      },
      leaseMs: 5000,
    })
    expect(await lost.runOnce()).toBe(1)
    expect(chat.sends()).toHaveLength(1)
    clock.t += 6000
    await drain()
    expect(chat.sends()).toHaveLength(1)
    expect(chat.edits()).toHaveLength(0)
    expect((await store.queue.stats(clock.t)).pending).toBe(0)
  })

  it('two workers racing on one order make one card', async () => {
    const { notifier, chat, store, clock, makeWorker } = cardSetup()
    const [a, b] = [makeWorker({ workerId: 'a' }), makeWorker({ workerId: 'b' })]
    for (const [index, status] of [2, 3, 4].entries()) await notifier.accept(orderEvent(7012, status, index))
    for (let round = 0; round < 200; round++) {
      const claimed = (await Promise.all([a.runOnce(), b.runOnce()])).reduce((x, y) => x + y)
      if (claimed === 0) {
        if ((await store.queue.stats(clock.t)).pending === 0) break
        clock.t += 1000
      }
    }
    expect(chat.sends()).toHaveLength(1)
    expect(chat.edits()).toHaveLength(2)
  })
})
