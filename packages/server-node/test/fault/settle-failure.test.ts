/**
 * A full disk at the worst moment (issue #20, 3): the summary went out, and the write that records it is
 * refused (`database or disk is full`) a few times. A wrapper around a real SQLite store injects the
 * refusals; the worker sends through its real HTTP transport to the fake Bot API. Asserted: nothing is
 * sent twice, and the chat's next message goes out within seconds, not after a lease.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  createDeliveryWorker,
  createFetchTransport,
  DEFAULT_CLAIM_LEASE_MS,
  type DeliveryEvent,
  type KeygramStore,
  type NewJob,
} from '@keygram/core'
import { sqliteStore } from '@keygram/store-sqlite'
import { createFakeBotApi } from '@keygram/testing'
import { afterEach, describe, expect, it } from 'vitest'

const cleanups: (() => void | Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** `store` with its next `failures` settles refused as SQLite refuses a write on a full disk. */
function withFullDisk(store: KeygramStore, failures: number): KeygramStore & { refused: () => number } {
  let left = failures
  let refused = 0
  const queue = Object.create(store.queue) as KeygramStore['queue']
  queue.settle = async (...args) => {
    if (left > 0) {
      left--
      refused++
      throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' })
    }
    return store.queue.settle(...args)
  }
  return Object.assign(Object.create(store) as KeygramStore, { queue, refused: () => refused })
}

const job = (line: string): NewJob => ({
  chatId: '700000042',
  summaryLine: `Order #${line}`,
  message: { text: `Order <b>#${line}</b>`, parse_mode: 'HTML', link_preview_options: { is_disabled: true } },
})

describe('fault: the settle that records a sent summary is refused (full disk)', () => {
  it('sends nothing twice and serves the chat again within seconds', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keygram-full-disk-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    const fake = await createFakeBotApi({ seed: 3 })
    cleanups.push(() => fake.close())
    const sqlite = sqliteStore({ path: join(dir, 'keygram.db') })
    cleanups.push(() => sqlite.close())
    const store = withFullDisk(sqlite, 4)
    const errors: string[] = []
    const worker = createDeliveryWorker({
      store,
      transport: createFetchTransport({ token: fake.token, apiRoot: fake.url }),
      idleMs: 20,
      onEvent: (event: DeliveryEvent) => {
        if (event.type === 'error') errors.push(event.error)
      },
    })
    const orders = Array.from({ length: 14 }, (_, index) => String(50_001 + index))
    await store.queue.enqueue({
      deliveryKey: 'burst',
      dedupeTtlMs: 60_000,
      jobs: orders.map(job),
      now: Date.now(),
    })
    worker.start()
    cleanups.push(() => worker.stop())

    await expect.poll(() => fake.sent.length, { timeout: 10_000, interval: 10 }).toBe(1)
    const summarySentAt = Date.now()
    await store.queue.enqueue({
      deliveryKey: 'next',
      dedupeTtlMs: 60_000,
      jobs: [job('50099')],
      now: Date.now(),
    })
    await expect.poll(() => fake.sent.length, { timeout: 30_000, interval: 10 }).toBe(2)
    const blockedMs = Date.now() - summarySentAt

    expect(store.refused()).toBe(4)
    expect(errors[0]).toMatch(
      /settle failed for chat 700000042 \(1x\): database or disk is full; retrying in 100 ms/,
    )
    // The summary (all 14 orders) once, then the next order: no repeat, the claim was never given up.
    expect(fake.sent[0]!.plain_text).toMatch(/^14 /)
    for (const order of orders) expect(fake.sent[0]!.plain_text).toContain(`#${order}`)
    expect(fake.sent[1]!.plain_text).toBe('Order #50099')
    expect(errors.filter((error) => error.includes('lost'))).toEqual([])
    // Four refusals cost 100 + 200 + 400 + 800 ms, plus the chat's 1 s pace: far from a lease.
    expect(blockedMs).toBeLessThan(DEFAULT_CLAIM_LEASE_MS / 2)
    await expect.poll(async () => (await sqlite.queue.stats(Date.now())).pending).toBe(0)
    console.log(
      `full disk: 4 settles refused; the chat's next message went out ${blockedMs} ms after the summary`,
    )
  })
})
