/**
 * The conformance cases of {@link QueueStore.onEnqueued}, registered by `testStore`: a listener hears
 * enqueues made through its own instance at once and through another instance on the same backend (the
 * webhook process and the bot process) soon, and hears nothing once it stopped listening.
 *
 * @module
 */
import { createDeliveryWorker, type KeygramStore, type NewJob } from '@keygram/core'
import { describe, expect, it } from 'vitest'

/** What the cases need from the suite: a way to open another instance on the backend (closed after the test). */
export interface WakeCaseContext {
  open: () => Promise<KeygramStore>
}

// Generous for a poll of a file or a pub/sub hop on a loaded machine; the worker's poll is 100 ms, so a
// store whose notices do not arrive at all fails this.
const HEARD_WITHIN_MS = 2_000
const SILENCE_MS = 300

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

function listen(store: KeygramStore) {
  const onEnqueued = store.queue.onEnqueued?.bind(store.queue)
  if (onEnqueued === undefined) throw new Error(`${store.name} store does not implement queue.onEnqueued`)
  const heard = { count: 0 }
  const stop = onEnqueued(() => {
    heard.count++
  })
  return { heard, stop }
}

async function heardWithin(heard: { count: number }, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms
  while (heard.count === 0 && Date.now() < deadline) await sleep(5)
  return heard.count > 0
}

/** Registers the wake cases inside the store suite's `describe`. */
export function describeWakeCases({ open }: WakeCaseContext): void {
  const job = (): NewJob => ({
    chatId: `-100${Math.floor(Math.random() * 1e12)}`,
    message: { text: 'wake', parse_mode: 'HTML', link_preview_options: { is_disabled: true } },
    summaryLine: 'wake',
  })
  const enqueue = (store: KeygramStore) =>
    store.queue.enqueue({
      deliveryKey: `conformance:wake:${crypto.randomUUID()}`,
      dedupeTtlMs: 60_000,
      jobs: [job()],
      now: Date.now(),
    })

  describe('wake on enqueue', () => {
    it("hears this instance's own enqueue by the time it resolves", async () => {
      const store = await open()
      const { heard, stop } = listen(store)
      await enqueue(store)
      expect(heard.count).toBeGreaterThan(0)
      stop()
    })

    it('hears an enqueue made through another instance on the same backend', async () => {
      const listener = await open()
      const other = await open()
      const { heard, stop } = listen(listener)
      // Give a pub/sub or LISTEN connection time to be set up: a notice before that is fairly lost.
      await sleep(200)
      await enqueue(other)
      expect(await heardWithin(heard, HEARD_WITHIN_MS)).toBe(true)
      stop()
    })

    it('wakes a worker in one instance for a job enqueued through another, long before its poll', async () => {
      const worker = await open()
      const webhook = await open()
      const chatId = `-100${Math.floor(Math.random() * 1e12)}`
      // The backend may hold other cases' jobs: only this chat's message is timed.
      const sentAt: number[] = []
      const delivery = createDeliveryWorker({
        store: worker,
        // A poll this long makes the assertion below fail unless the notice wakes the worker.
        idleMs: 10_000,
        transport: {
          async sendMessage(target) {
            if (target.chatId === chatId) sentAt.push(Date.now())
            return { ok: true, messageId: 1 }
          },
        },
      })
      delivery.start()
      try {
        await sleep(300) // the first claims are over and the listening connection is up
        const enqueuedAt = Date.now()
        await webhook.queue.enqueue({
          deliveryKey: `conformance:wake:${crypto.randomUUID()}`,
          dedupeTtlMs: 60_000,
          jobs: [{ ...job(), chatId }],
          now: Date.now(),
        })
        const deadline = Date.now() + 3_000
        while (sentAt.length === 0 && Date.now() < deadline) await sleep(5)
        expect(sentAt).toHaveLength(1)
        expect(sentAt[0]! - enqueuedAt).toBeLessThan(1_000)
      } finally {
        await delivery.stop()
      }
    })

    it('hears nothing after it stopped listening', async () => {
      const listener = await open()
      const other = await open()
      const { heard, stop } = listen(listener)
      await sleep(200)
      stop()
      await enqueue(other)
      await enqueue(listener)
      await sleep(SILENCE_MS)
      expect(heard.count).toBe(0)
    })
  })
}
