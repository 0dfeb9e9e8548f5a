import { describe, expect, it } from 'vitest'
import type { Clock } from '../../src/delivery/clock.ts'
import { renderWebhookOf } from '../../src/delivery/deferred-jobs.ts'
import { decodeJobPayload, encodeJobPayload } from '../../src/delivery/job-payload.ts'
import { buildJobs, createNotifier } from '../../src/delivery/notifier.ts'
import { createJobRenderer } from '../../src/delivery/render.ts'
import type { QueuedJob, TelegramTransport } from '../../src/delivery/types.ts'
import { createDeliveryWorker, type DeliveryEvent } from '../../src/delivery/worker.ts'
import type { Enricher } from '../../src/enrich/enrich.ts'
import { notEnrichedNote } from '../../src/enrich/note.ts'
import type { FormatOptions } from '../../src/format/types.ts'
import { memoryStore } from '../../src/stores/index.ts'
import type { OutgoingMessage, TelegramMessage } from '../../src/telegram/types.ts'
import { parseWebhook } from '../../src/webhook/parse.ts'

function manualClock(start = 1_000_000): Clock & { t: number } {
  const clock = {
    t: start,
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.t += Math.max(0, ms)
    },
  }
  return clock
}

function recordingTransport() {
  const sent: { chatId: string; message: OutgoingMessage }[] = []
  const transport: TelegramTransport = {
    async sendMessage(target, message) {
      sent.push({ chatId: target.chatId, message })
      return { ok: true, messageId: sent.length }
    },
  }
  return { transport, sent }
}

function orderEvent(id: number, extra: Record<string, unknown> = {}) {
  return parseWebhook({
    event: 'order.change_order_status',
    context: {
      id,
      source_uuid: `№${id}`,
      status_id: 4,
      status_group_id: 4,
      status_changed_at: `2026-01-29T18:${String(id % 60).padStart(2, '0')}:35.000000Z`,
      grand_total: '1198.50',
      manager_comment: 'Нова Пошта <Київ> & UTM',
      ...extra,
    },
  })
}

const FORMAT: FormatOptions = { keycrmDomain: 'demo', locale: 'en' }

async function claimAll(store: ReturnType<typeof memoryStore>, now: number): Promise<QueuedJob[]> {
  const claims = await store.queue.claim({
    workerId: 't',
    now,
    leaseMs: 1000,
    maxChats: 10,
    maxJobsPerChat: 50,
  })
  return claims.flatMap((claim) => claim.jobs)
}

describe('notifier with renderAt: send', () => {
  it('enqueues a render request per target instead of formatted messages, and never calls the enricher', async () => {
    const clock = manualClock()
    const store = memoryStore({ clock: clock.now })
    let enrichCalls = 0
    const enrich: Enricher = async () => {
      enrichCalls++
      return { status: 'enriched', elapsedMs: 0 }
    }
    const notifier = createNotifier({
      cards: false,
      store,
      routes: [{ chatId: '-100111' }, { chatId: '42', locale: 'uk', disableNotification: true, threadId: 7 }],
      format: FORMAT,
      enrich,
      renderAt: 'send',
      clock,
    })
    const event = orderEvent(23196)
    const result = await notifier.accept(event)
    expect(result).toMatchObject({ status: 'queued', jobs: 2 })
    expect(result.enrichment).toBeUndefined()
    expect(enrichCalls).toBe(0)

    const jobs = await claimAll(store, clock.now())
    expect(jobs.map((job) => job.chatId).sort()).toEqual(['-100111', '42'])
    const group = jobs.find((job) => job.chatId === '-100111')!
    const topic = jobs.find((job) => job.chatId === '42')!
    expect(group.render).toEqual({ webhook: { event: event.event, context: event.context.raw } })
    expect(topic.render).toEqual({
      webhook: { event: event.event, context: event.context.raw },
      locale: 'uk',
      disableNotification: true,
    })
    expect(topic.threadId).toBe(7)
    // The placeholder names the event, escaped, and carries the route's silence for burst summaries.
    expect(group.message.text).toBe('order.change_order_status #23196')
    expect(topic.message.disable_notification).toBe(true)
    expect(group.summaryLine).toBe('order.change_order_status #23196')
  })

  it('still suppresses a redelivery and still records the event for digests', async () => {
    const clock = manualClock()
    const store = memoryStore({ clock: clock.now })
    const notifier = createNotifier({
      cards: false,
      store,
      routes: [{ chatId: '1' }],
      renderAt: 'send',
      clock,
    })
    const event = orderEvent(5)
    expect((await notifier.accept(event)).status).toBe('queued')
    expect((await notifier.accept(orderEvent(5))).status).toBe('duplicate')
    expect((await store.events.range(0, clock.now() + 1)).map((record) => record.entityId)).toEqual([5])
  })

  it('acknowledges without waiting for a slow KeyCRM API: enrichment happens when the worker sends', async () => {
    const clock = manualClock()
    const store = memoryStore({ clock: clock.now })
    let release: () => void = () => {}
    const enrich: Enricher = () =>
      new Promise((resolve) => {
        release = () => resolve({ status: 'not_enriched', reason: 'timeout', elapsedMs: 3000 })
      })
    const notifier = createNotifier({
      cards: false,
      store,
      routes: [{ chatId: '1' }],
      format: FORMAT,
      enrich,
      renderAt: 'send',
      clock,
    })
    // Would hang forever if accept waited for the enricher.
    expect((await notifier.accept(orderEvent(77))).status).toBe('queued')

    const { transport, sent } = recordingTransport()
    const worker = createDeliveryWorker({
      store,
      transport,
      clock,
      render: createJobRenderer({ format: FORMAT, enrich }),
    })
    const round = worker.runOnce()
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(sent).toHaveLength(0) // the worker, not the webhook, waits for KeyCRM
    release()
    await round
    expect(sent).toHaveLength(1)
    expect(sent[0]!.message.text).toContain(notEnrichedNote('timeout', 'en'))
  })
})

