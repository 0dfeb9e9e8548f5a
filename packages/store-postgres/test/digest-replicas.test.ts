import { createDigestScheduler, type DigestRunResult } from '@keygram/core'
import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresStore } from '../src/index.ts'
import { connect, dropSchema, POSTGRES_URL, uniqueSchema } from './helpers.ts'

const schema = uniqueSchema()
let admin: pg.Pool

beforeAll(async () => {
  admin = await connect()
})

afterAll(async () => {
  await dropSchema(admin, schema)
  await admin.end()
})

describe('digests with replicas on one PostgreSQL', () => {
  it('five replicas racing the same run queue exactly one digest, with the events all of them recorded', async () => {
    const replicas = Array.from({ length: 5 }, () => postgresStore({ url: POSTGRES_URL, schema }))
    try {
      const scheduledAt = Date.parse('2026-01-29T07:00:00Z')
      // Each replica accepted some of yesterday's webhooks.
      for (const [index, store] of replicas.entries()) {
        await store.events.append({
          deliveryKey: `order.change_order_status:${index}`,
          at: Date.parse('2026-01-28T10:00:00Z') + index,
          kind: 'order_status',
          event: 'order.change_order_status',
          entityId: 100 + index,
          statusId: 1,
          statusGroupId: 1,
          paymentStatus: 'paid',
          grandTotal: 1000,
          sourceId: null,
          managerId: null,
          createdAt: null,
          statusChangedAt: null,
        })
      }
      const results: DigestRunResult[] = await Promise.all(
        replicas.map((store) =>
          createDigestScheduler({ store, schedules: [{ chatId: '-100777', locale: 'en' }] }).runNow(
            0,
            scheduledAt,
          ),
        ),
      )
      expect(results.filter((result) => result.status === 'queued')).toHaveLength(1)
      expect(
        results.every((result) => result.stats.newOrders === 5 && result.stats.newOrdersTotal === 5000),
      ).toBe(true)
      const claims = await replicas[0]!.queue.claim({
        workerId: 't',
        now: Date.now() + 1,
        leaseMs: 1000,
        maxChats: 10,
        maxJobsPerChat: 10,
      })
      const jobs = claims.flatMap((claim) => claim.jobs)
      expect(jobs.map((job) => job.deliveryKey)).toEqual(['digest:-100777:2026-01-28'])
      expect(jobs[0]?.message.text).toContain('New orders: <b>5</b>')
    } finally {
      for (const store of replicas) await store.close()
    }
  })
})
