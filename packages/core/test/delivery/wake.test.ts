import { describe, expect, it } from 'vitest'
import { systemClock } from '../../src/delivery/clock.ts'
import { createEnqueueSignal } from '../../src/delivery/enqueue-signal.ts'
import { createIdleWait } from '../../src/delivery/idle-wait.ts'
import type { KeygramStore, NewJob, TelegramTransport } from '../../src/delivery/types.ts'
import { createDeliveryWorker, type DeliveryWorkerOptions } from '../../src/delivery/worker.ts'
import { memoryStore } from '../../src/stores/index.ts'

// Real time throughout: the point is how soon a job goes out, and a poll interval far longer than the
// assertions' limits makes each of them fail if the wake does not happen.
const LONG_POLL_MS = 5_000
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

function job(chatId: string, line: string): NewJob {
  return { chatId, summaryLine: line, message: { text: line, parse_mode: 'HTML', link_preview_options: {} } }
}

/** A memory store whose claims and listeners are counted. */
function countingStore() {
  const store = memoryStore()
  const counts = { claims: 0, listeners: 0 }
  const queue = store.queue
  const counted: KeygramStore = {
    ...store,
    queue: {
      enqueue: (input) => queue.enqueue(input),
      claim: (input) => {
        counts.claims++
        return queue.claim(input)
      },
      settle: (...args) => queue.settle(...args),
      listDead: (options) => queue.listDead(options),
      replayDead: (options) => queue.replayDead(options),
      stats: (now) => queue.stats(now),
      onEnqueued: (listener) => {
        counts.listeners++
        const stop = queue.onEnqueued!(listener)
        return () => {
          counts.listeners--
          stop()
        }
      },
    },
  }
  return { store: counted, counts }
}

function startWorker(store: KeygramStore, options: Partial<DeliveryWorkerOptions> = {}) {
  const sentAt: { chatId: string; at: number }[] = []
  const transport: TelegramTransport = {
    async sendMessage(target) {
      sentAt.push({ chatId: target.chatId, at: performance.now() })
      return { ok: true, messageId: sentAt.length }
    },
  }
  const worker = createDeliveryWorker({ store, transport, idleMs: LONG_POLL_MS, coalesce: false, ...options })
  worker.start()
  return { worker, sentAt }
}

let keys = 0
function enqueue(store: KeygramStore, ...jobs: NewJob[]) {
  return store.queue.enqueue({ deliveryKey: `wake-${++keys}`, dedupeTtlMs: 60_000, jobs, now: Date.now() })
}

async function until(condition: () => boolean, withinMs: number): Promise<void> {
  const deadline = performance.now() + withinMs
  while (!condition() && performance.now() < deadline) await sleep(2)
}

describe('delivery worker: wake on enqueue', () => {
  it('sends a lone job long before the poll interval would allow', async () => {
    const store = memoryStore()
    const { worker, sentAt } = startWorker(store)
    await sleep(50) // the worker's first (empty) claim is over: it now sleeps for LONG_POLL_MS
    const enqueuedAt = performance.now()
    await enqueue(store, job('1001', 'lone'))
    await until(() => sentAt.length > 0, 1_000)
    await worker.stop()
    await store.close()
    expect(sentAt).toHaveLength(1)
    expect(sentAt[0]!.at - enqueuedAt).toBeLessThan(500)
  })

  it('waits for the poll when the wake is turned off (the baseline the bench compares with)', async () => {
    const store = memoryStore()
    const { worker, sentAt } = startWorker(store, { wakeOnEnqueue: false })
    await sleep(50)
    await enqueue(store, job('1002', 'polled'))
    await sleep(300)
    expect(sentAt).toHaveLength(0)
    await worker.stop()
    await store.close()
  })

  it('sends a job enqueued while a claim was under way without waiting for the poll', async () => {
    const { store } = countingStore()
    let releaseClaim: () => void = () => {}
    const claimed = new Promise<void>((resolve) => {
      releaseClaim = resolve
    })
    let first = true
    const slowFirstClaim: KeygramStore = {
      ...store,
      queue: Object.assign(Object.create(store.queue), {
        claim: async (input: Parameters<KeygramStore['queue']['claim']>[0]) => {
          const result = await store.queue.claim(input)
          if (first) {
            first = false
            await claimed // the enqueue lands after this claim looked, before the worker sleeps
          }
          return result
        },
        onEnqueued: store.queue.onEnqueued!,
      }),
    }
    const { worker, sentAt } = startWorker(slowFirstClaim)
    await sleep(20)
    await enqueue(store, job('1003', 'raced'))
    releaseClaim()
    await until(() => sentAt.length > 0, 1_000)
    await worker.stop()
    expect(sentAt).toHaveLength(1)
  })

  it('does not spin on a burst of enqueues for a chat that is paced', async () => {
    const { store, counts } = countingStore()
    const { worker, sentAt } = startWorker(store, { limits: { privateChatIntervalMs: 60_000 } })
    await enqueue(store, job('1004', 'first'))
    await until(() => sentAt.length > 0, 1_000)
    const claimsBefore = counts.claims
    const started = performance.now()
    // 400 notices within ~200 ms, every one for the chat that may not get a message for a minute.
    for (let index = 0; index < 400; index++) {
      await enqueue(store, job('1004', `paced ${index}`))
      if (index % 2 === 0) await sleep(1)
    }
    const elapsedMs = performance.now() - started
    await sleep(20)
    await worker.stop()
    expect(sentAt).toHaveLength(1)
    // At most one claim per 5 ms gap (plus a few at the edges), far fewer than one per enqueue.
    expect(counts.claims - claimsBefore).toBeLessThan(elapsedMs / 5 + 10)
    expect(counts.claims - claimsBefore).toBeLessThan(200)
  })

  it('stops listening when the worker stops', async () => {
    const { store, counts } = countingStore()
    const { worker } = startWorker(store)
    await sleep(10)
    expect(counts.listeners).toBe(1)
    await worker.stop()
    expect(counts.listeners).toBe(0)
  })
})

