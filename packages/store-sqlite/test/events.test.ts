import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { sqliteStore } from '../src/index.ts'
import { migrations, SCHEMA_VERSION } from '../src/schema.ts'
import { firstColumn, openRaw, tempDir, testDriver } from './helpers.ts'

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup()
})

describe('sqlite event log', () => {
  it('upgrades a version 1 file in place: jobs kept in the normal lane, event log added', async () => {
    const { dir, remove } = tempDir()
    cleanups.push(remove)
    const path = join(dir, 'keygram.db')
    // A file as the previous release left it: schema version 1 with a queued job.
    const old = openRaw(path)
    old.exec(migrations[0]!)
    old.pragma('user_version = 1')
    old
      .prepare(
        `INSERT INTO jobs (id, chat_id, sequence, delivery_key, message, summary_line, not_before, created_at)
         VALUES ('j1', '-100', 1, 'k1', ?, 'Order #1', 0, 0)`,
      )
      .run(JSON.stringify({ text: 'kept', parse_mode: 'HTML', link_preview_options: {} }))
    old.prepare("UPDATE counters SET value = 1 WHERE name = 'job_sequence'").run()
    old.prepare("INSERT INTO chats (chat_id) VALUES ('-100')").run()
    old.close()

    expect(SCHEMA_VERSION).toBe(3)
    const store = sqliteStore({ path, driver: testDriver })
    try {
      const [chat] = await store.queue.claim({
        workerId: 'w',
        now: 1,
        leaseMs: 1000,
        maxChats: 1,
        maxJobsPerChat: 5,
      })
      expect(chat?.jobs.map((job) => job.message.text)).toEqual(['kept'])
      expect(chat?.jobs[0]?.priority).toBeUndefined()
      const record = {
        deliveryKey: 'k1',
        at: 5,
        kind: 'order_status' as const,
        event: 'order.change_order_status',
        entityId: 1,
        statusId: 1,
        statusGroupId: 1,
        paymentStatus: null,
        grandTotal: 100,
        sourceId: null,
        managerId: null,
        createdAt: null,
        statusChangedAt: null,
      }
      expect(await store.events.append(record)).toBe(true)
      expect(await store.events.range(0, 10)).toEqual([record])
    } finally {
      await store.close()
    }
    const raw = openRaw(path)
    try {
      expect(raw.pragma('user_version', { simple: true })).toBe(3)
      expect(firstColumn(raw.prepare("SELECT name FROM sqlite_master WHERE name = 'events_at'").get())).toBe(
        'events_at',
      )
    } finally {
      raw.close()
    }
  })
})
