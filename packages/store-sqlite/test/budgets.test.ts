import { testStoreBudgets } from '@keygram/testing'
import { describe, expect, it } from 'vitest'
import { createSqliteBudgets } from '../src/budgets.ts'
import { openDatabase } from '../src/database.ts'
import { storeFixture, testDriver } from './helpers.ts'

// A fresh file per test; each store is its own connection to it, as processes on one host would be.
testStoreBudgets(`sqlite on ${testDriver.name} (separate connections to one file)`, () => storeFixture())

describe('sqlite budgets and durability', () => {
  it('leaves the connection fully synchronous, with automatic checkpoints, after a take and a release', async () => {
    const fixture = storeFixture()
    const db = openDatabase(testDriver, fixture.path)
    try {
      const budgets = createSqliteBudgets(db)
      const before = [
        db.pragma('synchronous', { simple: true }),
        db.pragma('wal_autocheckpoint', { simple: true }),
      ]
      const taken = await budgets.take({ key: 'k', limit: 2, windowMs: 1000, reserve: 0, now: 1000 })
      if (!taken.granted) throw new Error('refused')
      await budgets.release({ key: 'k', slotId: taken.slotId, windowMs: 1000, now: 1100 })
      expect(before).toEqual([2, 1000])
      expect([
        db.pragma('synchronous', { simple: true }),
        db.pragma('wal_autocheckpoint', { simple: true }),
      ]).toEqual(before)
    } finally {
      db.close()
      await fixture.cleanup()
    }
  })
})
