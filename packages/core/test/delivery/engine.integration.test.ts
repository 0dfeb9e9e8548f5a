/**
 * The delivery engine end to end: notifier -> memoryStore -> worker -> fetch transport -> a real HTTP
 * server speaking the Bot API with scripted answers.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { listDeadLetters, replayDeadLetters } from '../../src/delivery/dead-letters.ts'
import { createNotifier, type NotifierOptions } from '../../src/delivery/notifier.ts'
import type { KeygramStore } from '../../src/delivery/types.ts'
import {
  createDeliveryWorker,
  type DeliveryEvent,
  type DeliveryWorker,
  type DeliveryWorkerOptions,
} from '../../src/delivery/worker.ts'
import { memoryStore } from '../../src/stores/index.ts'
import { createFetchTransport } from '../../src/telegram/fetch-transport.ts'
import { type KeycrmEvent, parseWebhook } from '../../src/webhook/index.ts'
import { apiError, type ScriptedBotApi, startScriptedBotApi, waitFor } from './scripted-bot-api.ts'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

function orderEvent(id: number, statusId = 3): KeycrmEvent {
  return parseWebhook({
    event: 'order.change_order_status',
    context: {
      id,
      status_id: statusId,
      status_changed_at: `2026-01-29T18:53:${String(id % 60).padStart(2, '0')}Z`,
    },
  })
}

/** Order ids in the order they appear in a text (messages and summaries both say "Замовлення #<id>"). */
function orderIds(text: string): number[] {
  return [...text.matchAll(/Замовлення #(\d+)/g)].map((match) => Number(match[1]))
}

/** Sent events: emitted after the store settled, so later assertions see the final state. */
function sentEvents(h: Harness): number {
  return h.events.filter((event) => event.type === 'sent').length
}

interface Harness {
  api: ScriptedBotApi
  store: KeygramStore
  events: DeliveryEvent[]
  notifier: ReturnType<typeof createNotifier>
  worker: (overrides?: Partial<DeliveryWorkerOptions>) => DeliveryWorker
  pending: () => Promise<number>
}

async function harness(
  routes: NotifierOptions['routes'],
  script?: Parameters<typeof startScriptedBotApi>[0],
): Promise<Harness> {
  const api = await startScriptedBotApi(script)
  const store = memoryStore()
  const events: DeliveryEvent[] = []
  const workers: DeliveryWorker[] = []
  cleanups.push(async () => {
    for (const worker of workers) await worker.stop()
    await api.close()
    await store.close()
  })
  const transport = createFetchTransport({ token: api.token, apiRoot: api.apiRoot, timeoutMs: 2000 })
  return {
    api,
    store,
    events,
    notifier: createNotifier({ store, routes }),
    worker(overrides = {}) {
      const worker = createDeliveryWorker({
        store,
        transport,
        limits: { privateChatIntervalMs: 10, groupChatIntervalMs: 10, globalPerSecond: 1000 },
        retry: { baseMs: 10, capMs: 40 },
        idleMs: 5,
        leaseMs: 5000,
        onEvent: (event) => events.push(event),
        ...overrides,
      })
      workers.push(worker)
      return worker
    },
    pending: async () => {
      const stats = await store.queue.stats(Date.now())
      return stats.pending + stats.claimed
    },
  }
}

describe('delivery engine (real HTTP Bot API)', () => {
  it('waits exactly retry_after after a 429 and does not count it as an attempt', async () => {
    const h = await harness([{ chatId: '111' }], (_call, index) =>
      index === 0 ? apiError(429, 'Too Many Requests: retry after 1', { retry_after: 1 }) : undefined,
    )
    await h.notifier.accept(orderEvent(1))
    h.worker().start()
    await waitFor(() => sentEvents(h) === 1)
    const [first, second] = h.api.calls
    const gap = second!.at - first!.at
    expect(gap).toBeGreaterThanOrEqual(1000)
    expect(gap).toBeLessThan(1500)
    expect(h.events.filter((event) => event.type === 'rate_limited')).toMatchObject([
      { chatId: '111', retryAfterMs: 1000, global: false },
    ])
    expect(h.events.some((event) => event.type === 'retry')).toBe(false)
  })

  it('treats 429s on several chats at once as a global limit and pauses every chat', async () => {
    const limited = new Set<string>()
    const h = await harness(
      (event) => [{ chatId: String(event.context.id) }],
      (call) => {
        if ((call.chatId !== '1' && call.chatId !== '2') || limited.has(call.chatId)) return undefined
        limited.add(call.chatId)
        return apiError(429, 'Too Many Requests: retry after 1', { retry_after: 1 })
      },
    )
    await h.notifier.accept(orderEvent(1))
    await h.notifier.accept(orderEvent(2))
    const worker = h.worker()
    expect(await worker.runOnce()).toBe(2)
    const limitedAt = Date.now()
    expect(worker.status().pausedUntil).not.toBeNull()
    expect(h.events.filter((event) => event.type === 'rate_limited' && event.global)).toHaveLength(1)
    // A third chat, fresh and never limited, must also wait out the pause.
    await h.notifier.accept(orderEvent(3))
    worker.start()
    await waitFor(() => sentEvents(h) === 3)
    const third = h.api.calls.find((call) => call.chatId === '3')!
    expect(third.at - limitedAt).toBeGreaterThanOrEqual(950)
  })

  it('retries 5xx with back-off, then delivers once', async () => {
    const h = await harness([{ chatId: '222' }], (_call, index) =>
      index < 3 ? apiError(500, 'Internal Server Error') : undefined,
    )
    await h.notifier.accept(orderEvent(2))
    h.worker().start()
    await waitFor(() => sentEvents(h) === 1)
    expect(h.api.calls).toHaveLength(4)
    const retries = h.events.filter((event) => event.type === 'retry')
    expect(retries.map((event) => event.type === 'retry' && event.attempt)).toEqual([1, 2, 3])
    expect(h.events.at(-1)).toMatchObject({ type: 'sent', chatId: '222' })
    expect(await h.pending()).toBe(0)
  })

  it('dead-letters after the attempts run out, and a replay delivers', async () => {
    let telegramDown = true
    const h = await harness([{ chatId: '333' }], () =>
      telegramDown ? apiError(502, 'Bad Gateway') : undefined,
    )
    await h.notifier.accept(orderEvent(3))
    h.worker({ retry: { baseMs: 5, capMs: 10, maxAttempts: 4 } }).start()
    await waitFor(() => h.events.some((event) => event.type === 'dead'))
    expect(h.api.calls).toHaveLength(4)
    const dead = await listDeadLetters(h.store)
    expect(dead).toHaveLength(1)
    expect(dead[0]).toMatchObject({ chatId: '333', reason: 'retries_exhausted', attempts: 4 })
    expect(dead[0]?.lastError).toMatch(/server_error: Bad Gateway/)

    telegramDown = false
    expect(await replayDeadLetters(h.store)).toBe(1)
    await waitFor(() => sentEvents(h) === 1)
    expect(orderIds(h.api.delivered()[0]!.text)).toEqual([3])
    expect(await listDeadLetters(h.store)).toHaveLength(0)
  })

  it('follows a group upgraded to a supergroup, now and for later events', async () => {
    const h = await harness([{ chatId: '-444' }], (call) =>
      call.chatId === '-444'
        ? apiError(400, 'Bad Request: group chat was upgraded to a supergroup chat', {
            migrate_to_chat_id: -1000000000444,
          })
        : undefined,
    )
    await h.notifier.accept(orderEvent(4))
    h.worker().start()
    await waitFor(() => sentEvents(h) === 1)
    expect(h.api.delivered()[0]?.chatId).toBe('-1000000000444')
    expect(await h.store.kv.get('chat-migration:-444')).toBe('-1000000000444')
    expect(h.events.find((event) => event.type === 'migrated')).toMatchObject({
      chatId: '-444',
      toChatId: '-1000000000444',
    })

    await h.notifier.accept(orderEvent(5))
    await waitFor(() => sentEvents(h) === 2)
    expect(h.api.calls.filter((call) => call.chatId === '-444')).toHaveLength(1)
    expect(orderIds(h.api.delivered()[1]!.text)).toEqual([5])
  })

  it('dead-letters a 403 at once, without retrying, and reports it', async () => {
    const h = await harness([{ chatId: '555' }], () =>
      apiError(403, 'Forbidden: bot was blocked by the user'),
    )
    await h.notifier.accept(orderEvent(5))
    h.worker().start()
    await waitFor(() => h.events.some((event) => event.type === 'dead'))
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(h.api.calls).toHaveLength(1)
    expect(h.events.find((event) => event.type === 'dead')).toMatchObject({ reason: 'forbidden' })
    expect((await listDeadLetters(h.store))[0]).toMatchObject({ reason: 'forbidden', attempts: 1 })
  })

  it('resends as plain text when Telegram cannot parse the HTML', async () => {
    const h = await harness([{ chatId: '666' }], (call) =>
      call.parseMode === 'HTML'
        ? apiError(400, 'Bad Request: can\'t parse entities: Unsupported start tag "x" at byte offset 3')
        : undefined,
    )
    await h.notifier.accept(orderEvent(6))
    h.worker().start()
    await waitFor(() => sentEvents(h) === 1)
    const [html, plain] = h.api.calls
    expect(html?.parseMode).toBe('HTML')
    expect(plain?.parseMode).toBeUndefined()
    expect(plain?.text).not.toMatch(/<\/?b>/)
    expect(plain?.text).toMatch(/^📦 Замовлення #6\n/)
    expect(h.events.at(-1)).toMatchObject({ type: 'sent', fallback: 'plain' })
  })

  it('splits a message Telegram finds too long into plain parts, losing nothing', async () => {
    const h = await harness([], (call) =>
      call.text.length > 4096 ? apiError(400, 'Bad Request: message is too long') : undefined,
    )
    const lines = Array.from({ length: 300 }, (_, i) => `line ${i} &amp; ${'x'.repeat(20)}`)
    await h.store.queue.enqueue({
      deliveryKey: 'long',
      dedupeTtlMs: 60_000,
      now: Date.now(),
      jobs: [
        {
          chatId: '777',
          summaryLine: 'long',
          message: { text: `<b>${lines.join('\n')}</b>`, parse_mode: 'HTML', link_preview_options: {} },
        },
      ],
    })
    h.worker().start()
    await waitFor(() => h.events.some((event) => event.type === 'sent'))
    const parts = h.api.delivered()
    expect(parts.length).toBe(3) // ~9.9k visible characters
    expect(parts.every((part) => part.parseMode === undefined && part.text.length <= 4096)).toBe(true)
    expect(parts.map((part) => part.text).join('\n')).toBe(lines.join('\n').replaceAll('&amp;', '&'))
  })

  it('suppresses a duplicate accept of the same KeyCRM delivery', async () => {
    const h = await harness([{ chatId: '888' }, { chatId: '-888', kinds: ['payment_status'] }])
    expect(await h.notifier.accept(orderEvent(8))).toMatchObject({ status: 'queued', jobs: 1 })
    expect(await h.notifier.accept(orderEvent(8))).toMatchObject({ status: 'duplicate', jobs: 0 })
    const worker = h.worker()
    await worker.runOnce()
    await worker.runOnce()
    expect(h.api.calls).toHaveLength(1)
  })

  it('keeps every chat in order, with no loss and no double send, under random failures and two workers', async () => {
    let seed = 42
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
      return seed / 2_147_483_648
    }
    const h = await harness(
      (event) => [{ chatId: String(-(Number(event.context.id) % 5) - 1) }],
      () => {
        const roll = random()
        if (roll < 0.1) return apiError(500, 'Internal Server Error')
        if (roll < 0.2) return apiError(429, 'Too Many Requests: retry after 0', { retry_after: 0 })
        if (roll < 0.25) return 'drop'
        if (roll < 0.3) return { status: 502, body: '<html>bad gateway</html>' }
        return undefined
      },
    )
    for (let id = 1; id <= 100; id++) await h.notifier.accept(orderEvent(id))
    const options = { coalesce: false as const, retry: { baseMs: 5, capMs: 20, maxAttempts: 100 } }
    h.worker({ ...options, workerId: 'a' }).start()
    h.worker({ ...options, workerId: 'b' }).start()
    await waitFor(async () => (await h.pending()) === 0, 20_000)

    const failures = h.api.calls.filter((call) => !call.delivered).length
    expect(failures).toBeGreaterThan(10)
    const byChat = new Map<string, number[]>()
    for (const call of h.api.delivered())
      byChat.set(call.chatId, [...(byChat.get(call.chatId) ?? []), ...orderIds(call.text)])
    expect(byChat.size).toBe(5)
    for (const [chatId, ids] of byChat) {
      const k = -Number(chatId) - 1
      expect(ids).toEqual(Array.from({ length: 100 }, (_, i) => i + 1).filter((id) => id % 5 === k))
    }
    expect(await listDeadLetters(h.store)).toHaveLength(0)
  })

  it('coalesces a burst of 300 for one chat into a few summaries that name every order once, in order', async () => {
    const h = await harness([{ chatId: '-999' }])
    for (let id = 1; id <= 300; id++) await h.notifier.accept(orderEvent(id))
    h.worker().start()
    await waitFor(async () => (await h.pending()) === 0)
    const sent = h.api.delivered()
    expect(sent.length).toBeLessThanOrEqual(10)
    // Each summary lists its orders after the target status: `📦 → <b>#3</b> (50): #1, #2, …`.
    const listed = (text: string) => [...text.matchAll(/(?:: |, )#(\d+)/g)].map((match) => Number(match[1]))
    expect(sent.flatMap((call) => listed(call.text))).toEqual(Array.from({ length: 300 }, (_, i) => i + 1))
    expect(sent[0]?.text).toMatch(/^<b>50 оновлень<\/b>\n📦 → <b>#3<\/b> \(50\): #1, #2, #3, /)
    const coalesced = h.events.filter((event) => event.type === 'coalesced')
    expect(coalesced.reduce((sum, event) => sum + (event.type === 'coalesced' ? event.count : 0), 0)).toBe(
      300,
    )
  })

  it('paces one chat by its interval and shares the pace through the store', async () => {
    const h = await harness([{ chatId: '1010' }])
    for (let id = 1; id <= 4; id++) await h.notifier.accept(orderEvent(id))
    h.worker({ coalesce: false, limits: { privateChatIntervalMs: 150, globalPerSecond: 1000 } }).start()
    h.worker({ coalesce: false, limits: { privateChatIntervalMs: 150, globalPerSecond: 1000 } }).start()
    await waitFor(() => sentEvents(h) === 4)
    const times = h.api.calls.map((call) => call.at)
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(145)
    expect(h.api.calls.flatMap((call) => orderIds(call.text))).toEqual([1, 2, 3, 4])
  })

  it('keeps the whole worker under its global rate: no 1 s window above the rate', async () => {
    const h = await harness((event) => [{ chatId: String(event.context.id) }])
    for (let id = 1; id <= 150; id++) await h.notifier.accept(orderEvent(id))
    const started = Date.now()
    h.worker({ limits: { globalPerSecond: 100, maxChatsPerRound: 200 } }).start()
    await waitFor(() => sentEvents(h) === 150)
    const elapsed = Date.now() - started
    const times = h.api.calls.map((call) => call.at)
    let busiest = 0
    for (const [i, start] of times.entries()) {
      let j = i
      while (j < times.length && times[j]! < start + 1000) j++
      busiest = Math.max(busiest, j - i)
    }
    expect(busiest).toBeLessThanOrEqual(100)
    // The first 100 leave at once; the other 50 wait until those answers are a second old: about 1 s in
    // all, not 3 (the limiter does not over-throttle).
    expect(elapsed).toBeGreaterThanOrEqual(1000)
    expect(elapsed).toBeLessThan(3000)
  })

  it('stop() lets the in-flight send finish and settle', async () => {
    const h = await harness([{ chatId: '1111' }], () => ({ status: 200, body: undefined, delayMs: 200 }))
    await h.notifier.accept(orderEvent(11))
    const worker = h.worker()
    worker.start()
    await waitFor(() => h.api.calls.length === 1)
    await worker.stop()
    expect(h.events.at(-1)).toMatchObject({ type: 'sent', chatId: '1111' })
    expect(await h.pending()).toBe(0)
    expect(worker.status().running).toBe(false)
  })
})
