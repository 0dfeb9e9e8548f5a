/**
 * The worker on bad days (issue #20): a failing settle, a long outage that a fresh job joins, a crash in
 * the middle of a multi-part message. Memory store, scripted transport, a clock the test moves.
 */
import { describe, expect, it } from 'vitest'
import type { Clock } from '../../src/delivery/clock.ts'
import { systemClock } from '../../src/delivery/clock.ts'
import type { KeygramStore, NewJob, TelegramFailure, TelegramTransport } from '../../src/delivery/types.ts'
import { createDeliveryWorker, type DeliveryWorkerOptions } from '../../src/delivery/worker.ts'
import { memoryStore } from '../../src/stores/index.ts'
import { classifyTelegramFailure } from '../../src/telegram/classify.ts'
import type { OutgoingMessage } from '../../src/telegram/types.ts'

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

type Answer = TelegramFailure | 'ok' | 'hang'

const tooLong = classifyTelegramFailure(400, 'Bad Request: message is too long')

/**
 * Refuses texts over 4096 characters as Telegram does, else answers from a list (then success); `hang`
 * never answers, as if the process died during the call.
 */
function scriptedTransport(answers: Answer[]) {
  const sent: { chatId: string; message: OutgoingMessage }[] = []
  let id = 0
  const transport: TelegramTransport = {
    sendMessage(target, message) {
      if (message.text.length > 4096) return Promise.resolve(tooLong)
      const answer = answers.shift() ?? 'ok'
      if (answer === 'hang') return new Promise(() => {})
      sent.push({ chatId: target.chatId, message })
      return Promise.resolve(answer === 'ok' ? { ok: true as const, messageId: ++id } : answer)
    },
  }
  return { transport, sent }
}

const newJob = (chatId: string, line: string, text = `<b>${line}</b>`): NewJob => ({
  chatId,
  summaryLine: line,
  message: { text, parse_mode: 'HTML', link_preview_options: {} },
})

const badGateway = classifyTelegramFailure(502, 'Bad Gateway')

function setup(answers: Answer[], options: Partial<DeliveryWorkerOptions> = {}) {
  const clock = manualClock()
  const store = memoryStore({ clock: clock.now })
  const { transport, sent } = scriptedTransport(answers)
  const worker = (overrides: Partial<DeliveryWorkerOptions> = {}) =>
    createDeliveryWorker({ store, transport, clock, random: () => 0.5, ...options, ...overrides })
  let key = 0
  const enqueue = (...jobs: NewJob[]) =>
    store.queue.enqueue({ deliveryKey: `k${++key}`, dedupeTtlMs: 60_000, jobs, now: clock.t })
  return { clock, store, sent, worker, enqueue }
}

/** A store whose first `failures` settles throw, as SQLite does on a full disk. */
function failingSettles(store: KeygramStore, failures: number): KeygramStore & { settleCalls: number } {
  let left = failures
  const wrapped = {
    ...store,
    settleCalls: 0,
    queue: {
      ...store.queue,
      claim: store.queue.claim.bind(store.queue),
      renew: store.queue.renew?.bind(store.queue),
      settle(...args: Parameters<KeygramStore['queue']['settle']>) {
        wrapped.settleCalls++
        if (left-- > 0) return Promise.reject(new Error('database or disk is full'))
        return store.queue.settle(...args)
      },
    },
  }
  return wrapped as KeygramStore & { settleCalls: number }
}

