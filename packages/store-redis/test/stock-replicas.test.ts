import { createStockAlerter, type KeygramStore, type StockOfferState, stockStateKey } from '@keygram/core'
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { redisStore } from '../src/index.ts'
import { connect, deletePrefix, REDIS_URL, uniquePrefix } from './helpers.ts'

const prefix = uniquePrefix()
let admin: Redis

beforeAll(async () => {
  admin = await connect()
})

afterAll(async () => {
  await deletePrefix(admin, prefix)
  await admin.quit()
})

async function drainTexts(store: KeygramStore): Promise<string[]> {
  const texts: string[] = []
  for (;;) {
    const claims = await store.queue.claim({
      workerId: 't',
      now: Date.now() + 60_000,
      leaseMs: 60_000,
      maxChats: 50,
      maxJobsPerChat: 500,
    })
    if (claims.length === 0) return texts
    for (const claim of claims) {
      texts.push(...claim.jobs.map((job) => job.message.text))
      await store.queue.settle(claim.chatId, claim.claimToken, {
        done: claim.jobs.map((job) => job.id),
        now: Date.now(),
      })
    }
  }
}

describe('stock alerts with replicas on one Redis', () => {
  it('three replicas racing waves of webhooks for the same offers announce every crossing exactly once', async () => {
    const replicas = Array.from({ length: 3 }, () => redisStore({ url: REDIS_URL, prefix }))
    try {
      const rules = [{ low: 5, hysteresis: 2, chats: [{ chatId: '-100321' }] }]
      const alerters = replicas.map((store) => createStockAlerter({ store, rules, locale: 'en' }))
      // Levels swing across the band so most webhooks cross; in_reserve makes every body distinct.
      const webhooks = Array.from({ length: 60 }, (_, index) =>
        [1, 2].map((offer) => ({
          offer_id: offer,
          sku: `r-${offer}`,
          in_stock: (index * (offer + 3)) % 13 === 0 ? 20 + index : ((index * 7 + offer) % 11) + index,
          in_reserve: index,
        })),
      )
      // Six waves of ten concurrent webhooks: races inside a wave, crossings from wave to wave.
      const results = []
      for (let wave = 0; wave < 6; wave++) {
        const batch = webhooks.slice(wave * 10, wave * 10 + 10)
        results.push(...(await Promise.all(batch.map((rows, index) => alerters[index % 3]!.accept(rows)))))
      }
      const texts = await drainTexts(replicas[0]!)
      const lines = texts.flatMap((text) => text.split('\n').slice(1))
      for (const offer of [1, 2]) {
        const state = await replicas[1]!.kv.get<StockOfferState>(stockStateKey(offer))
        const seq = state?.bands['5/2']?.seq ?? 0
        const mine = lines.filter((line) => line.includes(`<code>r-${offer}</code>`))
        expect(mine).toHaveLength(seq)
        expect(mine.filter((line) => line.startsWith('✅'))).toHaveLength(Math.floor(seq / 2))
        expect(state?.bands['5/2']?.low).toBe(seq % 2 === 1)
      }
      const announced = results.reduce((sum, result) => sum + result.crossings, 0)
      expect(announced).toBe(lines.length)
      expect(announced).toBeGreaterThan(8)
    } finally {
      for (const store of replicas) await store.close()
    }
  })

  it('accepts a 10 000-row import and coalesces its alerts', async () => {
    const store = redisStore({ url: REDIS_URL, prefix: `${prefix}big:` })
    try {
      const alerter = createStockAlerter({ store, rules: [{ low: 3, chats: [{ chatId: '-100654' }] }] })
      const rows = Array.from({ length: 10_000 }, (_, index) => ({
        offer_id: index + 1,
        sku: `big-${index}`,
        in_stock: index % 10 === 0 ? 2 : 40,
        in_reserve: 0,
      }))
      // Its speed is measured in bench/, not here: no timed assertions in tests.
      const result = await alerter.accept(rows)
      expect(result).toMatchObject({ status: 'queued', crossings: 1000 })
      expect(result.jobs).toBeLessThanOrEqual(5)
      expect(await drainTexts(store)).toHaveLength(result.jobs)
    } finally {
      await store.close()
    }
  })
})