describe('worker rendering render requests', () => {
  it('sends exactly what rendering at accept time would have sent', async () => {
    const clock = manualClock()
    const store = memoryStore({ clock: clock.now })
    const routes = [{ chatId: '-100222', locale: 'uk' as const, disableNotification: true }]
    const notifier = createNotifier({ cards: false, store, routes, format: FORMAT, renderAt: 'send', clock })
    const event = orderEvent(1001)
    await notifier.accept(event)
    const { transport, sent } = recordingTransport()
    const worker = createDeliveryWorker({
      store,
      transport,
      clock,
      render: createJobRenderer({ format: FORMAT }),
    })
    expect(await worker.runOnce()).toBe(1)

    const expected = buildJobs(
      event,
      [{ chatId: '-100222', locale: 'uk', disableNotification: true }],
      FORMAT,
    )
    expect(sent.map((entry) => entry.message)).toEqual(expected.map((job) => job.message))
    expect(sent[0]!.message.text).toContain('№1001')
    expect(sent[0]!.message.reply_markup).toBeDefined()
    expect((await store.queue.stats(clock.now())).pending).toBe(0)
  })

  it('sends every part of a notification longer than one message, in order, then settles the job once', async () => {
    const clock = manualClock()
    const store = memoryStore({ clock: clock.now })
    const notifier = createNotifier({
      cards: false,
      store,
      routes: [{ chatId: '5' }],
      format: FORMAT,
      renderAt: 'send',
      clock,
    })
    const event = orderEvent(3003, { client_comment: 'Довгий коментар. '.repeat(600) })
    await notifier.accept(event)
    const expected = buildJobs(event, [{ chatId: '5' }], FORMAT).map((job) => job.message)
    expect(expected.length).toBeGreaterThan(1)

    const { transport, sent } = recordingTransport()
    const events: DeliveryEvent[] = []
    const worker = createDeliveryWorker({
      store,
      transport,
      clock,
      render: createJobRenderer({ format: FORMAT }),
      onEvent: (event) => events.push(event),
    })
    await worker.runOnce()
    expect(sent.map((entry) => entry.message)).toEqual(expected)
    const sentEvents = events.filter((event) => event.type === 'sent')
    expect(sentEvents).toHaveLength(1)
    expect(sentEvents[0]).toMatchObject({ messageIds: expected.map((_, index) => index + 1) })
    expect((await store.queue.stats(clock.now())).pending).toBe(0)
  })

  it('merges a burst of render jobs into one summary grouped by their rendered summary items', async () => {
    const clock = manualClock()
    const store = memoryStore({ clock: clock.now })
    const notifier = createNotifier({
      cards: false,
      store,
      routes: [{ chatId: '9' }],
      format: FORMAT,
      renderAt: 'send',
      clock,
    })
    const events = Array.from({ length: 12 }, (_, index) => orderEvent(500 + index))
    for (const event of events) await notifier.accept(event)
    const { transport, sent } = recordingTransport()
    const worker = createDeliveryWorker({
      store,
      transport,
      clock,
      render: createJobRenderer({ format: FORMAT }),
    })
    await worker.runOnce()
    expect(sent).toHaveLength(1)
    const renderer = createJobRenderer({ format: FORMAT })
    const items = events.map((event) => renderer.summary({ webhook: renderWebhookOf(event) }).item)
    expect(items[0]).toEqual({
      locale: 'en',
      kind: 'order_status',
      id: 500,
      to: '#4',
      groupId: 4,
      total: 1198.5,
      currency: 'UAH',
    })
    // Rendered at send time, in the route's language, grouped by status with the orders' total.
    const ids = events.map((event) => `#${event.context.id}`).join(', ')
    expect(sent[0]!.message.text).toBe(`<b>12 updates</b>\n🚚 → <b>#4</b> (12 · UAH\u00a014,382): ${ids}`)
  })

  it('sends the placeholder and reports an error when a render request cannot be rendered', async () => {
    const clock = manualClock()
    const store = memoryStore({ clock: clock.now })
    const placeholder: TelegramMessage = {
      text: 'order.change_order_status #1',
      parse_mode: 'HTML',
      link_preview_options: { is_disabled: true },
    }
    await store.queue.enqueue({
      deliveryKey: 'k',
      dedupeTtlMs: 1000,
      now: clock.now(),
      // A context without its required id no longer parses.
      jobs: [
        {
          chatId: '3',
          message: placeholder,
          summaryLine: 'x',
          render: { webhook: { event: 'order.change_order_status', context: {} } },
        },
      ],
    })
    const { transport, sent } = recordingTransport()
    const events: DeliveryEvent[] = []
    const worker = createDeliveryWorker({ store, transport, clock, onEvent: (event) => events.push(event) })
    await worker.runOnce()
    expect(sent.map((entry) => entry.message)).toEqual([placeholder])
    expect(events.some((event) => event.type === 'error' && event.error.includes('could not render'))).toBe(
      true,
    )
  })

  it('sends ready messages unchanged next to render jobs', async () => {
    const clock = manualClock()
    const store = memoryStore({ clock: clock.now })
    const ready: TelegramMessage = { text: '<b>stock low</b>', parse_mode: 'HTML', link_preview_options: {} }
    await store.queue.enqueue({
      deliveryKey: 'stock',
      dedupeTtlMs: 1000,
      now: clock.now(),
      jobs: [{ chatId: '8', message: ready, summaryLine: 'stock low' }],
    })
    const { transport, sent } = recordingTransport()
    const worker = createDeliveryWorker({ store, transport, clock })
    await worker.runOnce()
    expect(sent.map((entry) => entry.message)).toEqual([ready])
  })
})

