import type { KeygramStore } from '@keygram/core'
import { testStoreReplicas } from '@keygram/testing'
import pg from 'pg'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { postgresStore } from '../src/index.ts'
import { connect, dropSchema, POSTGRES_URL, postgresFixture, uniqueSchema } from './helpers.ts'

// Every test of the shared suite gets a fresh schema; each replica owns its pool (the `url` path), as a
// deployed replica would.
testStoreReplicas('postgres', async () => {
  // Fails at once when PostgreSQL is unreachable, instead of letting each test time out.
  const admin = await connect()
  const schema = uniqueSchema()
  const stores: KeygramStore[] = []
  return {
    open() {
      const store = postgresStore({ url: POSTGRES_URL, schema })
      stores.push(store)
      return store
    },
    async cleanup() {
      for (const store of stores.splice(0)) await store.close()
      await dropSchema(admin, schema)
      await admin.end()
    },
  }
})

describe('postgresStore pools', () => {
  let fixture: ReturnType<typeof postgresFixture>

  beforeEach(() => {
    fixture = postgresFixture()
  })
  afterEach(() => fixture.cleanup())

  it('ends the pool it opened, and leaves a given pool open', async () => {
    const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 2 })
    try {
      const borrowed = postgresStore({ pool, schema: fixture.schema })
      await borrowed.ping()
      await borrowed.close()
      await borrowed.close()
      expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
      await expect(borrowed.ping()).rejects.toThrow(/closed/)
    } finally {
      await pool.end()
    }

    const owning = postgresStore({ url: POSTGRES_URL, schema: fixture.schema })
    await owning.ping()
    await owning.close()
    await owning.close()
    await expect(owning.ping()).rejects.toThrow(/closed/)
  })
})