describe('delivery worker on bad days', () => {
  it('retries a failed settle and keeps the chat: no duplicate, and the next job goes without waiting out a lease', async () => {
    const s = setup([], { coalesce: { threshold: 3 } })
    const store = failingSettles(s.store, 2)
    const worker = s.worker({ store, leaseMs: 60_000 })
    await s.enqueue(...['a', 'b', 'c'].map((line) => newJob('1', line)))
    const t0 = s.clock.t
    await worker.runOnce()
    expect(s.sent).toHaveLength(1)
    expect(store.settleCalls).toBe(3)
    // The summary was recorded as sent: the queue is empty and nothing is sent again, even after the lease.
    expect(await s.store.queue.stats(s.clock.t)).toMatchObject({ pending: 0, claimed: 0 })
    // The retries took seconds, not a lease.
    expect(s.clock.t - t0).toBeLessThan(5_000)
    await s.enqueue(newJob('1', 'd'))
    s.clock.t += 1_000
    await worker.runOnce()
    s.clock.t += 61_000
    await worker.runOnce()
    expect(s.sent.map((send) => send.message.text)).toEqual(['<b>3 updates</b>\na\nb\nc', '<b>d</b>'])
  })

  it('counts attempts per job: a fresh job merged into an exhausted batch is retried, not dead-lettered', async () => {
    const down = Array.from({ length: 3 }, () => badGateway)
    const s = setup(down, { retry: { maxAttempts: 3 }, coalesce: { threshold: 3 } })
    const worker = s.worker()
    await s.enqueue(newJob('1', 'old1'), newJob('1', 'old2'), newJob('1', 'old3'))
    for (let round = 0; round < 2; round++) {
      await worker.runOnce()
      s.clock.t += 600_000
    }
    // Near the end of the outage, two fresh orders join the batch.
    await s.enqueue(newJob('1', 'fresh1'), newJob('1', 'fresh2'))
    await worker.runOnce()
    const dead = await s.store.queue.listDead()
    expect(dead.map((job) => [job.summaryLine, job.reason, job.attempts])).toEqual([
      ['old1', 'retries_exhausted', 3],
      ['old2', 'retries_exhausted', 3],
      ['old3', 'retries_exhausted', 3],
    ])
    s.clock.t += 600_000
    await worker.runOnce()
    await worker.runOnce()
    s.clock.t += 600_000
    await worker.runOnce()
    expect(s.sent.slice(3).map((send) => send.message.text)).toEqual(['<b>fresh1</b>', '<b>fresh2</b>'])
    expect(await s.store.queue.stats(s.clock.t)).toMatchObject({ pending: 0, dead: 3 })
  })

  it('a crash in the middle of a split message repeats at most one part after the restart', async () => {
    // The HTML send is refused as too long; parts 1 and 2 go out, and the process dies sending part 3.
    const s = setup(['ok', 'ok', 'hang'], { coalesce: false, limits: { globalPerSecond: 100 } })
    const text = Array.from({ length: 3000 }, (_, n) => `word${n}`).join(' ')
    await s.enqueue(newJob('1', 'long', text))
    void s.worker({ leaseMs: 10_000, workerId: 'dead' }).runOnce()
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(s.sent).toHaveLength(2)

    s.clock.t += 10_001
    const restarted = s.worker({ workerId: 'restarted' })
    expect(await restarted.runOnce()).toBe(1)
    const parts = s.sent.map((send) => send.message.text)
    const duplicates = parts.length - new Set(parts).size
    expect(duplicates).toBeLessThanOrEqual(1)
    expect(new Set(parts).size).toBeGreaterThanOrEqual(3)
    expect(await s.store.queue.stats(s.clock.t)).toMatchObject({ pending: 0 })
  })

  it('renews its short claim while a slow send is in flight, so no other worker takes the chat', async () => {
    const store = memoryStore()
    const sent: string[] = []
    const slow: TelegramTransport = {
      async sendMessage(_target, message) {
        sent.push(message.text)
        await new Promise((resolve) => setTimeout(resolve, 700))
        return { ok: true, messageId: sent.length }
      },
    }
    const options = { store, transport: slow, clock: systemClock, leaseMs: 150, coalesce: false } as const
    const [busy, other] = [createDeliveryWorker(options), createDeliveryWorker(options)]
    const now = Date.now()
    await store.queue.enqueue({ deliveryKey: 'k', dedupeTtlMs: 60_000, jobs: [newJob('1', 'a')], now })
    const round = busy.runOnce()
    await new Promise((resolve) => setTimeout(resolve, 20))
    // Polling through four leases' worth of the slow send: the chat stays with the busy worker.
    for (let poll = 0; poll < 12; poll++) {
      expect(await other.runOnce()).toBe(0)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    await round
    expect(sent).toEqual(['<b>a</b>'])
    expect(await store.queue.stats(Date.now())).toMatchObject({ pending: 0, claimed: 0 })
  })

  it('gives a settle that keeps failing up after five minutes, so one bad write cannot stop delivery', async () => {
    const s = setup([], { coalesce: false })
    const store = failingSettles(s.store, Number.POSITIVE_INFINITY)
    const errors: string[] = []
    const worker = s.worker({
      store,
      onEvent: (event) => {
        if (event.type === 'error') errors.push(event.error)
      },
    })
    await s.enqueue(newJob('1', 'a'))
    const t0 = s.clock.t
    expect(await worker.runOnce()).toBe(1)
    expect(s.clock.t - t0).toBeGreaterThanOrEqual(300_000)
    expect(s.clock.t - t0).toBeLessThan(303_000)
    expect(errors.at(-1)).toMatch(/giving up/)
  })
})