describe('job payload codec', () => {
  const message: TelegramMessage = {
    text: 'hi',
    parse_mode: 'HTML',
    link_preview_options: { is_disabled: true },
  }

  it('keeps a ready message as its plain JSON, so text written before render requests existed still reads', () => {
    expect(encodeJobPayload({ message })).toBe(JSON.stringify(message))
    expect(decodeJobPayload(JSON.stringify(message))).toEqual({ message })
  })

  it('round-trips a render request with its placeholder', () => {
    const render = { webhook: { event: 'x.y', context: { id: 1, list: [] } }, locale: 'en' as const }
    const decoded = decodeJobPayload(encodeJobPayload({ message, render }))
    expect(decoded).toEqual({ message, render })
  })

  it('round-trips a summary item, alone or with a render request', () => {
    const summary = {
      locale: 'uk' as const,
      kind: 'order_status' as const,
      id: 7,
      to: 'Нове',
      total: 1.5,
      currency: 'UAH',
    }
    expect(decodeJobPayload(encodeJobPayload({ message, summary }))).toEqual({ message, summary })
    const render = { webhook: { event: 'x.y', context: { id: 7 } } }
    expect(decodeJobPayload(encodeJobPayload({ message, render, summary }))).toEqual({
      message,
      render,
      summary,
    })
  })
})