describe('idle wait', () => {
  function queueWithSignal() {
    const signal = createEnqueueSignal()
    return { signal, queue: { onEnqueued: (listener: () => void) => signal.listen(listener) } }
  }

  it('ends a wakeable wait at a notice, and ignores notices in a back-off wait', async () => {
    const { signal, queue } = queueWithSignal()
    const idle = createIdleWait({ clock: systemClock, queue, stop: new AbortController().signal })
    setTimeout(() => signal.notify(), 20)
    let started = performance.now()
    await idle.wait(LONG_POLL_MS, true)
    expect(performance.now() - started).toBeLessThan(1_000)

    setTimeout(() => signal.notify(), 20)
    started = performance.now()
    await idle.wait(200, false)
    expect(performance.now() - started).toBeGreaterThanOrEqual(190)
    idle.close()
  })

  it('remembers a notice heard between waits and ends the next wait at once', async () => {
    const { signal, queue } = queueWithSignal()
    const idle = createIdleWait({ clock: systemClock, queue, stop: new AbortController().signal })
    signal.notify()
    const started = performance.now()
    await idle.wait(LONG_POLL_MS, true)
    expect(performance.now() - started).toBeLessThan(1_000)
    idle.close()
  })

  it('ends at once when stopped, and a listener that throws does not reach the notifier', async () => {
    const { signal, queue } = queueWithSignal()
    const stop = new AbortController()
    const idle = createIdleWait({ clock: systemClock, queue, stop: stop.signal })
    signal.listen(() => {
      throw new Error('listener bug')
    })
    setTimeout(() => stop.abort(), 20)
    const started = performance.now()
    await idle.wait(LONG_POLL_MS, true)
    expect(performance.now() - started).toBeLessThan(1_000)
    expect(() => signal.notify()).not.toThrow()
    idle.close()
    await signal.close()
  })
})

describe('notifying queue', () => {
  it('keeps onEnqueued and its notices through a wrapper that spreads it', async () => {
    const store = memoryStore()
    const wrapped: KeygramStore['queue'] = { ...store.queue, stats: (now) => store.queue.stats(now) }
    let heard = 0
    const stop = wrapped.onEnqueued?.(() => {
      heard++
    })
    await wrapped.enqueue({
      deliveryKey: 'spread',
      dedupeTtlMs: 60_000,
      jobs: [job('1005', 'x')],
      now: Date.now(),
    })
    expect(heard).toBe(1)
    stop?.()
    await store.close()
  })
  it('takes an assigned enqueue that calls the one it replaces, and still notifies', async () => {
    const store = memoryStore()
    const enqueue = store.queue.enqueue.bind(store.queue)
    let calls = 0
    store.queue.enqueue = (input) => {
      calls++
      return enqueue(input)
    }
    let heard = 0
    const stop = store.queue.onEnqueued?.(() => {
      heard++
    })
    const result = await store.queue.enqueue({
      deliveryKey: 'assigned',
      dedupeTtlMs: 60_000,
      jobs: [job('1006', 'x')],
      now: Date.now(),
    })
    expect(result.accepted).toBe(true)
    expect([calls, heard]).toEqual([1, 1])
    stop?.()
    await store.close()
  })
  it('leaves the queue alone when an object inheriting from it takes its own settle', async () => {
    const store = memoryStore()
    const wrapped = Object.create(store.queue) as KeygramStore['queue']
    const refuse = () => Promise.reject(new Error('database or disk is full'))
    wrapped.settle = refuse
    expect(wrapped.settle).toBe(refuse)
    expect(store.queue.settle).not.toBe(refuse)
    expect(await store.queue.settle('1007', 'no-such-claim', { now: Date.now() })).toEqual({ ok: false })
    await store.close()
  })
})
